import type { ComplaintChannel } from '../complaints/complaint.events';
import { createHash } from 'node:crypto';
import {
  type ColumnSpec,
  ImportHeader,
  mapColumns,
  normaliseColumnName,
  readCsvWithHeaderBatches,
  type ReadProgressOptions,
  type TextSource,
} from './csv-reader';
import { type ColumnOverride, withColumnOverrides } from './column-overrides';
import { parseFlexibleDate } from './import-dates';
import { DUPLICATE_REASONS, excerpt, type ImportedComplaint, type ImportItem, NOTE_REASONS, SKIP_REASONS } from './import-records';

/**
 * The CFPB Consumer Complaint Database export (CSV, RFC 4180, narratives with line breaks).
 *
 * Decisions:
 * - Columns are found by name, compared without case, spaces or punctuation, so "Sub-product",
 *   "sub_product" and "Subproduct" are one column; names the exports and the API have used
 *   instead ("complaint_what_happened", "company_response", "timely", ...) are aliases.
 *   Required: Date received, Product, Issue, Submitted via; a missing one stops the import with
 *   one line naming it and its accepted names. Other columns may be absent (their values are
 *   null), so older and derived layouts with fewer columns import. `columns` (the CLI's --map)
 *   puts the user's column names first for the fields they name.
 * - Without a Complaint ID column (older or derived extracts) each complaint gets an id derived
 *   from its content (derivedComplaintId): the same file imports to the same ids, so a re-import
 *   appends nothing.
 * - The header is the first line naming at least 4 known columns; lines before it (the sample
 *   starts with two lines of `unzip` output) are skipped and reported with their line numbers.
 * - Dates: YYYY-MM-DD, M/D/YYYY or YYYY/M/D, kept as UTC midnight (the export has no times).
 * - Channels: Web -> web, Phone -> phone, Email -> email, Postal mail and Fax -> letter.
 *   Referral (another agency forwards the complaint, as a case file) -> letter: it is neither
 *   typed in by the consumer (web/email would also acknowledge it automatically) nor a call;
 *   "Web Referral" (newer exports) -> web. The export's own value is kept as sourceChannel.
 *   Unknown channels are skipped with their value.
 * - A second row with a Complaint ID already imported from the file is a duplicate (the first
 *   wins). Rows with a field count other than the header's are skipped (extra empty trailing
 *   fields are tolerated), so are rows lacking a required value or with an unreadable date
 *   received. An unreadable secondary value (Timely response?, Consumer disputed?, Date sent
 *   to company) becomes null with a note rather than losing the complaint.
 */

const COLUMNS = {
  complaintId: { names: ['Complaint ID', 'complaint_id'] },
  receivedAt: { names: ['Date received', 'date_received'], required: true },
  product: { names: ['Product'], required: true },
  subProduct: { names: ['Sub-product', 'sub_product'] },
  issue: { names: ['Issue'], required: true },
  subIssue: { names: ['Sub-issue', 'sub_issue'] },
  narrative: { names: ['Consumer complaint narrative', 'complaint_what_happened', 'Consumer complaint', 'Narrative'] },
  companyPublicResponse: { names: ['Company public response', 'company_public_response'] },
  company: { names: ['Company', 'Company name'] },
  state: { names: ['State'] },
  zip: { names: ['ZIP code', 'zip_code', 'ZIP', 'Zipcode'] },
  tags: { names: ['Tags'] },
  consent: { names: ['Consumer consent provided?', 'consumer_consent_provided'] },
  channel: { names: ['Submitted via', 'submitted_via'], required: true },
  sentToCompanyAt: { names: ['Date sent to company', 'date_sent_to_company'] },
  companyResponse: { names: ['Company response to consumer', 'company_response', 'Company response'] },
  timely: { names: ['Timely response?', 'timely'] },
  disputed: { names: ['Consumer disputed?', 'consumer_disputed'] },
} satisfies Record<string, ColumnSpec>;

type Column = keyof typeof COLUMNS;

const MIN_HEADER_COLUMNS = 4;

/** Keyed by the normalised export value. */
const CHANNELS: Readonly<Record<string, ComplaintChannel>> = {
  web: 'web',
  webreferral: 'web',
  phone: 'phone',
  email: 'email',
  postalmail: 'letter',
  fax: 'letter',
  referral: 'letter',
};

