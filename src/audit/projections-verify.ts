import { type Clock, SystemClock } from '../shared/clock';
import { type EventStore, parsePosition, type Position, START } from '../shared/event-store/event-store.port';
import type { ProjectionDefinition } from '../shared/projections/projection';
import {
  PARKED_EVENTS_COLLECTION,
  physicalCollectionName,
  type ProjectionMetaDocument,
  ProjectionRunner,
  type ProjectionRunnerLogger,
  PROJECTIONS_META_COLLECTION,
} from '../shared/projections/projection-runner';
import type { Collection, Document, ReadStore } from '../shared/read-store/read-store.port';
import { EventStoreUpTo, PrefixedReadStore } from './scratch-stores';

/** Where scratch rebuilds live; one verification at a time per read store (leftovers are dropped at start). */
export const VERIFY_PREFIX = 'verify.';

/** The guard field the runner stores on every document: it differs between generations by design. */
const IGNORED_FIELDS = new Set(['_position']);

export interface VerifyProjectionsOptions {
  eventStore: EventStore;
  readStore: ReadStore;
  projections: readonly ProjectionDefinition[];
  /** Only these projections (by name); default all. */
  only?: readonly string[];
  /** Differences listed per collection (all are counted). Default 10. */
  maxExamples?: number;
  /** Times a comparison is redone when the live read model moved on meanwhile. Default 3. */
  attempts?: number;
  clock?: Clock;
  logger?: ProjectionRunnerLogger;
}

export interface FieldDifference {
  /** Dotted path in the document. */
  path: string;
  live: unknown;
  rebuilt: unknown;
}

export interface DocumentDifference {
  id: string;
  /** missing: only in the rebuild; unexpected: only in the live read model; changed: in both, with other values. */
  kind: 'missing' | 'unexpected' | 'changed';
  fields?: FieldDifference[];
}

export interface CollectionReport {
  /** Logical name (`_parked`: the events the projection parked, by event id). */
  collection: string;
  liveDocuments: number;
  rebuiltDocuments: number;
  differences: number;
  examples: DocumentDifference[];
}

export interface ProjectionReport {
  projection: string;
  version: number;
  status: 'equal' | 'different' | 'skipped';
  /** Why it was skipped, or a caveat about the comparison. */
  note?: string;
  /** The live generation compared, and the position both were compared at. */
  generation: number | null;
  position: string | null;
  collections: CollectionReport[];
}

export interface VerifyReport {
  /** False when any projection differs from its rebuild. */
  ok: boolean;
  projections: ProjectionReport[];
}

/**
 * Rebuilds each projection from the first event into scratch collections (`verify.` + the usual
 * names), up to the position the live read model is checkpointed at, and compares every document
 * of every logical collection with the live generation (ignoring the `_position` guard). The same
 * ProjectionRunner builds both, over a prefixed read store and the log cut at that position.
 *
 * A live read model that moves on during the comparison (a server is running) is compared again
 * at its new position, a few times. Scratch collections are dropped at the end.
 */
export async function verifyProjections(options: VerifyProjectionsOptions): Promise<VerifyReport> {
  const unknown = (options.only ?? []).filter((name) => !options.projections.some((p) => p.name === name));
  if (unknown.length > 0) throw new Error(`Unknown projection(s): ${unknown.join(', ')}`);
  const selected = options.projections.filter(
    (p) => options.only === undefined || options.only.length === 0 || options.only.includes(p.name),
  );
  const scratch = new PrefixedReadStore(options.readStore, VERIFY_PREFIX);
  await dropAll(scratch);
  const reports: ProjectionReport[] = [];
  try {
    for (const definition of selected) reports.push(await verifyOne(definition, scratch, options));
  } finally {
    await dropAll(scratch);
  }
  return { ok: reports.every((report) => report.status !== 'different'), projections: reports };
}

async function dropAll(store: ReadStore): Promise<void> {
  for (const name of await store.listCollections()) await store.dropCollection(name);
}

