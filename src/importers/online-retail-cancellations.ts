import type { ImportedPurchaseLine, ImportedRefund } from './import-records';

/**
 * Online Retail cancellations (C-invoices: negative quantities) as refunds, netted against the
 * customer's purchases in the same file. Pure: the parser hands over the grouped invoices.
 *
 * Rules:
 * - Each cancelled line (stock code, quantity, the cancellation's unit price) goes to the customer's
 *   LATEST purchase at or before the cancellation that holds the stock code with enough quantity not
 *   yet returned and enough amount not yet refunded to cover the line. Cancellations are taken in
 *   time order (then by invoice), so earlier ones use up what they return first.
 * - Lines of one cancellation going to one purchase make one refund; lines that no purchase covers
 *   (the sale is older than the file, or priced differently) make one refund NOT tied to a purchase:
 *   it still lowers the customer's value (see docs/analysts.md, "Refunds and returns").
 * - The refund's source key is "cancellation invoice:customer:purchase invoice" (or ":-" when not
 *   tied): stable across runs, so a re-import appends nothing.
 */

export interface InvoiceGroup {
  customerKey: string;
  invoice: string;
  occurredAt: string;
  lines: ImportedPurchaseLine[];
  /** The source row of each line (same order). */
  rows: number[];
}

interface Capacity {
  group: InvoiceGroup;
  sourceKey: string;
  /** Quantity not yet returned, per stock code. */
  quantities: Map<string, number>;
  cents: number;
}

const toCents = (amount: number): number => Math.round(amount * 100);

/** Latest first, then the higher invoice number first: the purchase a cancellation most likely reverses. */
const latestFirst = (a: Capacity, b: Capacity): number =>
  a.group.occurredAt !== b.group.occurredAt
    ? a.group.occurredAt < b.group.occurredAt
      ? 1
      : -1
    : a.group.invoice < b.group.invoice
      ? 1
      : a.group.invoice > b.group.invoice
        ? -1
        : 0;

export function refundsForCancellations(
  purchases: Iterable<InvoiceGroup & { sourceKey: string }>,
  cancellations: Iterable<InvoiceGroup>,
  currency: string,
): { record: ImportedRefund; rows: number[] }[] {
  const byCustomer = new Map<string, Capacity[]>();
  for (const group of purchases) {
    const quantities = new Map<string, number>();
    for (const line of group.lines) quantities.set(line.product, (quantities.get(line.product) ?? 0) + line.quantity);
    const capacity: Capacity = {
      group,
      sourceKey: group.sourceKey,
      quantities,
      cents: group.lines.reduce((sum, line) => sum + toCents(line.amount), 0),
    };
    const list = byCustomer.get(group.customerKey) ?? [];
    list.push(capacity);
    byCustomer.set(group.customerKey, list);
  }
  for (const list of byCustomer.values()) list.sort(latestFirst);

  const ordered = [...cancellations].sort((a, b) =>
    a.occurredAt !== b.occurredAt ? (a.occurredAt < b.occurredAt ? -1 : 1) : a.invoice < b.invoice ? -1 : a.invoice > b.invoice ? 1 : 0,
  );
  const refunds: { record: ImportedRefund; rows: number[] }[] = [];
  for (const cancellation of ordered) {
    // Purchase source key (or null) -> the lines refunded from it, in the cancellation's line order.
    const targets = new Map<string | null, { lines: ImportedPurchaseLine[]; rows: number[] }>();
    cancellation.lines.forEach((line, index) => {
      const cents = toCents(line.amount);
      const match = (byCustomer.get(cancellation.customerKey) ?? []).find(
        (p) => p.group.occurredAt <= cancellation.occurredAt && (p.quantities.get(line.product) ?? 0) >= line.quantity && p.cents >= cents,
      );
      if (match) {
        match.quantities.set(line.product, match.quantities.get(line.product)! - line.quantity);
        match.cents -= cents;
      }
      const target = targets.get(match?.sourceKey ?? null) ?? { lines: [], rows: [] };
      target.lines.push(line);
      target.rows.push(cancellation.rows[index]);
      targets.set(match?.sourceKey ?? null, target);
    });
    for (const [purchaseSourceKey, { lines, rows }] of targets) {
      const purchaseInvoice = purchaseSourceKey === null ? '-' : purchaseSourceKey.slice(0, purchaseSourceKey.indexOf(':'));
      const record: ImportedRefund = {
        sourceKey: `${cancellation.invoice}:${cancellation.customerKey}:${purchaseInvoice}`,
        customerKey: cancellation.customerKey,
        occurredAt: cancellation.occurredAt,
        currency,
        purchaseSourceKey,
        lines,
        amount: lines.reduce((sum, line) => sum + toCents(line.amount), 0) / 100,
        reference: cancellation.invoice,
      };
      refunds.push({ record, rows });
    }
  }
  return refunds;
}
