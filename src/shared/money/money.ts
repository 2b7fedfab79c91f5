/**
 * Money: an amount belongs to one ISO 4217 currency and is summed in that currency's integer minor
 * units (cents, yen, fils), never across currencies and never as floats.
 *
 * Amounts cross the API and the events as JSON numbers in the currency's major unit (20.5 EUR), as
 * they always have. Every sum and rounding here goes through integers, and a number made back from
 * minor units (minor / 10^exponent) is the double nearest the decimal, which JavaScript prints as
 * that decimal: 12493 / 100 prints "124.93", where 41.31 + 83.62 prints "124.92999999999999".
 *
 * The exponent is the one ICU (Intl) knows for the code: JPY 0, USD/EUR/GBP 2, BHD/KWD 3. A code
 * Intl does not list as a currency is refused with UNKNOWN_CURRENCY.
 */
import { BusinessRuleViolation } from '../errors/domain-errors';

const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const exponents = new Map<string, number>();

/** Currency of amounts recorded before a currency was required (the API's default). */
export const DEFAULT_CURRENCY = 'USD';

export function isKnownCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** 422 UNKNOWN_CURRENCY unless the code is an ISO 4217 currency. */
export function assertKnownCurrency(code: string): void {
  if (!isKnownCurrency(code)) {
    throw new BusinessRuleViolation('UNKNOWN_CURRENCY', `${code} is not an ISO 4217 currency code`, { currency: code });
  }
}

/** Digits after the decimal point of the currency's minor unit (JPY 0, EUR 2, KWD 3). */
export function currencyExponent(currency: string): number {
  let exponent = exponents.get(currency);
  if (exponent === undefined) {
    assertKnownCurrency(currency);
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(currency, exponent);
  }
  return exponent;
}

const scaleOf = (currency: string): number => 10 ** currencyExponent(currency);

/**
 * The amount in integer minor units, rounded half away from zero to the nearest minor unit. Float
 * noise is dropped first (15 significant digits), so 1.005 EUR is 101 cents, not 100.
 */
export function toMinorUnits(amount: number, currency: string): number {
  const scaled = amount * scaleOf(currency);
  const nearest = Math.round(scaled);
  // Fast path: already whole minor units up to float noise (almost every amount is).
  if (Math.abs(scaled - nearest) < 1e-6) return nearest === 0 ? 0 : nearest;
  const clean = Number(scaled.toPrecision(15));
  const rounded = Math.sign(clean) * Math.round(Math.abs(clean));
  return rounded === 0 ? 0 : rounded;
}

/** The amount back in major units, as the number that prints as the exact decimal. */
export function fromMinorUnits(minor: number, currency: string): number {
  const value = minor / scaleOf(currency);
  return value === 0 ? 0 : value;
}

/** Rounds an amount (a computed figure: an average, a model's prediction) to the currency's minor unit. */
export function roundMoney(amount: number, currency: string): number {
  return fromMinorUnits(toMinorUnits(amount, currency), currency);
}

/** Whether the amount is a whole number of the currency's minor units (no 1000.5 JPY, no 1.234 EUR). */
export function isExactAmount(amount: number, currency: string): boolean {
  return Number.isFinite(amount) && Math.abs(amount * scaleOf(currency) - toMinorUnits(amount, currency)) < 1e-6;
}

/** 422 AMOUNT_PRECISION when an amount has more decimals than its currency has minor units. */
export function assertExactAmount(amount: number, currency: string, field: string): void {
  if (!isExactAmount(amount, currency)) {
    throw new BusinessRuleViolation(
      'AMOUNT_PRECISION',
      `${field} has more decimals than ${currency} has minor units (${currencyExponent(currency)})`,
      { field, amount, currency, decimals: currencyExponent(currency) },
    );
  }
}

/** Exact sum of amounts of one currency. */
export function sumMoney(amounts: Iterable<number>, currency: string): number {
  let minor = 0;
  for (const amount of amounts) minor += toMinorUnits(amount, currency);
  return fromMinorUnits(minor, currency);
}

/** a + b in one currency, exactly. */
export function addMoney(a: number, b: number, currency: string): number {
  return fromMinorUnits(toMinorUnits(a, currency) + toMinorUnits(b, currency), currency);
}

/** total / count rounded to the minor unit; 0 when there is nothing to divide. */
export function averageMoney(total: number, count: number, currency: string): number {
  return count > 0 ? roundMoney(total / count, currency) : 0;
}

/** The amount as a decimal string with exactly the currency's digits ("124.93", "1000", "0.500"). */
export function formatMoney(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const minor = toMinorUnits(amount, currency);
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  const sign = minor < 0 ? '-' : '';
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses a decimal string ("2.55", "-0.5", ".75") into minor units without going through a float;
 * digits beyond the minor unit are rounded half away from zero. Null when it is not a decimal.
 */
export function parseMoneyToMinorUnits(text: string, currency: string): number | null {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const exponent = currencyExponent(currency);
  const fraction = (match[3] ?? '').padEnd(exponent + 1, '0');
  const whole = BigInt(`${match[2] || '0'}${fraction.slice(0, exponent)}`);
  const roundUp = fraction.charCodeAt(exponent) >= '5'.charCodeAt(0);
  const magnitude = Number(whole + (roundUp ? 1n : 0n));
  return match[1] === '-' && magnitude !== 0 ? -magnitude : magnitude;
}

/** Per-currency totals, in minor units while adding; read back as amounts by `toAmounts`. */
export class MoneyTotals {
  private readonly minor = new Map<string, number>();

  add(currency: string, amount: number): this {
    this.minor.set(currency, (this.minor.get(currency) ?? 0) + toMinorUnits(amount, currency));
    return this;
  }

  currencies(): string[] {
    return [...this.minor.keys()].sort();
  }

  get(currency: string): number {
    return fromMinorUnits(this.minor.get(currency) ?? 0, currency);
  }

  /** { EUR: 20, JPY: 1000, USD: 100 }, currencies in alphabetical order. */
  toAmounts(): Record<string, number> {
    return Object.fromEntries(this.currencies().map((currency) => [currency, this.get(currency)]));
  }
}
