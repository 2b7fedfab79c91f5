/**
 * A collection of the embedded read store, outside or inside a transaction (`tx`): compiles the
 * filter once (mingo, mongo-filter.ts), then runs the read or write through the engine.
 */
import { cursorPositionOf, decodeCursor, encodeCursor, normalizeSort, resolvePageSize, type CursorPosition } from './cursor';
import { assertCollectionName } from './embedded-document-rules';
import type { Engine } from './embedded-engine';
import type { TransactionState } from './embedded-locking';
import { countMatching, getDocument, scan } from './embedded-queries';
import { deleteDocument, deleteMatching, replaceDocument, updateDocument } from './embedded-writes';
import { excludedFields } from './excluded-fields';
import { compileFilter } from './mongo-filter';
import {
  InvalidQueryError,
  type Collection,
  type Document,
  type Filter,
  type FindOptions,
  type Page,
  type SortSpec,
  type Update,
  type UpdateOptions,
} from './read-store.port';

const FIND_ALL_BATCH = 500;

export class EmbeddedCollection<T extends Document> implements Collection<T> {
  constructor(
    private readonly engine: Engine,
    readonly name: string,
    private readonly tx: TransactionState | null,
  ) {
    assertCollectionName(name);
  }

  get(id: string): Promise<T | null> {
    return this.engine.read(this.tx, (conn) => getDocument(conn, this.name, id) as T | null);
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<Page<T>> {
    const matcher = compileFilter(filter);
    const sort = normalizeSort(options.sort);
    const limit = resolvePageSize(options.limit);
    const after = options.cursor === undefined ? null : decodeCursor(options.cursor, sort.length - 1);
    const exclude = excludedFields(options.exclude, filter, options.sort);
    if (exclude.some((field) => field.includes('"')))
      throw new InvalidQueryError('exclude: field names with a double quote are not supported');
    const { items, more } = await this.engine.read(this.tx, (conn) => scan(conn, this.name, filter, matcher, sort, after, limit, exclude));
    const last = items[items.length - 1];
    return {
      items: items as T[],
      nextCursor: more && last !== undefined ? encodeCursor(cursorPositionOf(last, sort)) : null,
    };
  }

  async *findAll(filter?: Filter, sortSpec?: SortSpec): AsyncIterable<T> {
    const matcher = compileFilter(filter);
    const sort = normalizeSort(sortSpec);
    let after: CursorPosition | null = null;
    for (;;) {
      const from = after;
      const { items, more } = await this.engine.read(this.tx, (conn) => scan(conn, this.name, filter, matcher, sort, from, FIND_ALL_BATCH));
      for (const doc of items) yield doc as T;
      const last = items[items.length - 1];
      if (!more || last === undefined) return;
      after = cursorPositionOf(last, sort);
    }
  }

  async count(filter?: Filter): Promise<number> {
    const matcher = compileFilter(filter);
    return this.engine.read(this.tx, (conn) => countMatching(conn, this.name, filter, matcher));
  }

  update(id: string, update: Update, options: UpdateOptions = {}): Promise<boolean> {
    return this.engine.write(this.tx, () => updateDocument(this.engine.writer, this.name, id, update, options));
  }

  replace(id: string, doc: Omit<T, '_id'> & { _id?: string }, options: { position?: string } = {}): Promise<boolean> {
    return this.engine.write(this.tx, () =>
      replaceDocument(this.engine.writer, this.name, id, doc as Record<string, unknown>, options.position),
    );
  }

  delete(id: string): Promise<boolean> {
    return this.engine.write(this.tx, () => deleteDocument(this.engine.writer, this.name, id));
  }

  async deleteMany(filter: Filter): Promise<number> {
    const matcher = compileFilter(filter);
    return this.engine.write(this.tx, () => deleteMatching(this.engine.writer, this.name, filter, matcher));
  }
}
