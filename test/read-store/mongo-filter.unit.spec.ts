import { compileFilter, matchesFilter } from '../../src/shared/read-store/mongo-filter';
import { InvalidQueryError, type Filter } from '../../src/shared/read-store/read-store.port';

describe('mongo-filter', () => {
  const doc = {
    _id: 'd1',
    name: 'Alice',
    age: 30,
    nickname: null,
    tags: ['vip', 'new'],
    address: { city: 'Paris', geo: { lat: 48.8 } },
    orders: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 5 },
    ],
    matrix: [
      [1, 2],
      [3, 4],
    ],
    active: true,
    scores: [70, 85, 90],
  };

  const cases: Array<[string, Filter, boolean]> = [
    ['empty filter', {}, true],
    ['equality', { name: 'Alice' }, true],
    ['equality mismatch', { name: 'alice' }, false],
    ['number equality ignores type of number', { age: 30.0 }, true],
    ['number does not equal its string', { age: '30' }, false],
    ['dotted path', { 'address.geo.lat': 48.8 }, true],
    ['embedded document equality', { address: { city: 'Paris', geo: { lat: 48.8 } } }, true],
    // mingo compares embedded documents without regard to field order; MongoDB would not match here.
    ['embedded document with other field order', { address: { geo: { lat: 48.8 }, city: 'Paris' } }, true],
    ['array contains', { tags: 'vip' }, true],
    ['whole array equality', { tags: ['vip', 'new'] }, true],
    ['whole array in another order', { tags: ['new', 'vip'] }, false],
    ['nested array element equality', { matrix: [3, 4] }, true],
    ['array of documents by dotted path', { 'orders.sku': 'b' }, true],
    ['array index path', { 'orders.0.sku': 'a' }, true],
    ['array index path mismatch', { 'orders.0.sku': 'b' }, false],
    ['null matches null', { nickname: null }, true],
    ['null matches missing', { missing: null }, true],
    ['null does not match a value', { name: null }, false],
    ['null matches a missing field in an array element', { 'orders.note': null }, true],
    ['$eq', { age: { $eq: 30 } }, true],
    ['$ne', { age: { $ne: 30 } }, false],
    ['$ne on an array excludes when any element equals', { tags: { $ne: 'vip' } }, false],
    ['$ne matches missing', { missing: { $ne: 1 } }, true],
    ['$ne null excludes null', { nickname: { $ne: null } }, false],
    ['$ne null matches a value', { name: { $ne: null } }, true],
    ['$gt', { age: { $gt: 29 } }, true],
    ['$gt equal', { age: { $gt: 30 } }, false],
    ['$gte', { age: { $gte: 30 } }, true],
    ['$lt', { age: { $lt: 31 } }, true],
    ['$lte', { age: { $lte: 29 } }, false],
    ['$gt with a string never matches a number', { age: { $gt: '1' } }, false],
    ['$lt with a number never matches a string', { name: { $lt: 1000 } }, false],
    ['$gt on missing', { missing: { $gt: 0 } }, false],
    ['$lt on missing', { missing: { $lt: 0 } }, false],
    ['$gte null matches missing', { missing: { $gte: null } }, true],
    ['$lte null matches null', { nickname: { $lte: null } }, true],
    ['$gt null matches nothing', { nickname: { $gt: null } }, false],
    ['$gt on array elements', { scores: { $gt: 88 } }, true],
    ['range must hold for one element at least', { scores: { $gt: 95 } }, false],
    ['range on different elements (no $elemMatch)', { scores: { $gt: 86, $lt: 80 } }, true],
    ['$gt with strings', { name: { $gt: 'Al' } }, true],
    ['$gt booleans', { active: { $gt: false } }, true],
    ['$in', { age: { $in: [1, 30] } }, true],
    ['$in on array field', { tags: { $in: ['x', 'new'] } }, true],
    ['$in with null and missing', { missing: { $in: [null] } }, true],
    ['$in with a regex', { name: { $in: [/^al/i] } }, true],
    ['$in empty', { age: { $in: [] } }, false],
    ['$nin', { age: { $nin: [1, 2] } }, true],
    ['$nin on array field', { tags: { $nin: ['vip'] } }, false],
    ['$nin matches missing', { missing: { $nin: [1] } }, true],
    ['$all', { tags: { $all: ['new', 'vip'] } }, true],
    ['$all missing one', { tags: { $all: ['new', 'x'] } }, false],
    ['$exists true', { nickname: { $exists: true } }, true],
    ['$exists false on present', { nickname: { $exists: false } }, false],
    ['$exists false on missing', { 'address.zip': { $exists: false } }, true],
    ['$exists on array element paths', { 'orders.qty': { $exists: true } }, true],
    ['$regex', { name: { $regex: '^Al' } }, true],
    ['$regex case sensitive', { name: { $regex: '^al' } }, false],
    ['$regex with $options i', { name: { $regex: '^al', $options: 'i' } }, true],
    ['$regex with a RegExp', { name: { $regex: /ICE$/i } }, true],
    ['$regex on array elements', { tags: { $regex: '^ne' } }, true],
    ['$regex never matches a number', { age: { $regex: '3' } }, false],
    ['RegExp value', { name: /lic/ }, true],
    ['$size', { tags: { $size: 2 } }, true],
    ['$size mismatch', { tags: { $size: 3 } }, false],
    ['$size on a non-array', { name: { $size: 5 } }, false],
    ['$elemMatch on documents', { orders: { $elemMatch: { sku: 'b', qty: { $gt: 2 } } } }, true],
    ['$elemMatch needs one element to satisfy all', { orders: { $elemMatch: { sku: 'a', qty: { $gt: 2 } } } }, false],
    ['$elemMatch on values', { scores: { $elemMatch: { $gte: 80, $lt: 86 } } }, true],
    ['$elemMatch on values without a match', { scores: { $elemMatch: { $gt: 70, $lt: 80 } } }, false],
    ['$elemMatch on a non-array', { name: { $elemMatch: { $eq: 'Alice' } } }, false],
    ['$elemMatch with $or inside', { orders: { $elemMatch: { $or: [{ sku: 'z' }, { qty: 5 }] } } }, true],
    ['$not', { age: { $not: { $gt: 40 } } }, true],
    ['$not matches missing', { missing: { $not: { $gt: 1 } } }, true],
    ['$not with a regex', { name: { $not: /^B/ } }, true],
    ['$and', { $and: [{ age: 30 }, { name: 'Alice' }] }, true],
    ['$and failing', { $and: [{ age: 30 }, { name: 'Bob' }] }, false],
    ['$or', { $or: [{ age: 1 }, { name: 'Alice' }] }, true],
    ['$or failing', { $or: [{ age: 1 }, { name: 'Bob' }] }, false],
    ['$nor', { $nor: [{ age: 1 }, { name: 'Bob' }] }, true],
    ['$nor failing', { $nor: [{ age: 30 }] }, false],
    ['several fields', { age: 30, 'address.city': 'Paris', tags: 'new' }, true],
    ['several operators on one field', { age: { $gt: 20, $lt: 40, $ne: 35 } }, true],
    ['$elemMatch with field conditions skips elements that are not documents', { tags: { $elemMatch: { x: 'vip' } } }, false],
    ['$all on a field that is not an array', { age: { $all: [30] } }, true],
    ['$all on a field that is not an array, other value', { age: { $all: [31] } }, false],
    ['a RegExp with the g flag matches every time', { $and: [{ name: /^A/g }, { name: /^A/g }] }, true],
    ['null on a dotted path into an array of scalars', { 'tags.x': null }, true],
  ];

  it.each(cases)('%s', (_label, filter, expected) => {
    expect(matchesFilter(doc, filter)).toBe(expected);
  });

  it('compiles once and matches many documents', () => {
    const matcher = compileFilter({ age: { $gte: 18 }, 'address.city': 'Paris' });
    const docs = [
      { _id: '1', age: 17, address: { city: 'Paris' } },
      { _id: '2', age: 18, address: { city: 'Paris' } },
      { _id: '3', age: 40, address: { city: 'Lyon' } },
      { _id: '4', age: 40 },
    ];
    expect(docs.filter(matcher).map((d) => d._id)).toEqual(['2']);
  });

  it.each<[string, Filter]>([
    ['an unknown top-level operator', { $where: 'true' }],
    ['an unknown field operator', { age: { $near: 1 } }],
    ['mixed operators and fields', { age: { $gt: 1, plain: 2 } }],
    ['$and without an array', { $and: { age: 1 } }],
    ['an empty $or', { $or: [] }],
    ['$in without an array', { age: { $in: 1 } }],
    ['$size with a fraction', { tags: { $size: 1.5 } }],
    ['$options without $regex', { name: { $options: 'i' } }],
    ['unsupported regex options', { name: { $regex: 'a', $options: 'g' } }],
    ['an invalid regex', { name: { $regex: '(' } }],
    ['$not with a plain value', { age: { $not: 5 } }],
    ['$elemMatch with a non-object', { tags: { $elemMatch: 'vip' } }],
    ['a Date value', { at: new Date(0) }],
    ['an empty path segment', { 'a..b': 1 }],
  ])('rejects %s with InvalidQueryError', (_label, filter) => {
    expect(() => compileFilter(filter)).toThrow(InvalidQueryError);
  });
});
