/**
 * The `source-ids` projection: every record imported from another system (or registered with a
 * source reference over the API) under its id there, so it can be found by the id the source
 * uses: CDNOW customer "00004", Online Retail CustomerID 17850, CFPB Complaint ID 3156483.
 *
 * One document per (system, source id, kind), `_id` = `<system>/<kind>/<normalised id>`. Source
 * ids are identifiers, not personal data (see src/shared/source-ref.ts): a forgotten customer is
 * still found by theirs, as by their own id, and shows as forgotten.
 */
import type { CustomerEvent } from '../customers/customer.events';
import type { ComplaintEvent } from '../complaints/complaint.events';
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { normaliseSourceId } from './source-ids';

export const SOURCE_IDS_PROJECTION = 'source-ids';
export const SOURCE_RECORDS_COLLECTION = 'records';

export type SourceRecordKind = 'customer' | 'complaint';

export interface SourceRecordDoc extends Document {
  system: string;
  /** As the source wrote it when imported (normalised). */
  sourceId: string;
  kind: SourceRecordKind;
  /** The record's id in Relata. */
  id: string;
  /** Business time: customer since / complaint received. */
  since: string;
}

export const sourceRecordId = (system: string, kind: SourceRecordKind, sourceId: string): string =>
  `${system}/${kind}/${normaliseSourceId(system, sourceId)}`;

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const records = ctx.collection<SourceRecordDoc>(SOURCE_RECORDS_COLLECTION);
  const e = { type: event.type, data: event.data } as CustomerEvent | ComplaintEvent;
  if (e.type === 'CustomerRegistered' && e.data.source) {
    const { system, id } = e.data.source;
    await records.replace(sourceRecordId(system, 'customer', id), {
      system,
      sourceId: normaliseSourceId(system, id),
      kind: 'customer',
      id: e.data.customerId,
      since: e.data.customerSince ?? e.data.registeredAt,
    });
  }
  if (e.type === 'ComplaintRegistered' && e.data.source) {
    const { system, id } = e.data.source;
    await records.replace(sourceRecordId(system, 'complaint', id), {
      system,
      sourceId: normaliseSourceId(system, id),
      kind: 'complaint',
      id: e.data.complaintId,
      since: e.data.receivedAt,
    });
  }
}

export const sourceIdsProjection: ProjectionDefinition = {
  name: SOURCE_IDS_PROJECTION,
  version: 1,
  // Reads no personal field: only source references, ids and times.
  needsPlaintext: false,
  eventTypes: ['CustomerRegistered', 'ComplaintRegistered'],
  collections: { [SOURCE_RECORDS_COLLECTION]: { indexes: [{ keys: { system: 1, sourceId: 1 } }] } },
  handle,
};
