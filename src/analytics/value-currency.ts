/**
 * The currency an analysis of customer value works in. Analyses that give one number per customer
 * (lifetime value, RFM monetary, CLV, value matrix, forecasts, word of mouth) take `?currency=`;
 * without it they use the only currency purchases were recorded in, and with several they answer
 * 422 CURRENCY_REQUIRED listing them: amounts of different currencies are never added.
 */
import { chooseCurrency, type CurrencySeenDoc } from '../shared/money/currency-choice';
import type { Collection, Document } from '../shared/read-store/read-store.port';
import { DEFAULT_CURRENCY } from '../shared/money/money';
import {
  CUSTOMER_VALUE_PROJECTION,
  type CustomerValueDoc,
  NO_FIGURES,
  type PurchaseDay,
  type StoredValueDoc,
  type ValueListDoc,
  VALUE_CURRENCIES_COLLECTION,
  VALUE_CUSTOMERS_COLLECTION,
} from './customer-value.projection';

/** ReadModels or the projection runner: what reads a projection's collection. */
export interface ValueReader {
  collection<T extends Document>(projection: string, logical: string): Collection<T>;
}

/** Currencies purchases were recorded in, alphabetical. */
export async function valueCurrencies(reader: ValueReader): Promise<string[]> {
  const codes: string[] = [];
  for await (const doc of reader.collection<CurrencySeenDoc>(CUSTOMER_VALUE_PROJECTION, VALUE_CURRENCIES_COLLECTION).findAll())
    codes.push(doc._id);
  return codes.sort();
}

/** The requested currency, or the only one recorded; CURRENCY_REQUIRED when there are several. */
export async function analysisCurrency(reader: ValueReader, requested: string | undefined): Promise<string> {
  return chooseCurrency(requested, requested === undefined ? await valueCurrencies(reader) : []);
}

export const storedValues = (reader: ValueReader): Collection<StoredValueDoc> =>
  reader.collection<StoredValueDoc>(CUSTOMER_VALUE_PROJECTION, VALUE_CUSTOMERS_COLLECTION);

/** Every customer's value in the currency, with the purchase days. */
export async function valueDocsIn(reader: ValueReader, currency: string): Promise<CustomerValueDoc[]> {
  const docs: CustomerValueDoc[] = [];
  for await (const doc of storedValues(reader).findAll()) docs.push(inCurrency(withDays(doc), currency));
  return docs;
}

/** A stored document read with its days (findAll and get return them). */
export const withDays = (doc: StoredValueDoc): StoredValueDoc & { days: Record<string, PurchaseDay[]> } => ({
  ...doc,
  days: doc.days ?? {},
});

/** The customer's currencies, alphabetical. */
export const currenciesOf = (doc: Pick<StoredValueDoc, 'byCurrency'>): string[] => Object.keys(doc.byCurrency).sort();

/**
 * The document in one currency: that currency's figures, days and suggestions (a customer who never
 * bought in it has zeros). Lists that left the days out get a view without days.
 */
export function inCurrency(doc: StoredValueDoc & { days: Record<string, PurchaseDay[]> }, currency: string): CustomerValueDoc;
export function inCurrency(doc: StoredValueDoc, currency: string): ValueListDoc;
export function inCurrency(doc: StoredValueDoc, currency: string): ValueListDoc {
  const { byCurrency, days, ...shared } = doc;
  const view: ValueListDoc = {
    ...shared,
    ...(byCurrency[currency] ?? NO_FIGURES),
    currency,
    suggestions: doc.suggestions.filter((s) => (s.currency ?? DEFAULT_CURRENCY) === currency),
  };
  if (days !== undefined) view.days = days[currency] ?? [];
  return view;
}
