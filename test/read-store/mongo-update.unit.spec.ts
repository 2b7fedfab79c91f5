import { applyUpdate, cloneValue, isOperatorUpdate } from '../../src/shared/read-store/mongo-update';
import { InvalidQueryError, type Document, type Update } from '../../src/shared/read-store/read-store.port';

function base(): Document {
  return {
    _id: 'd1',
    name: 'Ada',
    n: 10,
    tags: ['a', 'b'],
    nums: [1, 5, 7, 9],
    items: [
      { sku: 'x', qty: 1 },
      { sku: 'y', qty: 2 },
    ],
    address: { city: 'Paris', zip: '75001' },
    list: [10, 20],
  };
}

function apply(update: Update, isInsert = false): Document {
  return applyUpdate(base(), update, { isInsert });
}

describe('mongo-update', () => {
  describe('isOperatorUpdate', () => {
    it('tells operator updates from replacements', () => {
      expect(isOperatorUpdate({ $set: { a: 1 } })).toBe(true);
      expect(isOperatorUpdate({ a: 1 })).toBe(false);
      expect(isOperatorUpdate({})).toBe(false);
    });

    it('rejects mixes, unknown operators and non-objects', () => {
      expect(() => isOperatorUpdate({ $set: { a: 1 }, b: 2 })).toThrow(InvalidQueryError);
      expect(() => isOperatorUpdate({ $rename: { a: 'b' } })).toThrow(InvalidQueryError);
      expect(() => isOperatorUpdate([] as unknown as Update)).toThrow(InvalidQueryError);
    });
  });

  describe('$set', () => {
    it('sets top-level and dotted fields, creating intermediate objects', () => {
      const doc = apply({ $set: { name: 'Grace', 'address.city': 'Lyon', 'a.b.c': 1 } });
      expect(doc).toMatchObject({ name: 'Grace', address: { city: 'Lyon', zip: '75001' }, a: { b: { c: 1 } } });
    });

    it('sets array elements by index, padding with null', () => {
      expect(apply({ $set: { 'list.1': 99, 'items.0.qty': 7 } })).toMatchObject({
        list: [10, 99],
        items: [
          { sku: 'x', qty: 7 },
          { sku: 'y', qty: 2 },
        ],
      });
      expect(apply({ $set: { 'list.4': 1 } }).list).toEqual([10, 20, null, null, 1]);
    });

    it('copies the values it stores', () => {
      const value = { deep: [1] };
      const doc = apply({ $set: { v: value } });
      value.deep.push(2);
      expect(doc.v).toEqual({ deep: [1] });
    });

    it('refuses to create a field inside a scalar', () => {
      expect(() => apply({ $set: { 'name.first': 'x' } })).toThrow(InvalidQueryError);
      expect(() => apply({ $set: { 'list.x': 1 } })).toThrow(InvalidQueryError);
    });

    it('refuses to change _id but allows setting it to the same value', () => {
      expect(() => apply({ $set: { _id: 'other' } })).toThrow(InvalidQueryError);
      expect(apply({ $set: { _id: 'd1' } })._id).toBe('d1');
    });
  });

  describe('$unset', () => {
    it('removes fields, ignores missing paths, and nulls array elements', () => {
      const doc = apply({ $unset: { name: '', 'address.zip': '', 'no.such.path': '', 'list.0': '' } });
      expect(doc).not.toHaveProperty('name');
      expect(doc.address).toEqual({ city: 'Paris' });
      expect(doc.list).toEqual([null, 20]);
    });
  });

  describe('$inc and $mul', () => {
    it('add and multiply, starting missing fields at the increment and at 0', () => {
      expect(apply({ $inc: { n: -3, 'stats.count': 2 }, $mul: { factor: 5 } })).toMatchObject({
        n: 7,
        stats: { count: 2 },
        factor: 0,
      });
      expect(apply({ $mul: { n: 1.5 } }).n).toBe(15);
    });

    it('reject non-numeric arguments and targets', () => {
      expect(() => apply({ $inc: { n: '1' } })).toThrow(InvalidQueryError);
      expect(() => apply({ $inc: { name: 1 } })).toThrow(InvalidQueryError);
      expect(() => apply({ $mul: { tags: 2 } })).toThrow(InvalidQueryError);
    });
  });

  describe('$min and $max', () => {
    it('keep the lower / higher value by BSON order and set missing fields', () => {
      expect(apply({ $min: { n: 3, fresh: 1 }, $max: { 'address.zip': '80000' } })).toMatchObject({
        n: 3,
        fresh: 1,
        address: { zip: '80000' },
      });
      expect(apply({ $min: { n: 30 } }).n).toBe(10);
      expect(apply({ $max: { n: 5 } }).n).toBe(10);
      // A string sorts after any number, a null before.
      expect(apply({ $max: { n: 'x' } }).n).toBe('x');
      expect(apply({ $min: { n: null } }).n).toBeNull();
    });
  });

  describe('$push', () => {
    it('appends one value, creating the array when missing', () => {
      expect(apply({ $push: { tags: 'c', fresh: { a: 1 } } })).toMatchObject({ tags: ['a', 'b', 'c'], fresh: [{ a: 1 }] });
    });

    it('pushes an array as one element without $each', () => {
      expect(apply({ $push: { tags: ['c', 'd'] } }).tags).toEqual(['a', 'b', ['c', 'd']]);
    });

    it('supports $each, $slice, $position and $sort', () => {
      expect(apply({ $push: { nums: { $each: [11, 12], $slice: -3 } } }).nums).toEqual([9, 11, 12]);
      expect(apply({ $push: { nums: { $each: [0], $slice: 2 } } }).nums).toEqual([1, 5]);
      expect(apply({ $push: { nums: { $each: [3], $position: 1 } } }).nums).toEqual([1, 3, 5, 7, 9]);
      expect(apply({ $push: { nums: { $each: [6], $sort: -1 } } }).nums).toEqual([9, 7, 6, 5, 1]);
      expect(apply({ $push: { items: { $each: [{ sku: 'z', qty: 0 }], $sort: { qty: 1 }, $slice: 2 } } }).items).toEqual([
        { sku: 'z', qty: 0 },
        { sku: 'x', qty: 1 },
      ]);
      expect(apply({ $push: { nums: { $each: [], $slice: 0 } } }).nums).toEqual([]);
      // On a missing field the modifiers apply as to an empty array.
      expect(apply({ $push: { fresh: { $each: [3, 1, 2], $sort: 1, $slice: 2 } } }).fresh).toEqual([1, 2]);
    });

    it('rejects a non-array target and bad modifiers', () => {
      expect(() => apply({ $push: { name: 'x' } })).toThrow(InvalidQueryError);
      expect(() => apply({ $push: { nums: { $each: 1 } } })).toThrow(InvalidQueryError);
      expect(() => apply({ $push: { nums: { $each: [1], $slice: 1.5 } } })).toThrow(InvalidQueryError);
      expect(() => apply({ $push: { nums: { $each: [1], $unknown: 1 } } })).toThrow(InvalidQueryError);
    });
  });

  describe('$addToSet', () => {
    it('adds only values not present (deep equality), with $each', () => {
      expect(apply({ $addToSet: { tags: 'a' } }).tags).toEqual(['a', 'b']);
      expect(apply({ $addToSet: { tags: { $each: ['b', 'c', 'c', 'd'] } } }).tags).toEqual(['a', 'b', 'c', 'd']);
      expect(apply({ $addToSet: { items: { sku: 'x', qty: 1 } } }).items).toHaveLength(2);
      expect(apply({ $addToSet: { items: { sku: 'x', qty: 2 } } }).items).toHaveLength(3);
      expect(apply({ $addToSet: { fresh: 1 } }).fresh).toEqual([1]);
      expect(apply({ $addToSet: { fresh: { $each: [1, 1, 2] } } }).fresh).toEqual([1, 2]);
    });
  });

  describe('$pull', () => {
    it('removes equal values', () => {
      expect(apply({ $pull: { tags: 'a' } }).tags).toEqual(['b']);
    });

    it('removes values matching an operator condition', () => {
      expect(apply({ $pull: { nums: { $gte: 5, $lt: 9 } } }).nums).toEqual([1, 9]);
      expect(apply({ $pull: { tags: { $in: ['a', 'b'] } } }).tags).toEqual([]);
    });

    it('removes documents matching a query (not only exact equals)', () => {
      expect(apply({ $pull: { items: { sku: 'x' } } }).items).toEqual([{ sku: 'y', qty: 2 }]);
      expect(apply({ $pull: { items: { qty: { $gt: 1 } } } }).items).toEqual([{ sku: 'x', qty: 1 }]);
    });

    it('ignores missing fields and rejects non-arrays', () => {
      expect(apply({ $pull: { missing: 1 } })).not.toHaveProperty('missing');
      expect(() => apply({ $pull: { name: 'A' } })).toThrow(InvalidQueryError);
    });
  });

  describe('$setOnInsert', () => {
    it('applies only on insert', () => {
      expect(apply({ $setOnInsert: { created: true } }, false)).not.toHaveProperty('created');
      expect(apply({ $setOnInsert: { created: true } }, true)).toHaveProperty('created', true);
    });
  });

  describe('replacement', () => {
    it('replaces all fields and keeps _id', () => {
      expect(apply({ only: 1 })).toEqual({ _id: 'd1', only: 1 });
      expect(apply({ _id: 'd1', only: 1 })).toEqual({ _id: 'd1', only: 1 });
      expect(apply({})).toEqual({ _id: 'd1' });
    });

    it('rejects another _id', () => {
      expect(() => apply({ _id: 'other', x: 1 })).toThrow(InvalidQueryError);
    });
  });

  describe('validation', () => {
    it.each<[string, Update]>([
      ['conflicting paths across operators', { $set: { a: 1 }, $inc: { a: 1 } }],
      ['a path and its parent', { $set: { 'address.city': 'x' }, $unset: { address: '' } }],
      ['positional operators', { $set: { 'items.$.qty': 1 } }],
      ['an operator without an object', { $set: 5 }],
      ['an empty path segment', { $set: { 'a..b': 1 } }],
    ])('rejects %s', (_label, update) => {
      expect(() => apply(update)).toThrow(InvalidQueryError);
    });

    it('accepts sibling paths that share a prefix string', () => {
      expect(apply({ $set: { a: 1, ab: 2, 'c.d': 3, 'c.e': 4 } })).toMatchObject({ a: 1, ab: 2, c: { d: 3, e: 4 } });
    });
  });

  describe('cloneValue', () => {
    it('stores dates as ISO strings and undefined as null', () => {
      expect(cloneValue({ at: new Date('2026-01-02T03:04:05.000Z'), list: [undefined, 1], gone: undefined })).toEqual({
        at: '2026-01-02T03:04:05.000Z',
        list: [null, 1],
      });
    });
  });
});
