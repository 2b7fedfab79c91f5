/**
 * Analyses that need one number per customer (rankings, RFM monetary, CLV, value ranges) work in one
 * currency at a time: the one asked for, or the only one the data holds. With several currencies
 * and none asked for, they refuse (CURRENCY_REQUIRED, listing what was found) rather than add
 * amounts of different currencies.
 */
import { BusinessRuleViolation } from '../errors/domain-errors';
import type { Document } from '../read-store/read-store.port';
import { assertKnownCurrency, DEFAULT_CURRENCY } from './money';

/** A read-store document per currency seen: `_id` is the ISO 4217 code. */
export interface CurrencySeenDoc extends Document {
  /** Purchases recorded in it. */
  purchases: number;
}

export function chooseCurrency(requested: string | undefined, present: readonly string[]): string {
  if (requested !== undefined) {
    assertKnownCurrency(requested);
    return requested;
  }
  if (present.length === 1) return present[0];
  // No purchase yet: every value is zero in any currency.
  if (present.length === 0) return DEFAULT_CURRENCY;
  throw new BusinessRuleViolation(
    'CURRENCY_REQUIRED',
    `Values are recorded in ${present.length} currencies (${[...present].sort().join(', ')}): say which with ?currency=`,
    { currencies: [...present].sort() },
  );
}
