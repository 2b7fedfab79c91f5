import { statSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RegisterComplaintCommand } from '../complaints/complaint-command.handlers';
import { ComplaintStreams } from '../complaints/complaint.streams';
import type { ComplaintChannel, ComplaintSourceAttributes } from '../complaints/complaint.events';
import { RegisterComplaintDto } from '../complaints/dto/complaint-commands.dto';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { RegisterCustomerCommand } from '../customers/customer-command.handlers';
import { CustomerStreams } from '../customers/customer.streams';
import { RecordPurchaseDto, RefundPurchaseDto, RegisterCustomerDto } from '../customers/dto/customer-commands.dto';
import type { CommandContext } from '../shared/decider/command-context';
import { RelataError, ValidationFailedError } from '../shared/errors/domain-errors';
import { formatPosition, isAfter, parsePosition, type Position, WrongExpectedRevisionError } from '../shared/event-store/event-store.port';
import { commandResult } from '../shared/http/command-response';
import { relataValidationPipe } from '../shared/http/validation';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { parseCdnow } from './cdnow.parser';
import { CFPB_COLUMNS, CFPB_WHAT, parseCfpbComplaints } from './cfpb.parser';
import { type ColumnOverride, withColumnOverrides } from './column-overrides';
import { fileSource } from './csv-reader';
import { importedPurchaseId, importedRefundId, importIdempotencyKey } from './deterministic-ids';
import {
  excerpt,
  type ImportedComplaint,
  type ImportedPurchase,
  type ImportedRefund,
  ImportFormatError,
  type ImportItem,
  type ImportSourceKind,
  isImportedRefund,
} from './import-records';
import { formatImportSummary, ImportReport, type ImportSummary } from './import-report';
import { KeyedWorkQueue } from './keyed-work-queue';
import { ONLINE_RETAIL_COLUMNS, ONLINE_RETAIL_WHAT, parseOnlineRetail } from './online-retail.parser';
import { commandsPerSecond, type ImportProgress } from './progress-bar';

/**
 * Imports a data file through the application's command bus: the same thin handlers, deciders
 * and request validation (the API's DTO classes and pipe) as HTTP requests, so imported data obeys
 * exactly the API's rules. Used by `npm run import` and by the tests, on any Nest application
 * (context) built from AppModule.
 *
 * Commands carry an Idempotency-Key derived from the record's source key (deterministic-ids.ts),
 * so a second run of the same file appends nothing: the handlers answer with the first run's
 * outcome ("replayed"), and the report counts the record as already imported. An interrupted
 * import is finished by running it again.
 *
 * Customers:
 * - CDNOW and Online Retail customers are registered once per run before their first purchase
 *   (kind customer, acquisition channel import, no contact details but a name such as
 *   "CDNOW customer 4"), a customer since their first purchase (business time: customerSince) and
 *   with their source id (system cdnow or online-retail, the id without zero padding). Their id is the one RegisterCustomerHandler derives from the
 *   Idempotency-Key, deterministicUuid("customer:" + key) with key "import:cdnow:customer:4"; that
 *   is what an API client sending the same key would get. Both CDNOW layouts use the master file's
 *   customer id, so importing the sample after the master adds nothing.
 * - A CFPB complaint names no consumer: each complaint gets its own anonymous customer,
 *   "CFPB consumer <Complaint ID>" (two complaints cannot be told to come from one person). The
 *   consumer's state and ZIP code are kept on the complaint (sourceAttributes), not on them.
 *
 * Purchases: one RecordPurchase per record, purchase id importedPurchaseId(kind, source key),
 * its lines (stock code or "CD", quantity, amount), margin 0 (the sources have none), the
 * source's currency (USD, GBP) and time. The importer runs on the system clock, so the
 * historical purchases are in the past and the decider accepts them.
 *
 * Refunds (Online Retail cancellations, after all purchases): one RefundPurchase per record, refund
 * id importedRefundId(kind, source key), against importedPurchaseId of the purchase it nets, or not
 * tied to a purchase when none in the file covers it (online-retail-cancellations.ts). A customer
 * with only cancellations in the file is registered (since their first cancellation).
 *
 * Complaints: RegisterComplaint with channel (from the parser's mapping), category = Product,
 * subCategory = Issue, product = Sub-product, description = the narrative, or "Issue / Sub-issue"
 * when none was published (a narrative longer than the API's 10,000 characters is cut, with a
 * note), occurredAt = receivedAt = Date received (business time), acknowledgedAt = Date sent to
 * company (the CFPB forwarded the complaint: the company had it), source = cfpb / Complaint ID
 * (or the id derived from the row, cfpb.parser.ts), and sourceAttributes = every other column as
 * given (company, state, ZIP, issue, sub-issue, tags, consent, submitted via, company response,
 * public response, timely, disputed). A company response "Closed ..." registers the complaint
 * closed ('closed-at-source') in the same command, dated by the date sent to company (the export
 * dates no response; with no date sent either, acknowledged and closed on the date received).
 * Nothing else is imported: the steps to a resolution of Relata's own (assessment, grading under
 * an SLA policy, a root cause, a solution) are facts the export does not hold; inventing them
 * would make the SLA and root-cause read models lie.
 *
 * Records of one customer (purchases) or one complaint are handled one after another; different
 * ones run `concurrency` at a time. Refusals (a RelataError, or a concurrency conflict with another
 * writer) are counted per record with their code as `refused:<CODE>`; anything else (the store is
 * unreachable, a bug) stops the import with that error, after the commands in flight finished.
 */

