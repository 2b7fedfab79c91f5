/**
 * Writes of the embedded read store, on the writer connection inside a write transaction whose
 * catalog has been checked (embedded-engine.ts). Updates are applied by mingo (mongo-update.ts) to
 * the parsed document, which is then stored whole; a unique index violation becomes DuplicateKeyError.
 */
import { cursorPositionOf } from './cursor';
import { type CollectionMeta, type Connection, isUniqueViolation } from './embedded-catalog';
import { assertCollectionName, assertId, assertPosition, positionAllows, positionColumn } from './embedded-document-rules';
import { quoteIdentifier, type SqlValue } from './embedded-key-expression';
import { planFilter } from './embedded-query-plan';
import type { DocumentMatcher } from './mongo-filter';
import { applyUpdate, isOperatorUpdate } from './mongo-update';
import { DuplicateKeyError, InvalidQueryError, type Document, type Filter, type Update, type UpdateOptions } from './read-store.port';

/** Collections are created on first write (a schema change, so only ever under the write lock). */
export function ensureCollection(writer: Connection, name: string): CollectionMeta {
  assertCollectionName(name);
  return writer.catalog.ensureCollection(name);
}

export function updateDocument(writer: Connection, name: string, id: string, update: Update, options: UpdateOptions): boolean {
  assertId(id);
  isOperatorUpdate(update);
  const position = options.position;
  if (position !== undefined) assertPosition(position);
  let meta = writer.catalog.get(name);
  const row =
    meta === undefined
      ? undefined
      : (writer.prepare(meta.sql.getForUpdate).get(id) as { r: number; doc: string; pos: string | null } | undefined);
  if (row === undefined) {
    // Applied even without upsert, so a malformed update fails the same way on a missing document.
    const doc = applyUpdate<Document>({ _id: id }, update, { isInsert: true });
    if (!options.upsert) return false;
    if (position !== undefined) doc._position = position;
    meta ??= ensureCollection(writer, name);
    runWrite(writer, meta, meta.sql.insert, [id, JSON.stringify(doc), positionColumn(doc)], doc);
    return true;
  }
  if (position !== undefined && !positionAllows(position, row.pos)) return false;
  const doc = applyUpdate(JSON.parse(row.doc) as Document, update, { isInsert: false });
  if (position !== undefined) doc._position = position;
  runWrite(writer, meta as CollectionMeta, (meta as CollectionMeta).sql.update, [JSON.stringify(doc), positionColumn(doc), row.r], doc);
  return true;
}

export function replaceDocument(
  writer: Connection,
  name: string,
  id: string,
  replacement: Record<string, unknown>,
  position?: string,
): boolean {
  assertId(id);
  if (replacement === null || typeof replacement !== 'object' || Array.isArray(replacement)) {
    throw new InvalidQueryError('a replacement must be an object');
  }
  if (replacement._id !== undefined && replacement._id !== id) throw new InvalidQueryError('a replacement cannot change _id');
  if (position !== undefined) assertPosition(position);
  const doc: Document = { _id: id };
  for (const key of Object.keys(replacement)) {
    if (key !== '_id') doc[key] = replacement[key];
  }
  const meta = ensureCollection(writer, name);
  if (position !== undefined) {
    const row = writer.prepare(meta.sql.getPosition).get(id) as { pos: string | null } | undefined;
    if (row !== undefined && !positionAllows(position, row.pos)) return false;
    doc._position = position;
  }
  runWrite(writer, meta, meta.sql.upsert, [id, JSON.stringify(doc), positionColumn(doc)], doc);
  return true;
}

export function deleteDocument(writer: Connection, name: string, id: string): boolean {
  assertId(id);
  const meta = writer.catalog.get(name);
  if (meta === undefined) return false;
  return writer.prepare(meta.sql.delete).run(id).changes > 0;
}

export function deleteMatching(writer: Connection, name: string, filter: Filter, matcher: DocumentMatcher): number {
  const meta = writer.catalog.get(name);
  if (meta === undefined) return 0;
  const plan = planFilter(filter, meta);
  const table = quoteIdentifier(meta.table);
  const whereSql = plan.where.length > 0 ? ` WHERE ${plan.where.join(' AND ')}` : '';
  if (plan.exact) return writer.prepare(`DELETE FROM ${table}${whereSql}`).run(...plan.params).changes;
  const rows = writer.prepare(`SELECT id, doc FROM ${table}${whereSql}`).all(...plan.params) as Array<{
    id: string;
    doc: string;
  }>;
  const ids = rows.filter((row) => matcher(JSON.parse(row.doc))).map((row) => row.id);
  const remove = writer.prepare(meta.sql.delete);
  return writer.db.transaction(() => {
    let n = 0;
    for (const id of ids) n += remove.run(id).changes;
    return n;
  })();
}

function runWrite(writer: Connection, meta: CollectionMeta, sql: string, params: SqlValue[], doc: Document): void {
  try {
    writer.prepare(sql).run(...params);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const message = (error as Error).message;
    const index = meta.indexes.find((candidate) => message.includes(candidate.sqlName));
    if (index === undefined) throw new DuplicateKeyError(meta.name, message);
    const key: Record<string, unknown> = {};
    for (const [field] of index.keys) key[field] = cursorPositionOf(doc, [[field, 1]]).values[0];
    throw new DuplicateKeyError(meta.name, `${index.name} ${JSON.stringify(key)}`);
  }
}
