import { commandResult } from '../shared/http/command-response';
import { RecordPurchaseDto, RefundPurchaseDto } from '../customers/dto/customer-commands.dto';
import { importedPurchaseId, importedRefundId, importIdempotencyKey } from './deterministic-ids';
import { type ImportedPurchase, type ImportedRefund, ImportFormatError, type ImportItem, isImportedRefund } from './import-records';
import type { Plan } from './import-plan';
import { customerIdForKey, type ImportSession } from './import-session';

type PurchaseRecord = ImportedPurchase | ImportedRefund;

// Long because its three steps (ensure the customer, import a purchase, import a refund) are
// closures over one run's session, source and registered customers; apart, each would take them all.
/**
 * CDNOW and Online Retail records: each customer registered once per run before their first
 * purchase (since `firstPurchases`), then one RecordPurchase or RefundPurchase per record.
 * `layout`: for CDNOW, which of its layouts the user said the file has (checked on the first record).
 */
export function purchasePlan(
  session: ImportSession,
  source: 'cdnow' | 'online-retail',
  items: AsyncGenerator<ImportItem<PurchaseRecord>>,
  firstPurchases: ReadonlyMap<string, string>,
  layout?: 'cdnow-master' | 'cdnow-sample',
): Plan<PurchaseRecord> {
  // Customers registered by this run (or found registered): one registration per customer and run.
  const known = new Set<string>();
  const customerName = source === 'cdnow' ? 'CDNOW customer' : 'Online Retail customer';

  async function ensureCustomer(customerKey: string, occurredAt: string): Promise<string> {
    if (!known.has(customerKey)) {
      await session.registerCustomer(
        source,
        customerKey,
        `${customerName} ${customerKey}`,
        firstPurchases.get(customerKey) ?? occurredAt,
        customerKey,
      );
      known.add(customerKey);
    }
    return customerIdForKey(importIdempotencyKey(source, 'customer', customerKey));
  }

  async function importPurchase(record: ImportedPurchase, lines: number[]): Promise<void> {
    const purchaseId = importedPurchaseId(source, record.sourceKey);
    const dto = await session.validated(RecordPurchaseDto, {
      purchaseId,
      lines: record.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      margin: 0,
      currency: record.currency,
      occurredAt: record.occurredAt,
    });
    const customerId = await ensureCustomer(record.customerKey, record.occurredAt);
    const data = {
      purchaseId,
      lines: dto.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      margin: dto.margin,
      currency: dto.currency,
      occurredAt: dto.occurredAt ?? record.occurredAt,
    };
    const key = importIdempotencyKey(source, 'purchase', record.sourceKey);
    const answer = await session.send(async () =>
      commandResult(customerId, await session.customerStream.handle(customerId, { type: 'RecordPurchase', data }, session.context(key)), {
        purchaseId,
      }),
    );
    session.counted(answer, lines, `purchase ${record.sourceKey}`);
  }

  async function importRefund(record: ImportedRefund, lines: number[]): Promise<void> {
    const dto = await session.validated(RefundPurchaseDto, {
      lines: record.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      currency: record.currency,
      occurredAt: record.occurredAt,
    });
    const customerId = await ensureCustomer(record.customerKey, record.occurredAt);
    const refundId = importedRefundId(source, record.sourceKey);
    const data = {
      refundId,
      purchaseId: record.purchaseSourceKey === null ? null : importedPurchaseId(source, record.purchaseSourceKey),
      lines: (dto.lines ?? []).map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      amount: null,
      currency: dto.currency ?? record.currency,
      occurredAt: dto.occurredAt ?? record.occurredAt,
    };
    const key = importIdempotencyKey(source, 'refund', record.sourceKey);
    const answer = await session.send(async () =>
      commandResult(customerId, await session.customerStream.handle(customerId, { type: 'RefundPurchase', data }, session.context(key)), {
        refundId,
      }),
    );
    session.counted(answer, lines, `refund ${record.sourceKey}`);
  }

  return {
    source,
    items,
    lane: (record) => record.customerKey,
    check: source === 'cdnow' ? (record) => checkCdnowLayout(record, layout === 'cdnow-sample') : undefined,
    importRecord: (record, lines) => (isImportedRefund(record) ? importRefund(record, lines) : importPurchase(record, lines)),
  };
}

/** The two CDNOW layouts differ in their columns: importing one as the other would misread every row. */
function checkCdnowLayout(record: PurchaseRecord, expectSample: boolean): void {
  if (isImportedRefund(record)) return;
  const sampleLayout = record.sampleCustomerKey !== null;
  if (sampleLayout !== expectSample) {
    const [layout, use] = sampleLayout ? ['sample layout (5 columns)', 'cdnow-sample'] : ['master layout (4 columns)', 'cdnow-master'];
    throw new ImportFormatError(`the file has the CDNOW ${layout}: import it as ${use}`);
  }
}

/**
 * Each customer's first purchase (or cancellation: it reverses an older sale) in the file: when they
 * became a customer (business time). A pass of its own, since rows need not be in time order (the
 * Online Retail sample's are random).
 */
export async function firstPurchasesIn(items: AsyncGenerator<ImportItem<PurchaseRecord>>): Promise<Map<string, string>> {
  const first = new Map<string, string>();
  for await (const item of items) {
    if (item.type !== 'record') continue;
    const known = first.get(item.record.customerKey);
    if (known === undefined || item.record.occurredAt < known) first.set(item.record.customerKey, item.record.occurredAt);
  }
  return first;
}