async function liveMeta(readStore: ReadStore, name: string): Promise<ProjectionMetaDocument | null> {
  return readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(name);
}

async function verifyOne(
  definition: ProjectionDefinition,
  scratch: ReadStore,
  options: VerifyProjectionsOptions,
): Promise<ProjectionReport> {
  const base = { projection: definition.name, version: definition.version };
  const skipped = (note: string, meta: ProjectionMetaDocument | null): ProjectionReport => ({
    ...base,
    status: 'skipped',
    note,
    generation: meta?.generation ?? null,
    position: meta?.position ?? null,
    collections: [],
  });
  const attempts = Math.max(1, options.attempts ?? 3);
  let report: ProjectionReport | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const meta = await liveMeta(options.readStore, definition.name);
    if (meta === null) return skipped('no live read model yet (the projection has never run)', null);
    if (meta.version !== definition.version) {
      return skipped(
        `the live generation was built by version ${meta.version}, this code is version ${definition.version}: a rebuild is due`,
        meta,
      );
    }
    const upTo = meta.position === null ? START : parsePosition(meta.position);
    if (!(await isEventPosition(options.eventStore, upTo))) {
      return skipped(`the live checkpoint ${upTo} is not the position of an event in this log`, meta);
    }
    const scratchGeneration = await buildScratch(definition, scratch, upTo, options);
    const collections: CollectionReport[] = [];
    for (const logical of Object.keys(definition.collections)) {
      collections.push(
        await compareCollections(
          logical,
          options.readStore.collection(physicalCollectionName(definition.name, logical, meta.generation)),
          scratch.collection(physicalCollectionName(definition.name, logical, scratchGeneration)),
          options.maxExamples ?? 10,
        ),
      );
    }
    collections.push(await compareParked(definition.name, meta.generation, options.readStore, scratch, options.maxExamples ?? 10));
    report = {
      ...base,
      status: collections.some((c) => c.differences > 0) ? 'different' : 'equal',
      generation: meta.generation,
      position: meta.position,
      collections,
    };
    const after = await liveMeta(options.readStore, definition.name);
    if (after?.position === meta.position && after.generation === meta.generation) return report;
  }
  return { ...(report as ProjectionReport), note: 'the live read model kept changing during the comparison: differences may be transient' };
}

/**
 * The runner catches up to the log's head; cut at a position that is not an event's, it would never
 * get there. Positions are opaque (on EventStoreDB a byte offset, where `position - 1` is no record
 * and the server refuses to read from it), so the event before is found by reading backwards, and
 * the event after that one must be the one at `position`.
 */
async function isEventPosition(store: EventStore, position: Position): Promise<boolean> {
  if (position === START) return true;
  const [before] = await store.readAll({ fromPosition: position, direction: 'backwards', limit: 1 });
  const [event] = await store.readAll({ fromPosition: before?.position ?? START, limit: 1 });
  return event?.position === position;
}

/** Builds (or continues building) the scratch copy up to `upTo`; returns its generation. */
async function buildScratch(
  definition: ProjectionDefinition,
  scratch: ReadStore,
  upTo: Position,
  options: VerifyProjectionsOptions,
): Promise<number> {
  const runner = new ProjectionRunner({
    eventStore: new EventStoreUpTo(options.eventStore, upTo),
    readStore: scratch,
    clock: options.clock ?? new SystemClock(),
    projections: [definition],
    // A handler that fails on a rebuild fails the same way every time: park it without long pauses.
    retryDelayMs: 10,
    logger: options.logger,
  });
  try {
    await runner.catchUp();
  } finally {
    await runner.stop();
  }
  const meta = await liveMeta(scratch, definition.name);
  if (meta === null) throw new Error(`The scratch rebuild of ${definition.name} left no checkpoint`);
  return meta.generation;
}

