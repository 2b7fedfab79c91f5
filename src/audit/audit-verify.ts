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
}

const PAGE = 1000;

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
      const page = await this.store.readStream(stream, { fromRevision: next, maxCount: PAGE });
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
    const heads = new Map<string, { next: bigint; hash: string | null }>();
    const brokenStreams = new Set<string>();
    let firstBroken: BrokenLink | undefined;
    let checked = 0;
    let from: Position = START;
    for (;;) {
      const page = await this.store.readAll({ fromPosition: from, limit: PAGE });
      for (const event of page) {
        if (brokenStreams.has(event.streamName)) continue;
        checked += 1;
        const head = heads.get(event.streamName) ?? { next: 0n, hash: null };
        const problem = checkLink(event, head.next, head.hash);
        if (problem !== null) {
          brokenStreams.add(event.streamName);
          heads.delete(event.streamName);
          firstBroken ??= broken(event, problem);
          continue;
        }
        heads.set(event.streamName, { next: event.revision + 1n, hash: storedHash(event) });
      }
      if (page.length < PAGE) break;
      from = page[page.length - 1].position;
    }
    return {
      ok: firstBroken === undefined,
      checked,
      streams: heads.size + brokenStreams.size,
      brokenStreams: brokenStreams.size,
      ...(firstBroken ? { firstBroken } : {}),
    };
  }
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
  const b = report.firstBroken!;
  return (
    `BROKEN: ${report.brokenStreams} stream(s) with a broken chain among ${scope}; first: ${b.stream} revision ${b.revision} ` +
    `(event ${b.eventId}, position ${b.position}): ${b.problem}, expected ${b.expected ?? 'null'}, found ${b.actual ?? 'null'}`
  );
}
