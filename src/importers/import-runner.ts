import { statSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { formatPosition } from '../shared/event-store/event-store.port';
import { parseCdnow } from './cdnow.parser';
import { CFPB_COLUMNS, CFPB_WHAT, parseCfpbComplaints } from './cfpb.parser';
import { type ColumnOverride, withColumnOverrides } from './column-overrides';
import { complaintPlan } from './complaint-import-plan';
import { fileSource } from './csv-reader';
import { ImportFormatError } from './import-records';
import { formatImportSummary, type ImportSummary } from './import-report';
import { runPlan, type StopReason } from './import-plan';
import { ImportSession } from './import-session';
import { ONLINE_RETAIL_COLUMNS, ONLINE_RETAIL_WHAT, parseOnlineRetail } from './online-retail.parser';
import { commandsPerSecond, type ImportProgress } from './progress-bar';
import { firstPurchasesIn, purchasePlan } from './purchase-import-plan';

export { IMPORT_NOTE_REASONS } from './complaint-import-plan';
export { customerIdForKey } from './import-session';

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

export async function runImport(app: INestApplicationContext, options: ImportOptions): Promise<ImportResult> {
  const config = app.get<RelataConfig>(RELATA_CONFIG);
  const { kind, file } = options;
  const session = new ImportSession(app, kind, statSync(file).size, options.onProgress);
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
      session.progress.bytesRead = bytesRead;
      session.emit();
    },
  };
  const limits = { concurrency: options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY, limit: options.limit, signal: options.signal };
  // Every stream opened on the file is closed at the end, also when a parser refuses the file
  // before reading it (an unknown --map field), so no file handle outlives the run.
  const opened: ReturnType<typeof fileSource>[] = [];
  const open = (): ReturnType<typeof fileSource> => {
    const stream = fileSource(file);
    opened.push(stream);
    return stream;
  };
  const source = open();
  const stopped = await (async (): Promise<StopReason> => {
    switch (kind) {
      case 'cdnow-master':
      case 'cdnow-sample': {
        const firstPurchases = await firstPurchasesIn(parseCdnow(open()));
        return runPlan(session, purchasePlan(session, 'cdnow', parseCdnow(source, readOptions), firstPurchases, kind), limits);
      }
      case 'online-retail': {
        const firstPurchases = await firstPurchasesIn(parseOnlineRetail(open(), { columns }));
        return runPlan(session, purchasePlan(session, 'online-retail', parseOnlineRetail(source, readOptions), firstPurchases), limits);
      }
      case 'cfpb':
        return runPlan(session, complaintPlan(session, config.autoAckChannels, parseCfpbComplaints(source, readOptions)), limits);
    }
  })().finally(() => {
    for (const stream of opened) {
      // A stream still opening reports its own errors to nobody: the run's outcome is already decided.
      stream.on('error', () => undefined);
      stream.destroy();
    }
  });

  const { progress } = session;
  const elapsedMs = session.elapsedMs();
  progress.elapsedMs = elapsedMs;
  return {
    summary: session.report.summary(),
    customers: session.customers,
    commands: progress.commands,
    elapsedMs,
    commandsPerSecond: commandsPerSecond(progress.commands, elapsedMs),
    lastPosition: session.lastPosition === null ? null : formatPosition(session.lastPosition),
    stopped,
    progress: { ...progress },
  };
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
