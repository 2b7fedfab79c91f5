/**
 * The `complaint-stats` projection: per complaint, the facts the complaint statistics are computed
 * from (complaint-stats.ts aggregates them at query time). Built from the complaint EVENTS, not
 * from the complaint read models, so the statistics do not depend on how those present things.
 *
 * Facts kept (one document per complaint, indexed by registeredAt):
 * - dimensions: status (current), category, product, channel, department (current holder), severity
 *   (latest grade), customerId;
 * - registeredAt (the complaint's receivedAt), acknowledgedAt;
 * - valid: the standing assessment (null before one);
 * - resolvedAt / resolutionWithinSla: the standing resolution (a reopen clears it);
 * - breachedFirstResponse / breachedResolution: an SLA breach was recorded;
 * - everResolvedOrClosed and reopenCount, for the reopen rate;
 * - csat / nps: the latest satisfaction answer;
 * - for an imported complaint, its source's values (ComplaintRegistered.sourceAttributes): company,
 *   state, issue, subIssue, sourceChannel, companyResponse, timely and disputed ('yes' / 'no'), as
 *   the source gives them (null for complaints registered here, or values the source lacks).
 *
 * Besides the facts, the statistics pre-aggregated per UTC day of registration (`days`, see
 * complaint-stats-buckets.ts), kept up to date with every change of a complaint's facts, and per
 * customer the registration instants of their complaints (`complainants`), for the repeat-complainer
 * links of those buckets, and per month a version document (`months`) the readers cache by.
 *
 * A bucket keeps each of its complaints' durations and links, so those parts grow with them: they
 * are stored apart from the bucket's counters (`day-lists`, one document per part), and an event
 * rewrites only the constant-size counters document of its bucket plus the one list it changes, if
 * any (a registration its links, an acknowledgement or resolution its durations). A day's complaints
 * fill buckets of at most
 * COMPLAINTS_PER_BUCKET, in the order they are registered (`YYYY-MM-DD`, then `YYYY-MM-DD#1`, ...;
 * `day-shards` counts them), and each complaint's facts name its bucket. A busy day costs a write
 * of bounded size per event instead of one that grows with the day; readers merge a day's buckets
 * as they merge days.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { ComplaintEvent, ComplaintSourceAttributes } from '../complaints/complaint.events';
import type { ComplaintFacts, YesNo } from './complaint-facts';
import {
  applyCounts,
  type BucketList,
  type ComplaintLink,
  type ComplaintTimeline,
  type DayBucket,
  type DayCounters,
  type DayListDoc,
  dayOf,
  durationMs,
  emptyCounters,
  insertIntoTimeline,
  linkAt,
  listApply,
  listDocId,
} from './complaint-stats-buckets';
import {
  COMPLAINT_STATUS_EVENT_TYPES,
  type ComplaintStatusFacts,
  INITIAL_STATUS_FACTS,
  nextStatusFacts,
  statusFromFacts,
} from '../complaints/complaint-status';

export const COMPLAINT_STATS_PROJECTION = 'complaint-stats';
export const COMPLAINT_FACTS_COLLECTION = 'complaints';
export const COMPLAINT_DAYS_COLLECTION = 'days';
/** The growing parts of the day buckets (durations, links): DayListDoc, `<bucket id>/<part>`. */
export const COMPLAINT_DAY_LISTS_COLLECTION = 'day-lists';
export const COMPLAINANTS_COLLECTION = 'complainants';
/** One document per month (`YYYY-MM`) whose `_position` changes with any of its day buckets: readers cache buckets by it. */
export const COMPLAINT_MONTHS_COLLECTION = 'months';
/** Per day with more than one bucket: how many it has. */
export const COMPLAINT_DAY_SHARDS_COLLECTION = 'day-shards';

/** Most complaints in one day bucket. */
export const COMPLAINTS_PER_BUCKET = 128;

/** The id of a day's bucket number `shard` (0: the day itself, so a quiet day has one bucket named by its date). */
export const bucketId = (day: string, shard: number): string => (shard === 0 ? day : `${day}#${shard}`);

