import type { EventStore, Position, RecordedEvent } from '../shared/event-store/event-store.port';
import { START } from '../shared/event-store/event-store.port';
import { checkLink, type LinkProblem, storedHash } from '../shared/event-store/hash-chain';

/** The first event that does not hold to its stream's hash chain. */
export interface BrokenLink {
  stream: string;
  revision: number;
  eventId: string;
  position: string;
  /**
   * content-altered: the event's data, type, id or metadata changed after it was written;
   * broken-link: it does not link to the previous event (one was inserted, removed or reordered);
   * revision-gap: a revision is missing before it; missing-hash: it carries no hash.
   */
  problem: LinkProblem;
  /** The previous hash, the recomputed hash or the expected revision, per problem. */
  expected: string | null;
  /** What the event carries. */
  actual: string | null;
}

export interface VerificationReport {
  ok: boolean;
  /** Events checked (a stream stops being checked at its first broken link). */
  checked: number;
  /** Streams seen. */
  streams: number;
  /** The first broken link in global order (in the stream, for a one-stream check). */
  firstBroken?: BrokenLink;
  /** How many streams have a broken link (whole-log check). */
  brokenStreams: number;
  /**
   * The stream's last hash (one-stream check, chain intact). The chain cannot show that its last
   * events were cut off: keep this somewhere else and compare later to catch that too.
   */
  head?: { revision: number; hash: string };
  /**
   * The store could not be read (a corrupted file): the first page of the log, or of the stream,
   * that failed, given by the position or revision it starts after, and the store's error code.
   * Everything before it was checked.
   */
  corrupted?: { afterPosition?: string; fromRevision?: number; error: string };
  /** An incremental check (see AuditVerifier.extend): where the part checked by this call began. */
  resumedAfterPosition?: string;
}

const PAGE = 1000;

/**
 * What a whole-log check has established so far, so that the next one reads only the events
 * after it: each stream's next revision and last hash, and what was found broken. About 100 bytes
 * a stream. It vouches for the events as they were read: a full check is the one that also
 * catches changes made since to events already checked.
 */
export interface VerifiedPrefix {
  /** The last position read (opaque: only handed back to readAll). */
  after: Position;
  heads: Map<string, { next: bigint; hash: string | null }>;
  brokenStreams: Set<string>;
  firstBroken?: BrokenLink;
  checked: number;
}

export function emptyPrefix(): VerifiedPrefix {
  return { after: START, heads: new Map(), brokenStreams: new Set(), checked: 0 };
}

/** SQLite's codes for a file that is not (or no longer) a sound database. */
function corruptionCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code) ? code : null;
}

/**
 * Checks the tamper-evidence hash chains (shared/event-store/hash-chain.ts) of one stream or of
 * the whole log. Give it the event store as stored (STORED_EVENT_STORE): the hashes cover the
 * encrypted form, so verification needs no keys and still holds after a customer is forgotten.
 */
export class AuditVerifier {
  constructor(private readonly store: EventStore) {}

  async verifyStream(stream: string): Promise<VerificationReport> {
    let checked = 0;
    let prev: string | null = null;
    let next = 0n;
    let last: RecordedEvent | undefined;
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.store.readStream(stream, { fromRevision: next, maxCount: PAGE });
      } catch (error) {
        const code = corruptionCode(error);
        if (code === null) throw error;
        return { ok: false, checked, streams: 1, brokenStreams: 0, corrupted: { fromRevision: Number(next), error: code } };
      }
      for (const event of page) {
        checked += 1;
        const problem = checkLink(event, next, prev);
        if (problem !== null) {
          return { ok: false, checked, streams: 1, firstBroken: broken(event, problem), brokenStreams: 1 };
        }
        prev = storedHash(event);
        next = event.revision + 1n;
        last = event;
      }
      if (page.length < PAGE) break;
    }
    const head = last === undefined || prev === null ? undefined : { revision: Number(last.revision), hash: prev };
    return { ok: true, checked, streams: checked === 0 ? 0 : 1, brokenStreams: 0, ...(head ? { head } : {}) };
  }

  /**
   * One pass over the log in global order, keeping each stream's last hash and next revision in
   * memory (about 100 bytes a stream). A stream with a broken link is not checked further.
   */
  async verifyAll(): Promise<VerificationReport> {
    const prefix = emptyPrefix();
    const corrupted = await this.extend(prefix);
    return reportOf(prefix, corrupted);
  }

  /**
   * Checks the events after `prefix` and adds them to it (it is updated in place, up to the
   * last page read). Returns the corruption met, if any. The report of a prefix extended to the
   * end of the log is the report of verifyAll() on the same events.
   */
  async extend(prefix: VerifiedPrefix): Promise<VerificationReport['corrupted']> {
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.store.readAll({ fromPosition: prefix.after, limit: PAGE });
      } catch (error) {
        const code = corruptionCode(error);
        if (code === null) throw error;
        return { afterPosition: prefix.after.toString(), error: code };
      }
      for (const event of page) {
        if (prefix.brokenStreams.has(event.streamName)) continue;
        prefix.checked += 1;
        const head = prefix.heads.get(event.streamName) ?? { next: 0n, hash: null };
        const problem = checkLink(event, head.next, head.hash);
        if (problem !== null) {
          prefix.brokenStreams.add(event.streamName);
          prefix.heads.delete(event.streamName);
          prefix.firstBroken ??= broken(event, problem);
          continue;
        }
        prefix.heads.set(event.streamName, { next: event.revision + 1n, hash: storedHash(event) });
      }
      if (page.length > 0) prefix.after = page[page.length - 1].position;
      if (page.length < PAGE) return undefined;
    }
  }
}

/** The report of a whole-log check that has come as far as `prefix`. */
export function reportOf(prefix: VerifiedPrefix, corrupted?: VerificationReport['corrupted']): VerificationReport {
  return {
    ok: prefix.firstBroken === undefined && corrupted === undefined,
    checked: prefix.checked,
    streams: prefix.heads.size + prefix.brokenStreams.size,
    brokenStreams: prefix.brokenStreams.size,
    ...(prefix.firstBroken ? { firstBroken: prefix.firstBroken } : {}),
    ...(corrupted ? { corrupted } : {}),
  };
}

function broken(event: RecordedEvent, problem: NonNullable<ReturnType<typeof checkLink>>): BrokenLink {
  return {
    stream: event.streamName,
    revision: Number(event.revision),
    eventId: event.id,
    position: event.position.toString(),
    ...problem,
  };
}

/** One line for people: what was checked and, if broken, where. */
export function describeReport(report: VerificationReport, stream?: string): string {
  const scope = stream === undefined ? `${report.streams} stream(s)` : `stream ${stream}`;
  if (report.ok) return `OK: ${report.checked} event(s) in ${scope}, every hash chain intact`;
  if (report.corrupted) {
    const where =
      report.corrupted.afterPosition !== undefined
        ? `after position ${report.corrupted.afterPosition}`
        : `from revision ${report.corrupted.fromRevision}`;
    return `CORRUPTED: the event store could not be read ${where} (${report.corrupted.error}); ${report.checked} event(s) before it checked`;
  }
  const b = report.firstBroken!;
  return (
    `BROKEN: ${report.brokenStreams} stream(s) with a broken chain among ${scope}; first: ${b.stream} revision ${b.revision} ` +
    `(event ${b.eventId}, position ${b.position}): ${b.problem}, expected ${b.expected ?? 'null'}, found ${b.actual ?? 'null'}`
  );
}
