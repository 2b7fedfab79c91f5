import {
  ACCESS_KEY_EVENT_TYPES,
  ACCESS_KEY_STREAM_PREFIX,
  type AccessKeyCreatedData,
  type AccessKeyEvent,
} from '../access/access-key.events';
import { CLV_MODEL_STREAM, clvModelDecider } from '../analytics/clv-model.events';
import { customerSegmentsDecider, segmentationRunDecider } from '../analytics/segmentation.events';
import { campaignDecider } from '../campaigns/campaign.decider';
import { CAMPAIGN_EVENT_TYPES } from '../campaigns/campaign.events';
import { complaintDecider } from '../complaints/complaint.decider';
import { COMPLAINT_EVENT_TYPES } from '../complaints/complaint.events';
import { SLA_POLICY_EVENT_TYPES, slaPolicyDecider } from '../complaints/sla-policy-registry';
import { customerDecider } from '../customers/customer.decider';
import { CUSTOMER_EVENT_TYPES } from '../customers/customer.events';
import { emailClaimDecider } from '../customers/email-claim.decider';
import { departmentDecider } from '../departments/department.decider';
import { DEPARTMENT_EVENT_TYPES } from '../departments/department.events';
import { DEPARTMENT_NAME_CLAIM_EVENT_TYPES, departmentNameClaimDecider } from '../departments/department-name-claim.decider';
import type { Decider, DomainEvent } from '../shared/decider/decider';
import type { JsonValue } from '../shared/read-store/read-store.port';
import { customerOwnerDecider } from '../customers/customer-owner.decider';
import { CUSTOMER_OWNER_EVENT_TYPES } from '../customers/customer-owner.events';
import { followUpDecider } from '../follow-ups/follow-up.decider';
import { FOLLOW_UP_EVENT_TYPES } from '../follow-ups/follow-up.events';
import { toJsonView } from './json-view';

/**
 * How the audit folds a stream into the state its decider sees. The kernel knows no feature, so
 * this registry (a feature folder of its own) maps stream-name prefixes to the features' deciders.
 */
export interface StreamFolder {
  /** The event types the decider evolves on; others are left out of the fold and reported. */
  readonly eventTypes: ReadonlySet<string>;
  initialState(): unknown;
  evolve(state: unknown, event: DomainEvent): unknown;
  /** The state as JSON (Sets and Maps serialised). */
  view(state: unknown): JsonValue;
}

export interface StreamKind {
  /** Shown in responses: "customer", "complaint", ... */
  name: string;
  /** Streams of this kind are named `<prefix><id>` (or exactly `prefix` when `exact`). */
  prefix: string;
  exact?: boolean;
  /** Absent for streams with no state worth folding (counters): asking for their state is a 422. */
  folder?: StreamFolder;
}

/** Wraps a typed decider for the registry; the casts are sound because each kind only folds its own event types. */
export function streamFolder<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  eventTypes: readonly Event['type'][],
  toView: (state: State) => JsonValue = toJsonView,
): StreamFolder {
  return {
    eventTypes: new Set(eventTypes),
    initialState: () => decider.initialState(),
    evolve: (state, event) => decider.evolve(state as State, event as Event),
    view: (state) => toView(state as State),
  };
}

/** API keys are kept in a collection; their stream is their audit trail, folded here (no decider decides on it). */
type AccessKeyState = Partial<AccessKeyCreatedData> & { revoked: boolean };
const accessKeyFolder = streamFolder<AccessKeyState, AccessKeyEvent>(
  {
    initialState: () => ({ revoked: false }),
    evolve: (state, event) => (event.type === 'AccessKeyCreated' ? { ...event.data, revoked: false } : { ...state, revoked: true }),
  },
  ACCESS_KEY_EVENT_TYPES,
);

/** Every stream kind Relata writes. Prefixes overlap ("customer-" and "customer-email-"): the longest match wins. */
export const STREAM_KINDS: readonly StreamKind[] = [
  { name: 'customer', prefix: 'customer-', folder: streamFolder(customerDecider, CUSTOMER_EVENT_TYPES) },
  { name: 'email-claim', prefix: 'customer-email-', folder: streamFolder(emailClaimDecider, ['EmailClaimed', 'EmailReleased']) },
  { name: 'customer-segments', prefix: 'customer-segments-', folder: streamFolder(customerSegmentsDecider, ['CustomerSegmentChanged']) },
  { name: 'complaint', prefix: 'complaint-', folder: streamFolder(complaintDecider, COMPLAINT_EVENT_TYPES) },
  // One event per number handed out: the stream is a counter, its "state" is its revision.
  { name: 'complaint-number-counter', prefix: 'complaint-numbers-' },
  { name: 'department', prefix: 'department-', folder: streamFolder(departmentDecider, DEPARTMENT_EVENT_TYPES) },
  {
    name: 'department-name-claim',
    prefix: 'department-name-',
    folder: streamFolder(departmentNameClaimDecider, DEPARTMENT_NAME_CLAIM_EVENT_TYPES),
  },
  { name: 'sla-policy', prefix: 'sla-policy-', folder: streamFolder(slaPolicyDecider, SLA_POLICY_EVENT_TYPES) },
  { name: 'segmentation-run', prefix: 'segmentation-', folder: streamFolder(segmentationRunDecider, ['SegmentationRunCompleted']) },
  { name: 'clv-model', prefix: CLV_MODEL_STREAM, exact: true, folder: streamFolder(clvModelDecider, ['ClvModelFitted']) },
  { name: 'access-key', prefix: ACCESS_KEY_STREAM_PREFIX, folder: accessKeyFolder },
  { name: 'customer-owner', prefix: 'customer-owner-', folder: streamFolder(customerOwnerDecider, CUSTOMER_OWNER_EVENT_TYPES) },
  { name: 'follow-up', prefix: 'follow-up-', folder: streamFolder(followUpDecider, FOLLOW_UP_EVENT_TYPES) },
  { name: 'campaign', prefix: 'campaign-', folder: streamFolder(campaignDecider, CAMPAIGN_EVENT_TYPES) },
];

/** The kind of a stream by its name (longest matching prefix), or undefined for a name no feature writes. */
export function streamKindOf(streamName: string, kinds: readonly StreamKind[] = STREAM_KINDS): StreamKind | undefined {
  let best: StreamKind | undefined;
  for (const kind of kinds) {
    const matches = kind.exact ? streamName === kind.prefix : streamName.startsWith(kind.prefix) && streamName.length > kind.prefix.length;
    if (matches && (best === undefined || kind.prefix.length > best.prefix.length)) best = kind;
  }
  return best;
}
