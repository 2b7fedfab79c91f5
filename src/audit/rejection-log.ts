import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import type { FastifyRequest } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import type { ProblemDocument, ProblemSink } from '../shared/errors/problem-details.filter';
import { actorOf } from '../shared/http/command-context.decorator';
import { withUndeclaredNamesHidden } from '../shared/http/declared-fields';
import { type Document, type Filter, type Page, READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';

/** Its own collection, written directly: rejections are not facts of the domain, so not events. */
export const REJECTIONS_COLLECTION = 'audit_rejections';

/** Refusals of commands: malformed, forbidden, conflicting, or against a business rule. */
const RECORDED_STATUSES: ReadonlySet<number> = new Set([400, 403, 409, 422]);
/** Queries change nothing, so their refusals are not attempts to change anything. */
const QUERY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_DETAIL_LENGTH = 500;
/** Field names kept per rejection, and characters per name: a body of thousands of unknown fields stores a bounded record. */
const MAX_FIELDS = 50;
const MAX_FIELD_LENGTH = 100;
/** Pruning runs on start and after every this many records. */
const PRUNE_EVERY = 100;
const DAY_MS = 86_400_000;

export interface RejectionLogLimits {
  /** Records kept at most (the oldest go first). */
  maxEntries: number;
  /** Records older than this are removed. */
  maxAgeDays: number;
}

export const DEFAULT_REJECTION_LOG_LIMITS: RejectionLogLimits = { maxEntries: 100_000, maxAgeDays: 90 };

/**
 * Who tried what and why it was refused. Never the request body nor any submitted value (they may
 * be personal data): the names of the offending fields only, and of those only the names a DTO
 * declares (a client-chosen name is kept as `*`).
 */
export interface RejectionRecord {
  id: string;
  /** ISO 8601, from the injected clock. */
  at: string;
  actor: string;
  method: string;
  /** The request path, without the query string. */
  route: string;
  status: number;
  code: string;
  /** The problem's human-readable detail. */
  detail: string;
  /** Names (dotted paths) of the fields a validation failure listed, undeclared names as `*`: at most 50, each cut at 100 characters. */
  fields: string[];
  /** How many distinct fields were listed in all (more than `fields` holds when it was cut). */
  fieldCount?: number;
  correlationId: string | null;
}

interface RejectionDoc extends Document, Omit<RejectionRecord, 'id'> {}

export interface RejectionQuery {
  /** Inclusive bounds on `at` (ISO 8601). */
  from?: string;
  to?: string;
  code?: string;
  actor?: string;
  status?: number;
  limit: number;
  cursor?: string;
}

/** The ProblemSink of the ProblemDetailsFilter: records refused commands; GET /audit/rejections lists them. */
@Injectable()
export class RejectionLog implements ProblemSink, OnModuleInit {
  /** Breaks ties between rejections recorded in the same millisecond by this process, in order. */
  private sequence = 0;
  private readonly instance = randomBytes(4).toString('hex');
  private readonly limits: RejectionLogLimits;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(RELATA_CONFIG) config?: Pick<RelataConfig, 'rejectionLogMaxEntries' | 'rejectionLogMaxAgeDays'>,
  ) {
    this.limits = config
      ? { maxEntries: config.rejectionLogMaxEntries, maxAgeDays: config.rejectionLogMaxAgeDays }
      : DEFAULT_REJECTION_LOG_LIMITS;
  }

  private get rejections() {
    return this.readStore.collection<RejectionDoc>(REJECTIONS_COLLECTION);
  }

  async onModuleInit(): Promise<void> {
    await this.readStore.ensureIndexes(REJECTIONS_COLLECTION, [
      { keys: { at: -1 } },
      { keys: { correlationId: 1 } },
      { keys: { actor: 1, at: -1 } },
      { keys: { code: 1, at: -1 } },
    ]);
    await this.prune();
  }

  /** Removes records older than maxAgeDays, then the oldest beyond maxEntries. Returns how many went. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.limits.maxAgeDays * DAY_MS).toISOString();
    let removed = await this.rejections.deleteMany({ at: { $lt: cutoff } });
    let excess = (await this.rejections.count()) - this.limits.maxEntries;
    while (excess > 0) {
      const oldest = await this.rejections.find({}, { sort: { at: 1, _id: 1 }, limit: Math.min(excess, 1000) });
      if (oldest.items.length === 0) break;
      const gone = await this.rejections.deleteMany({ _id: { $in: oldest.items.map((doc) => doc._id) } });
      removed += gone;
      excess -= oldest.items.length;
    }
    return removed;
  }

  async record(problem: ProblemDocument, request: FastifyRequest): Promise<void> {
    if (!RECORDED_STATUSES.has(problem.status) || QUERY_METHODS.has(request.method)) return;
    const at = this.clock.now().toISOString();
    this.sequence += 1;
    // Sorts by time, then by arrival in this process; the instance part keeps two processes apart.
    const id = `${at}.${this.sequence.toString().padStart(12, '0')}.${this.instance}`;
    const allFields = [...new Set((problem.errors ?? []).map((error) => error.field))];
    // Names a client chose (unknown fields) may be anything, personal data included: only the
    // names the DTOs declare are kept, the others read `*`.
    const fields = [...new Set(allFields.map((field) => withUndeclaredNamesHidden(field.slice(0, MAX_FIELD_LENGTH))))].slice(0, MAX_FIELDS);
    const correlationId = request.headers['x-correlation-id'];
    const doc: RejectionDoc = {
      _id: id,
      at,
      actor: actorOf(request),
      method: request.method,
      route: (request.url ?? '').split('?')[0],
      status: problem.status,
      code: problem.code,
      detail: problem.detail.slice(0, MAX_DETAIL_LENGTH),
      fields,
      fieldCount: allFields.length,
      correlationId: typeof correlationId === 'string' ? correlationId : null,
    };
    await this.rejections.replace(id, doc);
    if (this.sequence % PRUNE_EVERY === 0) await this.prune();
  }

  /** Newest first. */
  async list(query: RejectionQuery): Promise<Page<RejectionRecord>> {
    const filter: Filter = {};
    const at: Record<string, string> = {};
    if (query.from !== undefined) at.$gte = query.from;
    if (query.to !== undefined) at.$lte = query.to;
    if (Object.keys(at).length > 0) filter.at = at;
    if (query.code !== undefined) filter.code = query.code;
    if (query.actor !== undefined) filter.actor = query.actor;
    if (query.status !== undefined) filter.status = query.status;
    const page = await this.readStore
      .collection<RejectionDoc>(REJECTIONS_COLLECTION)
      .find(filter, { sort: { at: -1, _id: -1 }, limit: query.limit, cursor: query.cursor });
    return { items: page.items.map(toRecord), nextCursor: page.nextCursor };
  }

  /** The rejections of one request (at most `limit`), oldest first. */
  async ofCorrelation(correlationId: string, limit = 100): Promise<RejectionRecord[]> {
    const page = await this.readStore
      .collection<RejectionDoc>(REJECTIONS_COLLECTION)
      .find({ correlationId }, { sort: { at: 1, _id: 1 }, limit });
    return page.items.map(toRecord);
  }
}

function toRecord(doc: RejectionDoc): RejectionRecord {
  return {
    id: doc._id,
    at: doc.at,
    actor: doc.actor,
    method: doc.method,
    route: doc.route,
    status: doc.status,
    code: doc.code,
    detail: doc.detail,
    fields: doc.fields,
    fieldCount: doc.fieldCount ?? doc.fields.length,
    correlationId: doc.correlationId,
  };
}
