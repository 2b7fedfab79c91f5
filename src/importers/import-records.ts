import type { ComplaintChannel } from '../complaints/complaint.events';
import { roundMoney } from '../shared/money/money';

/**
 * What the import parsers yield. Parsers are pure: they read a source and describe it; the
 * command path (one command per record) and the summary are the caller's business.
 */

/** Which data set a record comes from; with the record's sourceKey it fixes the imported entity's id. */
export type ImportSourceKind = 'cdnow' | 'online-retail' | 'cfpb';

/**
 * One thing a parser has to say. `lines` are the physical line numbers (1-based, where each
 * source row starts) of the rows concerned: one for most items, several for a purchase grouped
 * from invoice lines.
 *
 * - record: a normalised record, ready for a command.
 * - skipped: rows left out, with a reason (and the offending value in `detail`).
 * - duplicate: a row that repeats one already seen in the same file (`detail` says where).
 * - note: a row that is kept (it is part of a record) but deserves a mention, e.g. a zero amount.
 */
export type ImportItem<T> =
  | { type: 'record'; record: T; lines: number[] }
  | { type: 'skipped'; reason: string; lines: number[]; detail: string }
  | { type: 'duplicate'; reason: string; lines: number[]; detail: string }
  | { type: 'note'; reason: string; lines: number[]; detail: string };

/** Reasons parsers give; the command path may add its own (e.g. refused commands). */
export const SKIP_REASONS = {
  /** Not data: leftover text before the CSV header. */
  junkLine: 'junk-line',
  /** Fewer or more fields than the header (or the layout) has. */
  wrongFieldCount: 'wrong-field-count',
  /** The header again, e.g. two exports concatenated. */
  repeatedHeader: 'repeated-header',
  /** A quoted field that never closed. */
  unterminatedQuote: 'unterminated-quote',
  invalidDate: 'invalid-date',
  invalidNumber: 'invalid-number',
  missingCustomer: 'missing-customer',
  missingKey: 'missing-key',
  missingValue: 'missing-value',
  /** An Online Retail C-invoice row that reverses nothing (a quantity of 0 or more). */
  cancellation: 'cancellation',
  nonPositiveQuantity: 'non-positive-quantity',
  nonPositivePrice: 'non-positive-price',
  negativeAmount: 'negative-amount',
  unknownChannel: 'unknown-channel',
} as const;

export const DUPLICATE_REASONS = {
  /** A row identical, field for field, to an earlier one. */
  duplicateRow: 'duplicate-row',
  /** A second row with a source key (e.g. Complaint ID) already seen. */
  duplicateKey: 'duplicate-key',
} as const;

export const NOTE_REASONS = {
  zeroAmount: 'zero-amount',
  /** Lines of one invoice carry different times: the earliest is used. */
  mixedInvoiceTimes: 'mixed-invoice-times',
  /** A secondary column (a Yes/No flag, a second date) held something unreadable: read as unknown (null). */
  unreadableValue: 'unreadable-value',
} as const;

export interface ImportedPurchaseLine {
  /** Product key: the stock code (Online Retail) or "CD" (CDNOW, which records no titles). */
  product: string;
  description: string | null;
  quantity: number;
  /** Line amount, quantity x unit price, rounded to cents. */
  amount: number;
}

/** One purchase, as the customer write model records it. */
export interface ImportedPurchase {
  /** Unique within the source kind; stable across runs, so re-imports append nothing. */
  sourceKey: string;
  /** The customer's id in the source. */
  customerKey: string;
  /** ISO 8601, UTC. */
  occurredAt: string;
  /** ISO 4217. */
  currency: string;
  /** Total items (CDNOW: CDs). */
  quantity: number;
  /** Total amount, rounded to cents. */
  amount: number;
  lines: ImportedPurchaseLine[];
  /** The source's own purchase reference (the invoice number), when it has one. */
  reference: string | null;
  /** Where the customer is (Online Retail), when known. */
  country: string | null;
  /** CDNOW sample layout: the customer's id within the 2,357-customer sample. */
  sampleCustomerKey: string | null;
}

/**
 * Money given back for (part of) a purchase, from a cancellation in the source (an Online Retail
 * C-invoice): becomes a RefundPurchase against the imported purchase, or one not tied to a purchase.
 */
export interface ImportedRefund {
  /** Unique within the source kind; stable across runs, so re-imports append nothing. */
  sourceKey: string;
  customerKey: string;
  /** When the cancellation was made (business time), ISO 8601 UTC. */
  occurredAt: string;
  currency: string;
  /** The sourceKey of the imported purchase it refunds; null when no purchase in the file covers it. */
  purchaseSourceKey: string | null;
  /** The goods returned, quantities positive, amounts at the cancellation's unit price. */
  lines: ImportedPurchaseLine[];
  amount: number;
  /** The cancellation invoice number. */
  reference: string;
}

export const isImportedRefund = (record: ImportedPurchase | ImportedRefund): record is ImportedRefund => 'purchaseSourceKey' in record;

/** One complaint from the CFPB consumer complaint export. */
export interface ImportedComplaint {
  /** The Complaint ID. */
  sourceKey: string;
  /** Date received, at UTC midnight (the export has dates only). */
  receivedAt: string;
  /** Date sent to company, at UTC midnight; null when absent. */
  sentToCompanyAt: string | null;
  product: string;
  subProduct: string | null;
  issue: string;
  subIssue: string | null;
  /** The consumer's story, line breaks normalised to \n; null when not published. */
  narrative: string | null;
  companyPublicResponse: string | null;
  company: string | null;
  state: string | null;
  /** Often masked by the CFPB (e.g. 330XX). */
  zip: string | null;
  tags: string[];
  consumerConsent: string | null;
  channel: ComplaintChannel;
  /** The channel as the export names it ("Postal mail", "Referral", ...). */
  sourceChannel: string;
  companyResponse: string | null;
  /** Timely response?; null when the column is absent or blank. */
  timely: boolean | null;
  /** Consumer disputed?; null for N/A (the CFPB stopped asking in 2017) or blank. */
  disputed: boolean | null;
}

/** The file cannot be read as the layout it claims to be (as opposed to a bad row, which is skipped). */
export class ImportFormatError extends Error {
  constructor(
    message: string,
    readonly missingColumns: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

/**
 * Rounds to cents (both sources are in two-decimal currencies, USD and GBP): the shared money
 * rounding, float noise dropped, so 1.005 is 1.01 and 41.31 + 83.62 is 124.93.
 */
export function roundCents(value: number): number {
  return roundMoney(value, 'USD');
}

/** A short excerpt of a source row for report examples. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
