/**
 * The `clv-model` projection: every fitted model by id, with its revision in the `clv-model`
 * stream; the current model is the one with the highest revision (the last fit).
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { ClvModelData, ClvModelFitted } from './clv-model.events';

export const CLV_MODEL_PROJECTION = 'clv-model';
export const CLV_MODELS_COLLECTION = 'models';

export type ClvModelDoc = Document &
  ClvModelData & {
    /** Revision in the `clv-model` stream: higher is newer. */
    revision: number;
  };

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (event.type !== 'ClvModelFitted') return;
  const data = event.data as ClvModelFitted['data'];
  await ctx.collection<ClvModelDoc>(CLV_MODELS_COLLECTION).replace(data.modelId, { ...data, revision: Number(event.revision) });
}

export const clvModelProjection: ProjectionDefinition = {
  name: CLV_MODEL_PROJECTION,
  version: 1,
  // Reads no personal field: model parameters only.
  needsPlaintext: false,
  eventTypes: ['ClvModelFitted'],
  collections: { [CLV_MODELS_COLLECTION]: { indexes: [{ keys: { revision: -1 } }] } },
  handle,
};