export const IMPORT_KINDS = ['cdnow-master', 'cdnow-sample', 'online-retail', 'cfpb'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const isImportKind = (value: string): value is ImportKind => (IMPORT_KINDS as readonly string[]).includes(value);

export const DEFAULT_IMPORT_CONCURRENCY = 16;

/** The API's limit on a complaint description (RegisterComplaintDto). */
const DESCRIPTION_MAX = 10_000;

export const IMPORT_NOTE_REASONS = {
  /** A CFPB narrative longer than the API accepts, cut to fit. */
  descriptionTruncated: 'description-truncated',
} as const;

/** CFPB company responses that end the case ("Closed with explanation", "Closed with monetary relief", ...); "In progress" and "Untimely response" leave it open. */
const CLOSED_RESPONSE = /^closed\b/i;

export interface ImportOptions {
  kind: ImportKind;
  file: string;
  /** Records (customers or complaints) in flight at once. Default 16. */
  concurrency?: number;
  /** Stop after this many records (a deterministic prefix of the file). */
  limit?: number;
  /** Stops the import: records whose commands are under way finish, the others are left for a rerun. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * The user's column mappings (`--map "Date received=receivedAt"`): file column -> the importer's
   * field name. For the CSV kinds (cfpb, online-retail); CDNOW files are positional, without names.
   */
  columns?: readonly ColumnOverride[];
}

export interface ImportResult {
  summary: ImportSummary;
  /** Customers registered by this run, and registrations a previous run had already made. */
  customers: { registered: number; alreadyRegistered: number };
  /** Commands sent through the command bus (replays included). */
  commands: number;
  elapsedMs: number;
  commandsPerSecond: number;
  /** Highest global position the run's commands reached (written or replayed), for ?minPosition=; null when none. */
  lastPosition: string | null;
  /** Why the run ended before the end of the file, if it did. */
  stopped: 'limit' | 'aborted' | null;
  progress: ImportProgress;
}

/** The API's answer to a command, as far as the importer needs it. */
interface CommandAnswer {
  id: string;
  position: string | null;
  replayed: boolean;
}

/** A command that was refused: the record is skipped with this code. */
class RecordRefused extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** The id RegisterCustomerHandler gives a customer registered with this Idempotency-Key. */
export const customerIdForKey = (idempotencyKey: string): string => deterministicUuid(`customer:${idempotencyKey}`);

function refusalFrom(error: unknown): RecordRefused | null {
  if (error instanceof RecordRefused) return error;
  if (error instanceof ValidationFailedError) {
    return new RecordRefused(error.code, error.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`).join(', '));
  }
  if (error instanceof RelataError) return new RecordRefused(error.code, error.message);
  // Another writer changed the stream twice while the processor retried: the record is left for a rerun.
  if (error instanceof WrongExpectedRevisionError) return new RecordRefused(error.code, error.message);
  return null;
}

/** What the runner does with one kind of record. */
interface Plan<T> {
  source: ImportSourceKind;
  items: AsyncGenerator<ImportItem<T>>;
  /** Records with the same lane run one after another. */
  lane(record: T): string;
  /** Rejects the file before any command when its first record shows it is not what the kind says. */
  check?(record: T): void;
  importRecord(record: T, lines: number[]): Promise<void>;
}

export async function runImport(app: INestApplicationContext, options: ImportOptions): Promise<ImportResult> {
  const bus = app.get(CommandBus);
  const customerStreams = app.get(CustomerStreams).customer;
  const complaintStreams = app.get(ComplaintStreams).complaint;
  const config = app.get<RelataConfig>(RELATA_CONFIG);
  const correlationId = app.get<IdGenerator>(ID_GENERATOR).next();
  const pipe = relataValidationPipe();
  const { kind, file } = options;
  const totalBytes = statSync(file).size;
  const started = performance.now();

  const report = new ImportReport(kind);
  const progress: ImportProgress = {
    bytesRead: 0,
    totalBytes,
    records: 0,
    imported: 0,
    alreadyImported: 0,
    skipped: 0,
    duplicates: 0,
    commands: 0,
    elapsedMs: 0,
  };
  const customers = { registered: 0, alreadyRegistered: 0 };
  const last: { position: Position | null } = { position: null };

  const emit = (): void => {
    if (!options.onProgress) return;
    progress.elapsedMs = performance.now() - started;
    options.onProgress({ ...progress });
  };

  const context = (idempotencyKey: string): CommandContext => ({
    actor: `importer:${kind}`,
    correlationId,
    // As the API does for a request with an Idempotency-Key: a rerun keeps the causation ids.
    commandId: deterministicUuid(`command:${idempotencyKey}`),
    idempotencyKey,
  });

  /** Sends a command (over the bus, or a call to a bound decider) and notes its position; refusals become RecordRefused. */
  async function send(command: Parameters<CommandBus['execute']>[0] | (() => Promise<CommandAnswer>)): Promise<CommandAnswer> {
    progress.commands += 1;
    let answer: CommandAnswer;
    try {
      answer = typeof command === 'function' ? await command() : ((await bus.execute(command)) as CommandAnswer);
    } catch (error) {
      throw refusalFrom(error) ?? error;
    }
    if (answer.position !== null) {
      const position = parsePosition(answer.position);
      if (last.position === null || isAfter(position, last.position)) last.position = position;
    }
    return answer;
  }

  /** The API's request validation (the controllers' DTO classes and pipe). */
  async function validated<T>(metatype: new () => T, body: object): Promise<T> {
    try {
      return (await pipe.transform(body, { type: 'body', metatype })) as T;
    } catch (error) {
      throw refusalFrom(error) ?? error;
    }
  }

  /** customerSince: when they became a customer in the source (business time); sourceId: their id there, when they have one. */
  async function registerCustomer(
    source: ImportSourceKind,
    customerKey: string,
    name: string,
    customerSince: string,
    sourceId: string | null,
  ): Promise<string> {
    const key = importIdempotencyKey(source, 'customer', customerKey);
    const dto = await validated(RegisterCustomerDto, {
      kind: 'customer',
      name,
      acquisitionChannel: 'import',
      customerSince,
      ...(sourceId !== null ? { source: { system: source, id: sourceId } } : {}),
    });
    const answer = await send(new RegisterCustomerCommand(dto, context(key)));
    if (answer.id !== customerIdForKey(key)) {
      // The handler no longer derives ids from the key: reruns would duplicate customers.
      throw new Error(
        `RegisterCustomerHandler gave customer ${customerKey} the id ${answer.id}, not the id derived from its Idempotency-Key`,
      );
    }
    if (answer.replayed) customers.alreadyRegistered += 1;
    else customers.registered += 1;
    return answer.id;
  }

  function purchasePlan(
    source: 'cdnow' | 'online-retail',
    items: AsyncGenerator<ImportItem<ImportedPurchase | ImportedRefund>>,
    firstPurchases: ReadonlyMap<string, string>,
  ): Plan<ImportedPurchase | ImportedRefund> {
    // Customers registered by this run (or found registered): one registration per customer and run.
    const known = new Set<string>();
    const customerName = source === 'cdnow' ? 'CDNOW customer' : 'Online Retail customer';
    return {
      source,
      items,
      lane: (record) => record.customerKey,
      check:
        source === 'cdnow'
          ? (record) => {
              if (isImportedRefund(record)) return;
              const sampleLayout = record.sampleCustomerKey !== null;
              if (sampleLayout !== (kind === 'cdnow-sample')) {
                const [layout, use] = sampleLayout
                  ? ['sample layout (5 columns)', 'cdnow-sample']
                  : ['master layout (4 columns)', 'cdnow-master'];
                throw new ImportFormatError(`the file has the CDNOW ${layout}: import it as ${use}`);
              }
            }
          : undefined,
      async importRecord(record, lines) {
        if (isImportedRefund(record)) return importRefund(record, lines);
        const purchaseId = importedPurchaseId(source, record.sourceKey);
        const dto = await validated(RecordPurchaseDto, {
          purchaseId,
          lines: record.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
          margin: 0,
          currency: record.currency,
          occurredAt: record.occurredAt,
        });
        const customerId = await ensureCustomer(record.customerKey, record.occurredAt);
        const data = {
          purchaseId,
          lines: dto.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
          margin: dto.margin,
          currency: dto.currency,
          occurredAt: dto.occurredAt ?? record.occurredAt,
        };
        const key = importIdempotencyKey(source, 'purchase', record.sourceKey);
        const answer = await send(async () =>
          commandResult(customerId, await customerStreams.handle(customerId, { type: 'RecordPurchase', data }, context(key)), {
            purchaseId,
          }),
        );
        counted(answer, lines, `purchase ${record.sourceKey}`);
      },
    };

    async function ensureCustomer(customerKey: string, occurredAt: string): Promise<string> {
      if (!known.has(customerKey)) {
        await registerCustomer(
          source,
          customerKey,
          `${customerName} ${customerKey}`,
          firstPurchases.get(customerKey) ?? occurredAt,
          customerKey,
        );
        known.add(customerKey);
      }
      return customerIdForKey(importIdempotencyKey(source, 'customer', customerKey));
    }

    async function importRefund(record: ImportedRefund, lines: number[]): Promise<void> {
      const dto = await validated(RefundPurchaseDto, {
        lines: record.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
        currency: record.currency,
        occurredAt: record.occurredAt,
      });
      const customerId = await ensureCustomer(record.customerKey, record.occurredAt);
      const refundId = importedRefundId(source, record.sourceKey);
      const data = {
        refundId,
        purchaseId: record.purchaseSourceKey === null ? null : importedPurchaseId(source, record.purchaseSourceKey),
        lines: (dto.lines ?? []).map(({ product, quantity, amount }) => ({ product, quantity, amount })),
        amount: null,
        currency: dto.currency ?? record.currency,
        occurredAt: dto.occurredAt ?? record.occurredAt,
      };
      const key = importIdempotencyKey(source, 'refund', record.sourceKey);
      const answer = await send(async () =>
        commandResult(customerId, await customerStreams.handle(customerId, { type: 'RefundPurchase', data }, context(key)), { refundId }),
      );
      counted(answer, lines, `refund ${record.sourceKey}`);
    }
  }

  function counted(answer: CommandAnswer, lines: number[], label: string): void {
    if (answer.replayed) {
      report.alreadyImported(lines, label);
      progress.alreadyImported += 1;
    } else {
      report.imported();
      progress.imported += 1;
    }
  }

  function complaintPlan(items: AsyncGenerator<ImportItem<ImportedComplaint>>): Plan<ImportedComplaint> {
    const autoAcknowledged = new Set<ComplaintChannel>(config.autoAckChannels);
    return {
      source: 'cfpb',
      items,
      lane: (record) => record.sourceKey,
      async importRecord(record, lines) {
        const complaintKey = importIdempotencyKey('cfpb', 'complaint', record.sourceKey);
        const customerId = customerIdForKey(importIdempotencyKey('cfpb', 'customer', record.sourceKey));
        let description = record.narrative ?? [record.issue, record.subIssue].filter((part) => part !== null).join(' / ');
        if (description.length > DESCRIPTION_MAX) {
          report.add({
            type: 'note',
            reason: IMPORT_NOTE_REASONS.descriptionTruncated,
            lines,
            detail: `complaint ${record.sourceKey}: narrative of ${description.length.toLocaleString('en-US')} characters cut to ${DESCRIPTION_MAX.toLocaleString('en-US')}`,
          });
          description = `${description.slice(0, DESCRIPTION_MAX - 1)}…`;
        }
        // The CFPB sends a complaint to the company on "Date sent to company": the company's acknowledgement.
        // A response "Closed ..." closes it; the export dates no response, so the closure takes the
        // last date it gives (the company had the complaint then; a later date would be invented).
        const closed = record.companyResponse !== null && CLOSED_RESPONSE.test(record.companyResponse);
        const acknowledgedAt = record.sentToCompanyAt ?? (closed ? record.receivedAt : null);
        const closedAt = closed ? acknowledgedAt : null;
        const sourceAttributes: ComplaintSourceAttributes = {
          company: record.company,
          state: record.state,
          zip: record.zip,
          issue: record.issue,
          subIssue: record.subIssue,
          tags: record.tags.length > 0 ? record.tags.join(', ') : null,
          consent: record.consumerConsent,
          sourceChannel: record.sourceChannel,
          companyResponse: record.companyResponse,
          companyPublicResponse: record.companyPublicResponse,
          timely: record.timely,
          disputed: record.disputed,
        };
        // Validated before anything is sent, so a complaint the API would refuse leaves no customer behind.
        const dto = await validated(RegisterComplaintDto, {
          customerId,
          channel: record.channel,
          category: record.product,
          subCategory: record.issue,
          ...(record.subProduct !== null ? { product: record.subProduct } : {}),
          description,
          occurredAt: record.receivedAt,
          receivedAt: record.receivedAt,
          ...(acknowledgedAt !== null ? { acknowledgedAt } : {}),
          source: { system: 'cfpb', id: record.sourceKey },
        });
        // The anonymous consumer is known from the complaint on; the Complaint ID is the complaint's source id, not theirs.
        await registerCustomer('cfpb', record.sourceKey, `CFPB consumer ${record.sourceKey}`, record.receivedAt, null);
        const data = {
          customerId: dto.customerId,
          channel: dto.channel,
          category: dto.category,
          subCategory: dto.subCategory ?? null,
          product: dto.product ?? null,
          description: dto.description,
          remedySought: null,
          occurredAt: dto.occurredAt ?? record.receivedAt,
          followUpOf: null,
          receivedAt: record.receivedAt,
          ...(acknowledgedAt !== null ? { acknowledgedAt } : {}),
          source: { system: 'cfpb', id: record.sourceKey },
          sourceAttributes,
          ...(closedAt !== null ? { closedAt } : {}),
        };
        const registered = await send(new RegisterComplaintCommand(data, context(complaintKey)));
        // Without a date sent to company (none in the sample): acknowledged when imported, as before.
        if (acknowledgedAt === null && !autoAcknowledged.has(record.channel)) {
          try {
            await send(async () =>
              commandResult(
                registered.id,
                await complaintStreams.handle(registered.id, { type: 'AcknowledgeComplaint' }, context(`${complaintKey}:acknowledge`)),
              ),
            );
          } catch (error) {
            // Acknowledged on receipt by an earlier run configured to do so: nothing left to do.
            if (!(error instanceof RecordRefused && error.code === 'COMPLAINT_ALREADY_ACKNOWLEDGED')) throw error;
          }
        }
        if (registered.replayed) {
          report.alreadyImported(lines, `complaint ${record.sourceKey}`);
          progress.alreadyImported += 1;
        } else {
          report.imported();
          progress.imported += 1;
        }
      },
    };
  }

  const columns = options.columns ?? [];
  if (columns.length > 0 && (kind === 'cdnow-master' || kind === 'cdnow-sample')) {
    throw new ImportFormatError(
      '--map does not apply to CDNOW files: their columns have no names, only positions (see docs/analysing-historical-data.md)',
    );
  }
  // A mapping to a field the importer lacks is refused before the file is opened.
  if (kind === 'cfpb') withColumnOverrides(CFPB_COLUMNS, columns, CFPB_WHAT);
  if (kind === 'online-retail') withColumnOverrides(ONLINE_RETAIL_COLUMNS, columns, ONLINE_RETAIL_WHAT);
  const readOptions = {
    columns,
    onProgress: (bytesRead: number) => {
      progress.bytesRead = bytesRead;
      emit();
    },
  };
  // Every stream opened on the file is closed at the end, also when a parser refuses the file
  // before reading it (an unknown --map field), so no file handle outlives the run.
  const opened: ReturnType<typeof fileSource>[] = [];
  const open = (): ReturnType<typeof fileSource> => {
    const stream = fileSource(file);
    opened.push(stream);
    return stream;
  };
  const source = open();
  const stopped = await (async (): Promise<ImportResult['stopped']> => {
    switch (kind) {
      case 'cdnow-master':
      case 'cdnow-sample':
        return run(purchasePlan('cdnow', parseCdnow(source, readOptions), await firstPurchasesIn(parseCdnow(open()))));
      case 'online-retail':
        return run(
          purchasePlan(
            'online-retail',
            parseOnlineRetail(source, readOptions),
            await firstPurchasesIn(parseOnlineRetail(open(), { columns })),
          ),
        );
      case 'cfpb':
        return run(complaintPlan(parseCfpbComplaints(source, readOptions)));
    }
  })().finally(() => {
    for (const stream of opened) {
      // A stream still opening reports its own errors to nobody: the run's outcome is already decided.
      stream.on('error', () => undefined);
      stream.destroy();
    }
  });

  async function run<T>(plan: Plan<T>): Promise<ImportResult['stopped']> {
    const queue = new KeyedWorkQueue(options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY);
    let checked = false;
    let reason: ImportResult['stopped'] = null;
    try {
      for await (const item of plan.items) {
        if (options.signal?.aborted) {
          reason = 'aborted';
          break;
        }
        if (item.type !== 'record') {
          report.add(item);
          if (item.type === 'skipped') progress.skipped += 1;
          if (item.type === 'duplicate') progress.duplicates += 1;
          emit();
          continue;
        }
        if (options.limit !== undefined && progress.records >= options.limit) {
          reason = 'limit';
          break;
        }
        if (!checked) {
          plan.check?.(item.record);
          checked = true;
        }
        progress.records += 1;
        const { record, lines } = item;
        await queue.push(plan.lane(record), async () => {
          // Interrupted: records queued but not started are left for the rerun.
          if (options.signal?.aborted) {
            reason = 'aborted';
            return;
          }
          report.add(item);
          try {
            await plan.importRecord(record, lines);
          } catch (error) {
            const refusal = refusalFrom(error);
            if (!refusal) throw error;
            report.refused(`refused:${refusal.code}`, lines, excerpt(`${recordLabel(plan.source, record)}: ${refusal.detail}`, 200));
            progress.skipped += 1;
          }
          emit();
        });
      }
    } finally {
      // Whatever ended the loop, the commands in flight finish before the run returns or throws.
      await queue.drain();
    }
    return reason;
  }

  const elapsedMs = performance.now() - started;
  progress.elapsedMs = elapsedMs;
  return {
    summary: report.summary(),
    customers,
    commands: progress.commands,
    elapsedMs,
    commandsPerSecond: commandsPerSecond(progress.commands, elapsedMs),
    lastPosition: last.position === null ? null : formatPosition(last.position),
    stopped,
    progress: { ...progress },
  };
}

/**
 * Each customer's first purchase (or cancellation: it reverses an older sale) in the file: when they
 * became a customer (business time). A pass of its own, since rows need not be in time order (the
 * Online Retail sample's are random).
 */
async function firstPurchasesIn(items: AsyncGenerator<ImportItem<ImportedPurchase | ImportedRefund>>): Promise<Map<string, string>> {
  const first = new Map<string, string>();
  for await (const item of items) {
    if (item.type !== 'record') continue;
    const known = first.get(item.record.customerKey);
    if (known === undefined || item.record.occurredAt < known) first.set(item.record.customerKey, item.record.occurredAt);
  }
  return first;
}

function recordLabel(source: ImportSourceKind, record: unknown): string {
  const key = (record as { sourceKey: string }).sourceKey;
  if (source === 'cfpb') return `complaint ${key}`;
  return isImportedRefund(record as ImportedPurchase | ImportedRefund) ? `refund ${key}` : `purchase ${key}`;
}

/** The summary printed at the end of `npm run import`. */
export function formatImportResult(result: ImportResult): string {
  const n = (value: number): string => Math.round(value).toLocaleString('en-US');
  const lines = [formatImportSummary(result.summary)];
  const { registered, alreadyRegistered } = result.customers;
  lines.push(`Customers: ${n(registered)} registered, ${n(alreadyRegistered)} already registered`);
  if (result.stopped === 'limit')
    lines.push(`Stopped after ${n(result.summary.recordsParsed)} records (--limit); the rest of the file was not read.`);
  if (result.stopped === 'aborted')
    lines.push('Interrupted: run the same import again to finish it (what is imported already is recognised).');
  lines.push(
    `${n(result.commands)} commands in ${(result.elapsedMs / 1000).toFixed(1)} s: ${n(result.commandsPerSecond)} commands/s` +
      (result.lastPosition !== null ? ` (last position ${result.lastPosition})` : ''),
  );
  return lines.join('\n');
}
