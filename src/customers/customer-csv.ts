import type { CustomerView, PurchaseView } from './customer-query.handlers';

/**
 * CSV rows of the customer lists. A profile holds lists (suggestions, complaints, referrals) that
 * would flatten into a column per element; a spreadsheet row gets their counts instead, and the
 * lists stay in the JSON answer. Column names keep the JSON names, so masking (by field name)
 * applies to CSV as it does to JSON. Money comes per currency: the columns
 * `currentValue.byCurrency.EUR.revenue`, `potentialValue.byCurrency.EUR.value`, ... follow the fixed
 * ones, one set per currency present on the page.
 */
export const CUSTOMER_CSV_COLUMNS = [
  'id',
  'status',
  'name',
  'email',
  'phone',
  'company',
  'acquisitionChannel',
  'registeredAt',
  'convertedAt',
  'deactivatedAt',
  'currentValue.purchaseCount',
  'currentValue.firstPurchaseAt',
  'currentValue.lastPurchaseAt',
  'potentialValue.acceptanceRate',
  'referredBy',
  'referralsMade',
  'interactionCount',
  'lastInteractionAt',
  'complaints',
  'segments.rfm',
  'segments.value-matrix',
  'revision',
  'updatedAt',
] as const;

export function customerCsvRow(view: CustomerView): Record<string, unknown> {
  return {
    id: view.id,
    status: view.status,
    name: view.name,
    email: view.email,
    phone: view.phone,
    company: view.company,
    acquisitionChannel: view.acquisitionChannel,
    registeredAt: view.registeredAt,
    convertedAt: view.convertedAt,
    deactivatedAt: view.deactivatedAt,
    currentValue: view.currentValue,
    potentialValue: { acceptanceRate: view.potentialValue.acceptanceRate, byCurrency: view.potentialValue.byCurrency },
    referredBy: view.referredBy,
    referralsMade: view.referralsMade.length,
    interactionCount: view.interactionCount,
    lastInteractionAt: view.lastInteractionAt,
    complaints: view.complaints.length,
    segments: view.segments,
    revision: view.revision,
    updatedAt: view.updatedAt,
  };
}

export const INTERACTION_CSV_COLUMNS = [
  'interactionId',
  'customerId',
  'occurredAt',
  'recordedAt',
  'channel',
  'direction',
  'agent',
  'summary',
] as const;

/** One row per purchase line: the purchase's id, dates and currency repeated, so a spreadsheet can sum lines per currency. */
export const PURCHASE_CSV_COLUMNS = [
  'purchaseId',
  'occurredAt',
  'recordedAt',
  'currency',
  'purchaseAmount',
  'purchaseMargin',
  'line',
  'product',
  'quantity',
  'amount',
  'purchaseRefunded',
  'purchaseNetAmount',
] as const;

export function purchaseCsvRows(purchases: readonly PurchaseView[]): Record<string, unknown>[] {
  return purchases.flatMap((purchase) =>
    purchase.lines.map((line, index) => ({
      purchaseId: purchase.purchaseId,
      occurredAt: purchase.occurredAt,
      recordedAt: purchase.recordedAt,
      currency: purchase.currency,
      purchaseAmount: purchase.amount,
      purchaseMargin: purchase.margin,
      line: index + 1,
      product: line.product,
      quantity: line.quantity,
      amount: line.amount,
      purchaseRefunded: purchase.refunded,
      purchaseNetAmount: purchase.netAmount,
    })),
  );
}