export interface CfpbParseOptions extends ReadProgressOptions {
  /** The user's column mappings (`--map "Date received=receivedAt"`), field names as in COLUMNS. */
  columns?: readonly ColumnOverride[];
}

/** The columns and fields a user can map a column to with --map, and how errors name the file. */
export const CFPB_COLUMNS: Readonly<Record<string, ColumnSpec>> = COLUMNS;
export const CFPB_WHAT = 'CFPB complaint export';

/**
 * The id of a complaint in a file without a Complaint ID column: "row-" and the first 20 hex digits
 * of the SHA-256 of its date received (as written in the file), product, sub-product, issue, sub-issue,
 * company, state, ZIP code, submitted via, date sent to company and narrative, trimmed and joined
 * by a separator no value holds (absent columns count as empty). Rows with the same content are
 * distinct complaints (nothing else tells them apart): the second gets "-2", the third "-3", in
 * file order, so a re-import of the same file derives the same ids.
 */
export function derivedComplaintId(values: readonly string[], occurrence: number): string {
  const hash = contentHash(values);
  return occurrence <= 1 ? `row-${hash}` : `row-${hash}-${occurrence}`;
}

const contentHash = (values: readonly string[]): string => createHash('sha256').update(values.join('\u001f')).digest('hex').slice(0, 20);

/** The columns derivedComplaintId hashes, in order. */
const DERIVED_ID_COLUMNS: readonly Column[] = [
  'receivedAt',
  'product',
  'subProduct',
  'issue',
  'subIssue',
  'company',
  'state',
  'zip',
  'channel',
  'sentToCompanyAt',
  'narrative',
];

/** Yes/No columns: true, false, null for N/A or blank, undefined when unreadable. */
function readYesNo(value: string): boolean | null | undefined {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'y' || v === 'true') return true;
  if (v === 'no' || v === 'n' || v === 'false') return false;
  if (v === '' || v === 'n/a' || v === 'na') return null;
  return undefined;
}

