import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { ComplaintEvent, RootCauseCategory } from './complaint.events';

export const COMPLAINT_SOLUTIONS_PROJECTION = 'complaint-solutions';
export const SOLUTIONS_COLLECTION = 'solutions';

/**
 * What resolved complaints teach (`GET /solutions`): the case, its root cause and the solution,
 * so agents facing a similar complaint can reuse them. One document per complaint, kept from
 * registration (for the case facts) but only `published` while the complaint stands resolved:
 * a reopen withdraws the solution until the complaint is resolved again.
 */
export type Solution = {
  complaintId: string;
  number: string;
  category: string;
  subCategory: string | null;
  product: string | null;
  rootCause: { category: RootCauseCategory; text: string } | null;
  solution: string | null;
  resolvedAt: string | null;
  /** The customer's answer to the resolution, once given. */
  accepted: boolean | null;
  csat: number | null;
  published: boolean;
};

export type SolutionDoc = Document & Solution;

const HANDLED: readonly ComplaintEvent['type'][] = [
  'ComplaintRegistered',
  'RootCauseRecorded',
  'ComplaintResolved',
  'ResolutionAccepted',
  'ResolutionRejected',
  'SatisfactionRecorded',
  'ComplaintReopened',
];

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const solutions = ctx.collection<SolutionDoc>(SOLUTIONS_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  const id = e.data.complaintId;
  switch (e.type) {
    case 'ComplaintRegistered': {
      const { number, category, subCategory, product } = e.data;
      await solutions.replace(id, {
        complaintId: id,
        number,
        category,
        subCategory,
        product,
        rootCause: null,
        solution: null,
        resolvedAt: null,
        accepted: null,
        csat: null,
        published: false,
      });
      return;
    }
    case 'RootCauseRecorded':
      await solutions.update(id, { $set: { rootCause: { category: e.data.category, text: e.data.text } } });
      return;
    case 'ComplaintResolved':
      await solutions.update(id, {
        $set: { solution: e.data.solution, resolvedAt: e.data.resolvedAt, accepted: null, csat: null, published: true },
      });
      return;
    case 'ResolutionAccepted':
      await solutions.update(id, { $set: { accepted: true } });
      return;
    case 'ResolutionRejected':
      await solutions.update(id, { $set: { accepted: false } });
      return;
    case 'SatisfactionRecorded':
      await solutions.update(id, { $set: { csat: e.data.csat } });
      return;
    case 'ComplaintReopened':
      await solutions.update(id, { $set: { published: false } });
      return;
  }
}

export const complaintSolutionsProjection: ProjectionDefinition = {
  name: COMPLAINT_SOLUTIONS_PROJECTION,
  version: 1,
  // Reads personal fields: sub-category, root cause and solution texts are published.
  needsPlaintext: true,
  // Complaint texts are the customer's personal data: a forget rebuilds this read model.
  rebuildOnErasure: true,
  eventTypes: HANDLED,
  collections: {
    [SOLUTIONS_COLLECTION]: {
      indexes: [
        { keys: { published: 1, resolvedAt: -1 } },
        { keys: { published: 1, category: 1, resolvedAt: -1 } },
        { keys: { published: 1, product: 1, resolvedAt: -1 } },
        { keys: { published: 1, category: 1, product: 1, resolvedAt: -1 } },
      ],
    },
  },
  handle,
};