export interface ComplaintDayDoc extends Document, DayCounters {}
export interface ComplaintDayListDoc extends Document, DayListDoc {}
export interface ComplainantDoc extends Document {
  timeline: ComplaintTimeline;
}

export type { ComplaintFacts, YesNo } from './complaint-facts';
const yesNo = (value: boolean | null | undefined): YesNo | null => (value === true ? 'yes' : value === false ? 'no' : null);

/** The facts taken from an imported complaint's source values (all null for a complaint registered here). */
function sourceFacts(attributes: ComplaintSourceAttributes | null | undefined): Pick<ComplaintFacts, SourceFact> {
  return {
    company: attributes?.company ?? null,
    state: attributes?.state ?? null,
    issue: attributes?.issue ?? null,
    subIssue: attributes?.subIssue ?? null,
    sourceChannel: attributes?.sourceChannel ?? null,
    companyResponse: attributes?.companyResponse ?? null,
    timely: yesNo(attributes?.timely),
    disputed: yesNo(attributes?.disputed),
  };
}
type SourceFact = 'company' | 'state' | 'issue' | 'subIssue' | 'sourceChannel' | 'companyResponse' | 'timely' | 'disputed';

export interface ComplaintFactsDoc extends Document, ComplaintFacts {
  statusFacts: ComplaintStatusFacts;
  /** The id of the day bucket that counts this complaint. */
  bucket: string;
}

interface DayShardsDoc extends Document {
  shards: number;
}

const HANDLED: readonly ComplaintEvent['type'][] = [
  ...new Set<ComplaintEvent['type']>([...COMPLAINT_STATUS_EVENT_TYPES, 'ComplaintAssigned', 'SlaBreached', 'SatisfactionRecorded']),
];

/** The facts after one event (the registration is handled by the caller). */
function nextFacts(doc: ComplaintFactsDoc, e: ComplaintEvent): Partial<ComplaintFactsDoc> {
  const statusFacts = nextStatusFacts(doc.statusFacts, e);
  const status = { statusFacts, status: statusFromFacts(statusFacts) };
  switch (e.type) {
    case 'ComplaintAcknowledged':
      return { ...status, acknowledgedAt: doc.acknowledgedAt ?? e.data.acknowledgedAt };
    case 'ComplaintAssigned':
      return { ...status, department: e.data.department };
    case 'ComplaintAssessed':
      return { ...status, valid: e.data.valid };
    case 'ComplaintGraded':
      return { ...status, severity: e.data.severity };
    case 'SlaBreached':
      return { ...status, ...(e.data.deadline === 'resolution' ? { breachedResolution: true } : { breachedFirstResponse: true }) };
    case 'ComplaintResolved':
      return { ...status, resolvedAt: e.data.resolvedAt, resolutionWithinSla: e.data.withinSla, everResolvedOrClosed: true };
    case 'SatisfactionRecorded':
      return { ...status, csat: e.data.csat, nps: e.data.nps };
    case 'ComplaintClosed':
      return { ...status, closedAt: e.data.closedAt, closeReason: e.data.reason, everResolvedOrClosed: true };
    case 'ComplaintReopened':
      // Back to work: the earlier resolution no longer stands.
      return {
        ...status,
        resolvedAt: null,
        resolutionWithinSla: null,
        closedAt: null,
        closeReason: null,
        reopenCount: doc.reopenCount + 1,
      };
    default:
      return status;
  }
}

/** The parts of the day buckets one event changes, each read once and written once. */
class DayBuckets {
  private readonly counters = new Map<string, DayCounters>();
  private readonly lists = new Map<string, DayListDoc>();

  constructor(private readonly ctx: ProjectionContext) {}