// Long because one generator holds the file's reading state (header, ids seen, date cache) across
// batches; the row checks on the hot path read and update it in place.
export async function* parseCfpbComplaints(
  source: TextSource,
  options: CfpbParseOptions = {},
): AsyncGenerator<ImportItem<ImportedComplaint>> {
  const seenIds = new Map<string, number>();
  // Without an id column: how often each content hash was seen, for derivedComplaintId.
  const derivedSeen = new Map<string, number>();
  const columns = withColumnOverrides(COLUMNS, options.columns ?? [], CFPB_WHAT);
  const headers = new ImportHeader(columns, CFPB_WHAT);
  // Complaints share their dates: parse each distinct text once.
  const dates = new Map<string, string | null>();
  const parseDate = (text: string): string | null => {
    let iso = dates.get(text);
    if (iso === undefined) {
      iso = parseFlexibleDate(text);
      dates.set(text, iso);
    }
    return iso;
  };

  const batches = readCsvWithHeaderBatches(source, {
    ...options,
    isHeader: (fields) => mapColumns(fields, columns).found >= MIN_HEADER_COLUMNS,
    headerNotFound: (n) =>
      `Not a CFPB complaint export: no header naming at least ${MIN_HEADER_COLUMNS} known columns (such as "Complaint ID", "Date received", "Product", "Issue", "Submitted via") in the first ${n} lines`,
  });

  for await (const batch of batches) {
    for (const item of batch) {
      if (item.kind !== 'record') {
        const skipped = headers.take(item);
        if (skipped) yield skipped;
        continue;
      }
      const { column, fieldCount, accepted: header } = headers;

      const lines = [item.line];
      const { fields } = item;
      const skip = (reason: string, detail: string): ImportItem<ImportedComplaint> => ({ type: 'skipped', reason, lines, detail });
      if (item.issues?.includes('unterminated-quote')) {
        yield skip(SKIP_REASONS.unterminatedQuote, `a quoted field opened here never closes: "${excerpt(fields.join(','))}"`);
        continue;
      }
      if (fields.length < fieldCount || (fields.length > fieldCount && fields.slice(fieldCount).some((f) => f.trim() !== ''))) {
        yield skip(SKIP_REASONS.wrongFieldCount, `expected ${fieldCount} fields, found ${fields.length}: "${excerpt(fields.join(','))}"`);
        continue;
      }
      if (header?.isRepeat(fields)) {
        yield skip(SKIP_REASONS.repeatedHeader, 'the header again');
        continue;
      }

      const get = (key: Column): string => {
        const at = column[key];
        return at === undefined ? '' : fields[at].trim();
      };
      const orNull = (key: Column): string | null => get(key) || null;

      let complaintId = get('complaintId');
      if (column.complaintId === undefined) {
        const values = DERIVED_ID_COLUMNS.map((key) => (key === 'narrative' ? get(key).replace(/\r\n?/g, '\n') : get(key)));
        // Counted by hash, not by content: a file's narratives are not all kept in memory.
        const content = contentHash(values);
        const occurrence = (derivedSeen.get(content) ?? 0) + 1;
        derivedSeen.set(content, occurrence);
        complaintId = derivedComplaintId(values, occurrence);
      }
      if (complaintId === '') {
        yield skip(SKIP_REASONS.missingKey, `no Complaint ID: "${excerpt(fields.join(','))}"`);
        continue;
      }
      const receivedText = get('receivedAt');
      const receivedAt = parseDate(receivedText);
      if (!receivedAt) {
        yield skip(
          SKIP_REASONS.invalidDate,
          `complaint ${complaintId}: date received "${excerpt(receivedText)}" is not YYYY-MM-DD, M/D/YYYY or YYYY/M/D`,
        );
        continue;
      }
      const product = get('product');
      const issue = get('issue');
      if (product === '' || issue === '') {
        yield skip(SKIP_REASONS.missingValue, `complaint ${complaintId}: no ${product === '' ? 'Product' : 'Issue'}`);
        continue;
      }
      const sourceChannel = get('channel');
      const channel = CHANNELS[normaliseColumnName(sourceChannel)];
      if (!channel) {
        yield sourceChannel === ''
          ? skip(SKIP_REASONS.missingValue, `complaint ${complaintId}: no Submitted via`)
          : skip(SKIP_REASONS.unknownChannel, `complaint ${complaintId}: submitted via "${excerpt(sourceChannel)}"`);
        continue;
      }
      const firstLine = seenIds.get(complaintId);
      if (firstLine !== undefined) {
        yield {
          type: 'duplicate',
          reason: DUPLICATE_REASONS.duplicateKey,
          lines,
          detail: `Complaint ID ${complaintId} already on line ${firstLine}`,
        };
        continue;
      }
      seenIds.set(complaintId, item.line);

      const unreadable: string[] = [];
      const yesNo = (key: Column, label: string): boolean | null => {
        const value = readYesNo(get(key));
        if (value !== undefined) return value;
        unreadable.push(`${label} "${excerpt(get(key), 40)}"`);
        return null;
      };
      const timely = yesNo('timely', 'Timely response?');
      const disputed = yesNo('disputed', 'Consumer disputed?');
      const sentText = get('sentToCompanyAt');
      const sentToCompanyAt = sentText === '' ? null : parseDate(sentText);
      if (sentText !== '' && !sentToCompanyAt) unreadable.push(`Date sent to company "${excerpt(sentText, 40)}"`);
      if (unreadable.length > 0) {
        yield {
          type: 'note',
          reason: NOTE_REASONS.unreadableValue,
          lines,
          detail: `complaint ${complaintId}: ${unreadable.join(', ')} read as unknown`,
        };
      }

      const narrative = get('narrative').replace(/\r\n?/g, '\n');
      yield {
        type: 'record',
        lines,
        record: {
          sourceKey: complaintId,
          receivedAt,
          sentToCompanyAt,
          product,
          subProduct: orNull('subProduct'),
          issue,
          subIssue: orNull('subIssue'),
          narrative: narrative || null,
          companyPublicResponse: orNull('companyPublicResponse'),
          company: orNull('company'),
          state: orNull('state'),
          zip: orNull('zip'),
          tags: get('tags')
            .split(',')
            .map((tag) => tag.trim())
            .filter((tag) => tag !== ''),
          consumerConsent: orNull('consent'),
          channel,
          sourceChannel,
          companyResponse: orNull('companyResponse'),
          timely,
          disputed,
        },
      };
    }
  }
}
