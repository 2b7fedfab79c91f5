import {
  type ColumnSpec,
  ImportHeader,
  mapColumns,
  readCsvWithHeaderBatches,
  type ReadProgressOptions,
  type TextSource,
} from './csv-reader';
import { type ColumnOverride, withColumnOverrides } from './column-overrides';
import { parseUkLocalDateTime } from './import-dates';
import {
  DUPLICATE_REASONS,
  excerpt,
  type ImportedPurchase,
  type ImportedPurchaseLine,
  type ImportedRefund,
  type ImportItem,
  NOTE_REASONS,
  roundCents,
  SKIP_REASONS,
} from './import-records';
import { refundsForCancellations } from './online-retail-cancellations';

/**
 * The UCI "Online Retail" layout (one row per invoice line): InvoiceNo, StockCode, Description,
 * Quantity, InvoiceDate, UnitPrice, CustomerID, Country. Columns are found by name (case and
 * punctuation ignored), including the names of the later "Online Retail II" release (Invoice,
 * Price, Customer ID).
 *
 * Decisions:
 * - Lines are grouped into one purchase per (invoice, customer); the source key is
 *   "invoice:customer". Rows come in any order (the sample is shuffled), so groups are
 *   emitted after the last row; skips and duplicates are reported as they are read. Memory
 *   holds the parsed lines of valid purchases (a few dozen bytes each), never the file text.
 * - The product of a line is its stock code (descriptions of one code vary in spelling); the
 *   description comes along. Line amount = quantity x unit price, rounded to cents; GBP.
 * - Exact duplicate rows (all fields equal) are reported as duplicates and counted once; this
 *   check comes first, so a duplicate is a duplicate whatever else is wrong with it.
 * - Cancellations (C-invoices, negative quantities) are refunds: grouped per (invoice, customer)
 *   like sales, and after the purchases emitted as refund records netted against the customer's
 *   purchases in the file (online-retail-cancellations.ts has the matching rule). A C-row with a
 *   quantity of 0 or more reverses nothing and is skipped.
 * - Then skipped, first reason wins: no stock code, unparseable numbers or dates, missing
 *   customer (NA or empty), quantity <= 0 on a sale (stock adjustments), unit price <= 0 (gifts,
 *   write-offs).
 * - Memory: besides the purchases, one key per distinct row (its fields joined) for the
 *   duplicate check.
 * - InvoiceDate is UK local time, turned into UTC with the EU summer-time rule. When lines of a
 *   purchase carry different times (an invoice keyed across a minute), the earliest is used
 *   and a note says so.
 */

const COLUMNS = {
  invoice: { names: ['InvoiceNo', 'Invoice', 'Invoice number'], required: true },
  stockCode: { names: ['StockCode', 'Stock code', 'Product code'], required: true },
  description: { names: ['Description'] },
  quantity: { names: ['Quantity'], required: true },
  invoiceDate: { names: ['InvoiceDate', 'Invoice date'], required: true },
  unitPrice: { names: ['UnitPrice', 'Price', 'Unit price'], required: true },
  customer: { names: ['CustomerID', 'Customer ID', 'Customer'], required: true },
  country: { names: ['Country'] },
} satisfies Record<string, ColumnSpec>;

/** A header names at least this many known columns; lines before it are junk. */
const MIN_HEADER_COLUMNS = 4;

/** The columns and fields a user can map a column to with --map, and how errors name the file. */
export const ONLINE_RETAIL_COLUMNS: Readonly<Record<string, ColumnSpec>> = COLUMNS;
export const ONLINE_RETAIL_WHAT = 'Online Retail file';
const MISSING = new Set(['', 'na', 'nan', 'null', 'none']);
const INTEGER = /^-?\d+$/;
const MONEY = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

export interface OnlineRetailParseOptions extends ReadProgressOptions {
  /** The user's column mappings (`--map "Invoice=invoice"`), field names as in COLUMNS. */
  columns?: readonly ColumnOverride[];
}

interface Group {
  sourceKey: string;
  customerKey: string;
  invoice: string;
  country: string | null;
  occurredAt: string;
  mixedTimes: boolean;
  lines: ImportedPurchaseLine[];
  rows: number[];
}