/** Byte order of UTF-8, the order both read stores sort string ids in. */
function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function compareCollections(logical: string, live: Collection, rebuilt: Collection, maxExamples: number): Promise<CollectionReport> {
  const report: CollectionReport = { collection: logical, liveDocuments: 0, rebuiltDocuments: 0, differences: 0, examples: [] };
  const note = (difference: DocumentDifference): void => {
    report.differences += 1;
    if (report.examples.length < maxExamples) report.examples.push(difference);
  };
  const liveDocs = live.findAll({}, { _id: 1 })[Symbol.asyncIterator]();
  const rebuiltDocs = rebuilt.findAll({}, { _id: 1 })[Symbol.asyncIterator]();
  const next = async (it: AsyncIterator<Document>): Promise<Document | undefined> => {
    const step = await it.next();
    return step.done ? undefined : step.value;
  };
  let a = await next(liveDocs);
  let b = await next(rebuiltDocs);
  while (a !== undefined || b !== undefined) {
    const order = a === undefined ? 1 : b === undefined ? -1 : compareIds(a._id, b._id);
    if (order < 0 && a !== undefined) {
      report.liveDocuments += 1;
      note({ id: a._id, kind: 'unexpected' });
      a = await next(liveDocs);
    } else if (order > 0 && b !== undefined) {
      report.rebuiltDocuments += 1;
      note({ id: b._id, kind: 'missing' });
      b = await next(rebuiltDocs);
    } else if (a !== undefined && b !== undefined) {
      report.liveDocuments += 1;
      report.rebuiltDocuments += 1;
      const fields: FieldDifference[] = [];
      diffValues(a, b, '', fields, 20);
      if (fields.length > 0) note({ id: a._id, kind: 'changed', fields });
      a = await next(liveDocs);
      b = await next(rebuiltDocs);
    }
  }
  return report;
}

/** The events each side parked: a handler that fails on the live side only (or the rebuild only) is a difference too. */
async function compareParked(
  name: string,
  generation: number,
  live: ReadStore,
  scratch: ReadStore,
  maxExamples: number,
): Promise<CollectionReport> {
  const ids = async (store: ReadStore, filter: Record<string, unknown>): Promise<Set<string>> => {
    const out = new Set<string>();
    for await (const doc of store.collection<Document & { eventId: string }>(PARKED_EVENTS_COLLECTION).findAll(filter))
      out.add(doc.eventId);
    return out;
  };
  const liveIds = await ids(live, { projection: name, generation });
  const rebuiltIds = await ids(scratch, { projection: name });
  const report: CollectionReport = {
    collection: '_parked',
    liveDocuments: liveIds.size,
    rebuiltDocuments: rebuiltIds.size,
    differences: 0,
    examples: [],
  };
  const note = (difference: DocumentDifference): void => {
    report.differences += 1;
    if (report.examples.length < maxExamples) report.examples.push(difference);
  };
  for (const id of liveIds) if (!rebuiltIds.has(id)) note({ id, kind: 'unexpected' });
  for (const id of rebuiltIds) if (!liveIds.has(id)) note({ id, kind: 'missing' });
  return report;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends the paths where two JSON values differ (key order does not matter), up to `max` of them. */
export function diffValues(live: unknown, rebuilt: unknown, path: string, out: FieldDifference[], max: number): void {
  if (out.length >= max) return;
  if (isPlainObject(live) && isPlainObject(rebuilt)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(rebuilt)])].sort();
    for (const key of keys) {
      if (path === '' && IGNORED_FIELDS.has(key)) continue;
      diffValues(live[key], rebuilt[key], path === '' ? key : `${path}.${key}`, out, max);
    }
    return;
  }
  if (Array.isArray(live) && Array.isArray(rebuilt) && live.length === rebuilt.length) {
    live.forEach((item, index) => diffValues(item, rebuilt[index], path === '' ? String(index) : `${path}.${index}`, out, max));
    return;
  }
  if (!Object.is(live, rebuilt) && !(live === undefined && rebuilt === undefined)) {
    out.push({ path: path === '' ? '(document)' : path, live, rebuilt });
  }
}