  /** The counters of the bucket with this id (a day's bucket is empty until its first complaint). */
  async counts(id: string): Promise<DayCounters> {
    let counters = this.counters.get(id);
    if (!counters) {
      const stored = await this.ctx.collection<ComplaintDayDoc>(COMPLAINT_DAYS_COLLECTION).get(id);
      if (stored) {
        const { _id: _ignored, _position: _p, ...rest } = stored as ComplaintDayDoc & { _position?: unknown };
        counters = rest as DayCounters;
      } else counters = emptyCounters(id.slice(0, 10));
      this.counters.set(id, counters);
    }
    return counters;
  }

  async durations(id: string, part: 'acknowledgeMs' | 'resolveMs'): Promise<number[]> {
    return (await this.list(id, part, [])) as number[];
  }

  async links(id: string): Promise<Record<string, ComplaintLink>> {
    return (await this.list(id, 'links', {})) as Record<string, ComplaintLink>;
  }

  /** The bucket a complaint registered on `day` joins: the day's last one, or a new one when that is full. */
  async forNewComplaint(day: string): Promise<string> {
    const shards = this.ctx.collection<DayShardsDoc>(COMPLAINT_DAY_SHARDS_COLLECTION);
    const count = (await shards.get(day))?.shards ?? 1;
    const last = bucketId(day, count - 1);
    if ((await this.counts(last)).complaints < COMPLAINTS_PER_BUCKET) return last;
    await shards.replace(day, { shards: count + 1 });
    return bucketId(day, count);
  }

  async write(): Promise<void> {
    const days = this.ctx.collection<ComplaintDayDoc>(COMPLAINT_DAYS_COLLECTION);
    const lists = this.ctx.collection<ComplaintDayListDoc>(COMPLAINT_DAY_LISTS_COLLECTION);
    const months = new Set<string>();
    for (const [id, counters] of this.counters) {
      await days.replace(id, counters);
      months.add(id.slice(0, 7));
    }
    for (const [id, list] of this.lists) {
      await lists.replace(id, list);
      months.add(id.slice(0, 7));
    }
    // The write stamps the event's position on the month: the version readers compare.
    for (const month of months) await this.ctx.collection(COMPLAINT_MONTHS_COLLECTION).replace(month, { month });
  }

  private async list(bucket: string, part: BucketList, empty: DayBucket[BucketList]): Promise<DayBucket[BucketList]> {
    const id = listDocId(bucket, part);
    let list = this.lists.get(id);
    if (!list) {
      const stored = await this.ctx.collection<ComplaintDayListDoc>(COMPLAINT_DAY_LISTS_COLLECTION).get(id);
      list = { bucket, part, value: stored?.value ?? empty };
      this.lists.set(id, list);
    }
    return list.value;
  }
}

/** Adds or removes a complaint's link (null: its customer has no other complaint, counted in `solo`). */
async function applyLink(
  buckets: DayBuckets,
  bucket: string,
  complaintId: string,
  link: ComplaintLink | null,
  sign: 1 | -1,
): Promise<void> {
  if (link === null) {
    (await buckets.counts(bucket)).solo += sign;
    return;
  }
  const links = await buckets.links(bucket);
  if (sign === 1) links[complaintId] = link;
  else delete links[complaintId];
}

/** Moves a complaint's durations from its old facts to its new ones; lists it does not change are not touched. */
async function applyDurations(buckets: DayBuckets, bucket: string, before: ComplaintFacts | null, after: ComplaintFacts): Promise<void> {
  for (const part of ['acknowledgeMs', 'resolveMs'] as const) {
    const old = before === null ? null : durationMs(before, part);
    const next = durationMs(after, part);
    if (old === next) continue;
    const list = await buckets.durations(bucket, part);
    if (old !== null) listApply(list, old, -1);
    if (next !== null) listApply(list, next, 1);
  }
}

