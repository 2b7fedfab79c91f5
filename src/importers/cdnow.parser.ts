import { readLineBatches, type ReadProgressOptions, type TextSource } from './csv-reader';
import { parseCompactDate } from './import-dates';
import {
  excerpt,
  type ImportedPurchase,
  ImportFormatError,
  type ImportItem,
  NOTE_REASONS,
  roundCents,
  SKIP_REASONS,
} from './import-records';

/**
 * CDNOW purchase files (Fader, Hardie & Lee 2005): whitespace-separated columns, one purchase
 * per line, CRLF or LF.
 *
 * - master: customer id, date (YYYYMMDD), number of CDs, dollar value.
 * - sample: customer id in the master file, customer id in the sample, date, CDs, dollars.
 *
 * Decisions:
 * - A header line is optional: a first non-blank line holding letters is taken as the header.
 *   Later lines holding letters are junk, skipped and reported.
 * - The layout is given, or guessed from the first data row (4 fields: master, 5: sample).
 * - Customers are keyed by the master id with its zero padding removed ("00004" -> "4"), in
 *   both layouts, so importing the sample after the master adds nothing; the sample id is kept
 *   as `sampleCustomerKey`.
 * - A customer can buy several times a day, even the same amount (215 master rows repeat an
 *   earlier row exactly); these are separate purchases, not duplicates: the published figures
 *   count every row. So the source key is customer-date-ordinal ("4-19970101-1"), the ordinal
 *   counting the customer's rows of that day in file order: stable across runs, the same in
 *   both layouts (the sample holds complete customer histories in the same order).
 * - Zero-dollar rows (80 in the master) are kept, with a `zero-amount` note: they are
 *   purchase occasions, and the published frequency/recency statistics (and this data set's
 *   summary files) count them. Negative amounts and non-positive CD counts are skipped.
 * - Dates become UTC midnight; amounts are USD.
 */

export type CdnowLayout = 'master' | 'sample';

export interface CdnowParseOptions extends ReadProgressOptions {
  /** Default: guessed from the first data row. */
  layout?: CdnowLayout;
}

const FIELD_COUNT: Record<CdnowLayout, number> = { master: 4, sample: 5 };
const ID = /^\d+$/;
const MONEY = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

const stripZeros = (id: string): string => id.replace(/^0+(?=\d)/, '');

// Long because one generator holds the file's reading state (layout, ids seen, purchase being
// grouped) across batches; the row checks on the hot path read and update it in place.
export async function* parseCdnow(source: TextSource, options: CdnowParseOptions = {}): AsyncGenerator<ImportItem<ImportedPurchase>> {
  let layout: CdnowLayout | undefined = options.layout;
  let firstLine = true;
  const ordinals = new Map<string, number>();
  // A few hundred distinct days over tens of thousands of rows.
  const dates = new Map<string, string | null>();

  for await (const batch of readLineBatches(source, options)) {
    for (const { line, text } of batch) {
      const trimmed = text.trim();
      if (trimmed === '') continue;
      const tokens = trimmed.split(/\s+/);
      const hasLetters = /[A-Za-z]/.test(trimmed);
      if (firstLine) {
        firstLine = false;
        if (hasLetters) continue; // the optional header
      }
      const skip = (reason: string, detail: string): ImportItem<ImportedPurchase> => ({ type: 'skipped', reason, lines: [line], detail });
      if (hasLetters) {
        yield skip(SKIP_REASONS.junkLine, `not a data row: "${excerpt(trimmed)}"`);
        continue;
      }
      if (!layout) {
        if (tokens.length === 4) layout = 'master';
        else if (tokens.length === 5) layout = 'sample';
        else {
          throw new ImportFormatError(
            `Not a CDNOW file: line ${line} has ${tokens.length} fields; the master layout has 4 (customer, date, cds, dollars), the sample 5 (master id, sample id, date, cds, dollars)`,
          );
        }
      }
      const expected = FIELD_COUNT[layout];
      if (tokens.length !== expected) {
        yield skip(
          SKIP_REASONS.wrongFieldCount,
          `expected ${expected} fields (${layout} layout), found ${tokens.length}: "${excerpt(trimmed)}"`,
        );
        continue;
      }
      const [customer, sampleCustomer, date, cds, dollars] =
        layout === 'master' ? [tokens[0], null, tokens[1], tokens[2], tokens[3]] : [tokens[0], tokens[1], tokens[2], tokens[3], tokens[4]];

      if (!ID.test(customer) || (sampleCustomer !== null && !ID.test(sampleCustomer))) {
        yield skip(SKIP_REASONS.missingCustomer, `customer id must be digits: "${excerpt(trimmed)}"`);
        continue;
      }
      let occurredAt = dates.get(date);
      if (occurredAt === undefined) {
        occurredAt = parseCompactDate(date);
        dates.set(date, occurredAt);
      }
      if (!occurredAt) {
        yield skip(SKIP_REASONS.invalidDate, `date must be a real YYYYMMDD date, got "${date}"`);
        continue;
      }
      if (!ID.test(cds) || !MONEY.test(dollars)) {
        yield skip(SKIP_REASONS.invalidNumber, `CDs must be a whole number and dollars a number: "${excerpt(trimmed)}"`);
        continue;
      }
      const quantity = Number(cds);
      const amount = roundCents(Number(dollars));
      if (quantity <= 0) {
        yield skip(SKIP_REASONS.nonPositiveQuantity, `number of CDs is ${quantity}`);
        continue;
      }
      if (amount < 0) {
        yield skip(SKIP_REASONS.negativeAmount, `dollar value is ${dollars}`);
        continue;
      }

      const customerKey = stripZeros(customer);
      const day = `${customerKey}-${date}`;
      const ordinal = (ordinals.get(day) ?? 0) + 1;
      ordinals.set(day, ordinal);
      if (amount === 0) {
        yield {
          type: 'note',
          reason: NOTE_REASONS.zeroAmount,
          lines: [line],
          detail: `customer ${customerKey} on ${date}: ${quantity} CD(s) for 0.00, kept`,
        };
      }
      yield {
        type: 'record',
        lines: [line],
        record: {
          sourceKey: `${day}-${ordinal}`,
          customerKey,
          occurredAt,
          currency: 'USD',
          quantity,
          amount,
          lines: [{ product: 'CD', description: null, quantity, amount }],
          reference: null,
          country: null,
          sampleCustomerKey: sampleCustomer === null ? null : stripZeros(sampleCustomer),
        },
      };
    }
  }
}