// Long because one generator holds the file's reading state (header, rows seen, invoices being
// grouped, time cache) across batches; the row checks on the hot path read and update it in place.
export async function* parseOnlineRetail(
  source: TextSource,
  options: OnlineRetailParseOptions = {},
): AsyncGenerator<ImportItem<ImportedPurchase | ImportedRefund>> {
  const seenRows = new Map<string, number>();
  const groups = new Map<string, Group>();
  const cancellations = new Map<string, Group>();
  // Invoice lines share their invoice's time: parse each distinct time once.
  const times = new Map<string, string | null>();
  const columns = withColumnOverrides(COLUMNS, options.columns ?? [], ONLINE_RETAIL_WHAT);
  const headers = new ImportHeader(columns, ONLINE_RETAIL_WHAT);

  const batches = readCsvWithHeaderBatches(source, {
    ...options,
    isHeader: (fields) => mapColumns(fields, columns).found >= MIN_HEADER_COLUMNS,
    headerNotFound: (n) =>
      `Not an Online Retail file: no header naming at least ${MIN_HEADER_COLUMNS} of ${Object.values(columns)
        .map((c) => c.names[0])
        .join(', ')} in the first ${n} lines`,
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
      const skip = (reason: string, detail: string): ImportItem<ImportedPurchase | ImportedRefund> => ({
        type: 'skipped',
        reason,
        lines,
        detail,
      });
      const raw = item.fields.join(',');
      if (item.issues?.includes('unterminated-quote')) {
        yield skip(SKIP_REASONS.unterminatedQuote, `a quoted field never closes: "${excerpt(raw)}"`);
        continue;
      }
      if (header?.isRepeat(item.fields)) {
        yield skip(SKIP_REASONS.repeatedHeader, 'the header again');
        continue;
      }
      if (item.fields.length !== fieldCount) {
        yield skip(SKIP_REASONS.wrongFieldCount, `expected ${fieldCount} fields, found ${item.fields.length}: "${excerpt(raw)}"`);
        continue;
      }
      const rowKey = item.fields.join('\u0000');
      const firstSeen = seenRows.get(rowKey);
      if (firstSeen !== undefined) {
        yield { type: 'duplicate', reason: DUPLICATE_REASONS.duplicateRow, lines, detail: `same as line ${firstSeen}: "${excerpt(raw)}"` };
        continue;
      }
      seenRows.set(rowKey, item.line);

      const get = (key: keyof typeof COLUMNS): string => {
        const at = column[key];
        return at === undefined ? '' : item.fields[at].trim();
      };
      const invoice = get('invoice');
      if (invoice === '') {
        yield skip(SKIP_REASONS.missingKey, `no invoice number: "${excerpt(raw)}"`);
        continue;
      }
      const cancelled = /^c/i.test(invoice);
      const stockCode = get('stockCode');
      if (stockCode === '') {
        yield skip(SKIP_REASONS.missingValue, `invoice ${invoice}: no stock code`);
        continue;
      }
      const quantityText = get('quantity');
      const priceText = get('unitPrice');
      if (!INTEGER.test(quantityText) || !MONEY.test(priceText)) {
        yield skip(SKIP_REASONS.invalidNumber, `quantity "${quantityText}", unit price "${priceText}"`);
        continue;
      }
      const dateText = get('invoiceDate');
      let occurredAt = times.get(dateText);
      if (occurredAt === undefined) {
        occurredAt = parseUkLocalDateTime(dateText);
        times.set(dateText, occurredAt);
      }
      if (!occurredAt) {
        yield skip(SKIP_REASONS.invalidDate, `invoice date "${dateText}" is not YYYY-MM-DD HH:MM[:SS]`);
        continue;
      }
      const customerText = get('customer');
      if (MISSING.has(customerText.toLowerCase())) {
        yield skip(SKIP_REASONS.missingCustomer, `invoice ${invoice} has no customer (${customerText || 'empty'})`);
        continue;
      }
      // Spreadsheet round trips turn 12346 into 12346.0.
      const customerKey = customerText.replace(/^(\d+)\.0+$/, '$1');
      const quantity = Number(quantityText);
      const unitPrice = Number(priceText);
      if (cancelled && quantity >= 0) {
        yield skip(SKIP_REASONS.cancellation, `cancellation ${invoice}: quantity ${quantity} reverses nothing`);
        continue;
      }
      if (!cancelled && quantity <= 0) {
        yield skip(SKIP_REASONS.nonPositiveQuantity, `invoice ${invoice}: quantity ${quantity}`);
        continue;
      }
      if (unitPrice <= 0) {
        yield skip(SKIP_REASONS.nonPositivePrice, `invoice ${invoice}: unit price ${priceText}`);
        continue;
      }

      const sourceKey = `${invoice}:${customerKey}`;
      const into = cancelled ? cancellations : groups;
      let group = into.get(sourceKey);
      if (!group) {
        group = { sourceKey, customerKey, invoice, country: get('country') || null, occurredAt, mixedTimes: false, lines: [], rows: [] };
        into.set(sourceKey, group);
      } else if (group.occurredAt !== occurredAt) {
        group.mixedTimes = true;
        if (occurredAt < group.occurredAt) group.occurredAt = occurredAt;
      }
      const units = Math.abs(quantity);
      group.lines.push({
        product: stockCode,
        description: get('description') || null,
        quantity: units,
        amount: roundCents(units * unitPrice),
      });
      group.rows.push(item.line);
    }
  }

  for (const group of [...groups.values(), ...cancellations.values()]) {
    if (group.mixedTimes) {
      yield {
        type: 'note',
        reason: NOTE_REASONS.mixedInvoiceTimes,
        lines: group.rows,
        detail: `invoice ${group.invoice}: lines carry different times, the earliest (${group.occurredAt}) is used`,
      };
    }
  }
  for (const group of groups.values()) {
    yield {
      type: 'record',
      lines: group.rows,
      record: {
        sourceKey: group.sourceKey,
        customerKey: group.customerKey,
        occurredAt: group.occurredAt,
        currency: 'GBP',
        quantity: group.lines.reduce((sum, line) => sum + line.quantity, 0),
        amount: roundCents(group.lines.reduce((sum, line) => sum + line.amount, 0)),
        lines: group.lines,
        reference: group.invoice,
        country: group.country,
        sampleCustomerKey: null,
      },
    };
  }
  // After every purchase: a refund's purchase is recorded before it (the runner keeps a customer's records in order).
  for (const { record, rows } of refundsForCancellations(groups.values(), cancellations.values(), 'GBP')) {
    yield { type: 'record', lines: rows, record };
  }
}