/** A new complaint in its customer's timeline: its link, and the changed links of its neighbours. */
async function register(facts: ComplaintFacts & { bucket: string }, ctx: ProjectionContext, buckets: DayBuckets): Promise<void> {
  const complainants = ctx.collection<ComplainantDoc>(COMPLAINANTS_COLLECTION);
  const before = (await complainants.get(facts.customerId))?.timeline ?? [];
  const timeline = insertIntoTimeline(before, [Date.parse(facts.registeredAt), facts.complaintId]);
  await complainants.replace(facts.customerId, { timeline });
  const index = timeline.findIndex(([, id]) => id === facts.complaintId);
  applyCounts(await buckets.counts(facts.bucket), facts, 1);
  await applyDurations(buckets, facts.bucket, null, facts);
  await applyLink(buckets, facts.bucket, facts.complaintId, linkAt(timeline, index), 1);
  for (const neighbour of [index - 1, index + 1]) {
    if (neighbour < 0 || neighbour >= timeline.length) continue;
    const id = timeline[neighbour][1];
    const oldIndex = before.findIndex(([, other]) => other === id);
    const neighbourFacts = await ctx.collection<ComplaintFactsDoc>(COMPLAINT_FACTS_COLLECTION).get(id);
    if (!neighbourFacts) continue;
    await applyLink(buckets, neighbourFacts.bucket, id, linkAt(before, oldIndex), -1);
    await applyLink(buckets, neighbourFacts.bucket, id, linkAt(timeline, neighbour), 1);
  }
}

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const facts = ctx.collection<ComplaintFactsDoc>(COMPLAINT_FACTS_COLLECTION);
  const buckets = new DayBuckets(ctx);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  if (e.type === 'ComplaintRegistered') {
    const d = e.data;
    if (await facts.get(d.complaintId)) return;
    const doc = {
      complaintId: d.complaintId,
      number: d.number,
      customerId: d.customerId,
      status: 'registered' as const,
      statusFacts: INITIAL_STATUS_FACTS,
      category: d.category,
      product: d.product,
      channel: d.channel,
      department: null,
      severity: null,
      registeredAt: d.receivedAt,
      acknowledgedAt: null,
      valid: null,
      resolvedAt: null,
      resolutionWithinSla: null,
      breachedFirstResponse: false,
      breachedResolution: false,
      everResolvedOrClosed: false,
      reopenCount: 0,
      csat: null,
      nps: null,
      closedAt: null,
      closeReason: null,
      ...sourceFacts(d.sourceAttributes),
      bucket: await buckets.forNewComplaint(dayOf(d.receivedAt)),
    };
    await register(doc, ctx, buckets);
    await facts.replace(d.complaintId, doc);
    await buckets.write();
    return;
  }
  const doc = await facts.get(e.data.complaintId);
  if (!doc) return;
  const change = nextFacts(doc, e);
  const after = { ...doc, ...change };
  const counters = await buckets.counts(doc.bucket);
  applyCounts(counters, doc, -1);
  applyCounts(counters, after, 1);
  await applyDurations(buckets, doc.bucket, doc, after);
  await facts.update(doc._id, { $set: change });
  await buckets.write();
}

export const complaintStatsProjection: ProjectionDefinition = {
  name: COMPLAINT_STATS_PROJECTION,
  // 2: the day buckets and complainants; 3: the month versions readers cache the buckets by;
  // 4: buckets of at most COMPLAINTS_PER_BUCKET complaints; 5: the source's values (company, state, ...) as facts and dimensions;
  // 6: a bucket's durations and links in `day-lists`, apart from its constant-size counters.
  version: 6,
  // Reads no personal field: counts and times; the close reason is a code, not the customer's words.
  needsPlaintext: false,
  eventTypes: HANDLED,
  collections: {
    // A department's statistics (filtered, so read from the facts) scan only its complaints.
    [COMPLAINT_FACTS_COLLECTION]: { indexes: [{ keys: { registeredAt: 1 } }, { keys: { department: 1, registeredAt: 1 } }] },
    [COMPLAINT_DAYS_COLLECTION]: {},
    [COMPLAINT_DAY_LISTS_COLLECTION]: {},
    [COMPLAINANTS_COLLECTION]: {},
    [COMPLAINT_MONTHS_COLLECTION]: {},
    [COMPLAINT_DAY_SHARDS_COLLECTION]: {},
  },
  handle,
};
