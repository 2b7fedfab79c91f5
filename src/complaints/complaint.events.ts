import type { DomainEvent } from '../shared/decider/decider';
import type { SourceRef } from '../shared/source-ref';
import type { Severity, SlaPolicy } from './sla-policy';

export type { Severity } from './sla-policy';

export type ComplaintChannel = 'phone' | 'email' | 'web' | 'store' | 'social' | 'letter';
export const COMPLAINT_CHANNELS: readonly ComplaintChannel[] = ['phone', 'email', 'web', 'store', 'social', 'letter'];
/** Channels whose complaints are acknowledged automatically on receipt (the handler decides from config). */
export const DIGITAL_COMPLAINT_CHANNELS: readonly ComplaintChannel[] = ['email', 'web', 'social'];

/** How hard the complaint is to investigate (workload planning); severity drives the SLA. */
export type Difficulty = 'low' | 'medium' | 'high';
export const DIFFICULTIES: readonly Difficulty[] = ['low', 'medium', 'high'];

export type RootCauseCategory =
  'product-defect' | 'service-failure' | 'billing-error' | 'communication' | 'policy' | 'third-party' | 'customer-error' | 'other';
export const ROOT_CAUSE_CATEGORIES: readonly RootCauseCategory[] = [
  'product-defect',
  'service-failure',
  'billing-error',
  'communication',
  'policy',
  'third-party',
  'customer-error',
  'other',
];

/** Corrective: remove the cause for this case. Preventive: stop it happening to others. */
export type ActionKind = 'corrective' | 'preventive';

/**
 * 'closed-at-source': an imported complaint the source system reports closed (e.g. a CFPB complaint
 * "Closed with explanation"); only a registration carrying the source's closure gives it, never
 * CloseComplaint, so CLOSE_REASONS (what a user may choose) leaves it out.
 */
export type CloseReason = 'resolved' | 'invalid' | 'withdrawn' | 'duplicate' | 'no-response' | 'closed-at-source';
export const CLOSE_REASONS: readonly CloseReason[] = ['resolved', 'invalid', 'withdrawn', 'duplicate', 'no-response'];

export type SlaDeadlineKind = 'first-response' | 'resolution';
export type EscalationTrigger = 'sla-breach' | 'manual';
export type ReopenTrigger = 'resolution-rejected' | 'reopen-request';
export type FirstResponseVia = 'progress-update' | 'decision';

/** Status for read models; the state machine is documented in complaint.decider.ts. */
export type ComplaintStatus = 'registered' | 'acknowledged' | 'assessed' | 'graded' | 'investigating' | 'on-hold' | 'resolved' | 'closed';
export const COMPLAINT_STATUSES: readonly ComplaintStatus[] = [
  'registered',
  'acknowledged',
  'assessed',
  'graded',
  'investigating',
  'on-hold',
  'resolved',
  'closed',
];

/**
 * What the system a complaint was imported from says about it, as it says it (the CFPB export's
 * columns): kept on the registration because it is the source's record of the complaint as a whole,
 * known at once when it is imported, and so the statistics can count a complaint under these values
 * from its registration on. Null: the source has no such value (column absent or empty).
 */
export interface ComplaintSourceAttributes {
  company: string | null;
  /** US state (two letters in the CFPB export). */
  state: string | null;
  zip: string | null;
  /** The source's issue and sub-issue, from its fixed taxonomy. */
  issue: string | null;
  subIssue: string | null;
  /** As given, comma-separated ("Older American, Servicemember"). */
  tags: string | null;
  consent: string | null;
  /** The submission channel as the source names it ("Referral", "Postal mail", ...). */
  sourceChannel: string | null;
  companyResponse: string | null;
  companyPublicResponse: string | null;
  timely: boolean | null;
  disputed: boolean | null;
}

/** The stream of one complaint: `complaint-<id>`. */
export const complaintStream = (complaintId: string): string => `complaint-${complaintId}`;

export type ComplaintRegistered = DomainEvent<
  'ComplaintRegistered',
  {
    complaintId: string;
    /** Human-readable, e.g. CMP-2026-000123. */
    number: string;
    customerId: string;
    channel: ComplaintChannel;
    category: string;
    subCategory: string | null;
    product: string | null;
    description: string;
    remedySought: string | null;
    /** When the problem happened, per the customer. */
    occurredAt: string;
    /**
     * Business time: when the organisation received the complaint (the SLA clock start under
     * `clockStartsAt: 'receipt'`): the time of registration, or the source's date for a complaint
     * received before it was registered (an import). The record time is the event's metadata.recordedAt.
     */
    receivedAt: string;
    /** The closed complaint this one follows up (registered after its reopen window expired). */
    followUpOf: string | null;
    /** The record in the system it was imported from; absent or null for complaints registered here. */
    source?: SourceRef | null;
    /** The source's own values, for an imported complaint; absent or null otherwise. */
    sourceAttributes?: ComplaintSourceAttributes | null;
  }
>;
export type ComplaintAcknowledged = DomainEvent<
  'ComplaintAcknowledged',
  { complaintId: string; automatic: boolean; acknowledgedAt: string }
>;
export type ComplaintAssigned = DomainEvent<
  'ComplaintAssigned',
  {
    complaintId: string;
    department: string;
    /** Null: assigned to the department's queue, nobody in particular. */
    assignee: string | null;
    previousDepartment: string | null;
    previousAssignee: string | null;
    by: string;
    assignedAt: string;
  }
>;
export type ComplaintAssessed = DomainEvent<
  'ComplaintAssessed',
  { complaintId: string; valid: boolean; rationale: string; feedbackToCustomer: string | null; assessedAt: string }
>;
export type ComplaintGraded = DomainEvent<
  'ComplaintGraded',
  {
    complaintId: string;
    severity: Severity;
    difficulty: Difficulty;
    /** Null on the first grading; the earlier grade on a regrade. */
    previousSeverity: Severity | null;
    previousDifficulty: Difficulty | null;
    /** The policy pinned at the first grading, copied whole so the deadlines can be recomputed from the stream alone. */
    policy: SlaPolicy;
    clockStartedAt: string;
    /** Time the clock was stopped so far, already added to the due times below. */
    pausedMs: number;
    firstResponseDueAt: string;
    resolutionDueAt: string;
    warningAt: string;
    gradedAt: string;
  }
>;
export type ComplaintPutOnHold = DomainEvent<'ComplaintPutOnHold', { complaintId: string; reason: string; heldAt: string }>;
export type ComplaintResumed = DomainEvent<
  'ComplaintResumed',
  {
    complaintId: string;
    /** How long this hold lasted; already added to the due times below. */
    pausedMs: number;
    firstResponseDueAt: string;
    resolutionDueAt: string;
    warningAt: string;
    resumedAt: string;
  }
>;
export type SlaWarningRaised = DomainEvent<
  'SlaWarningRaised',
  { complaintId: string; deadline: SlaDeadlineKind; dueAt: string; warningAt: string; raisedAt: string }
>;
export type SlaBreached = DomainEvent<'SlaBreached', { complaintId: string; deadline: SlaDeadlineKind; dueAt: string; breachedAt: string }>;
export type EscalationRaised = DomainEvent<
  'EscalationRaised',
  {
    complaintId: string;
    /** 1 for the first escalation of the complaint, then 2, 3, ... */
    level: number;
    trigger: EscalationTrigger;
    /** The breached deadline, for an SLA escalation. */
    deadline: SlaDeadlineKind | null;
    reason: string | null;
    /** Who must be told (the department's supervisor), when known. */
    notify: string | null;
    /** The supervisor who escalated by hand; null for an SLA escalation. */
    by: string | null;
    escalatedAt: string;
  }
>;
export type InvestigationNoteAdded = DomainEvent<
  'InvestigationNoteAdded',
  { complaintId: string; note: string; author: string; addedAt: string }
>;
export type RootCauseRecorded = DomainEvent<
  'RootCauseRecorded',
  { complaintId: string; category: RootCauseCategory; text: string; previousCategory: RootCauseCategory | null; recordedAt: string }
>;
export type ActionOpened = DomainEvent<
  'ActionOpened',
  { complaintId: string; actionId: string; kind: ActionKind; description: string; department: string; dueAt: string; openedAt: string }
>;
export type ActionCompleted = DomainEvent<
  'ActionCompleted',
  { complaintId: string; actionId: string; kind: ActionKind; outcome: string; dueAt: string; onTime: boolean; completedAt: string }
>;
export type ProgressUpdateRecorded = DomainEvent<
  'ProgressUpdateRecorded',
  { complaintId: string; channel: ComplaintChannel; summary: string; sentAt: string }
>;
/** The first substantive response to the customer after grading (a progress update or the decision). */
export type FirstResponseRecorded = DomainEvent<
  'FirstResponseRecorded',
  { complaintId: string; via: FirstResponseVia; dueAt: string; withinSla: boolean; respondedAt: string }
>;
export type ComplaintResolved = DomainEvent<
  'ComplaintResolved',
  { complaintId: string; solution: string; resolutionDueAt: string; withinSla: boolean; resolvedAt: string }
>;
export type DecisionCommunicated = DomainEvent<
  'DecisionCommunicated',
  { complaintId: string; channel: ComplaintChannel; summary: string; communicatedAt: string }
>;
export type ResolutionAccepted = DomainEvent<'ResolutionAccepted', { complaintId: string; acceptedAt: string }>;
export type ResolutionRejected = DomainEvent<'ResolutionRejected', { complaintId: string; reason: string; rejectedAt: string }>;
export type SatisfactionRecorded = DomainEvent<
  'SatisfactionRecorded',
  { complaintId: string; csat: number; nps: number | null; reason: string | null; comment: string | null; recordedAt: string }
>;
export type ComplaintClosed = DomainEvent<
  'ComplaintClosed',
  {
    complaintId: string;
    reason: CloseReason;
    /** Why the complaint was found invalid, as told to the customer (reason 'invalid'). */
    feedbackToCustomer: string | null;
    /** The complaint this one duplicates (reason 'duplicate'). */
    duplicateOf: string | null;
    closedAt: string;
  }
>;
export type ComplaintReopened = DomainEvent<
  'ComplaintReopened',
  {
    complaintId: string;
    trigger: ReopenTrigger;
    reason: string;
    /** The status the complaint returns to. */
    status: ComplaintStatus;
    /** How long the SLA clock was stopped (since resolution, hold or closure); already added to the due times. */
    clockPausedMs: number;
    /** The moved due times; null when the complaint was never graded. */
    firstResponseDueAt: string | null;
    resolutionDueAt: string | null;
    warningAt: string | null;
    reopenedAt: string;
  }
>;

export type ComplaintEvent =
  | ComplaintRegistered
  | ComplaintAcknowledged
  | ComplaintAssigned
  | ComplaintAssessed
  | ComplaintGraded
  | ComplaintPutOnHold
  | ComplaintResumed
  | SlaWarningRaised
  | SlaBreached
  | EscalationRaised
  | InvestigationNoteAdded
  | RootCauseRecorded
  | ActionOpened
  | ActionCompleted
  | ProgressUpdateRecorded
  | FirstResponseRecorded
  | ComplaintResolved
  | DecisionCommunicated
  | ResolutionAccepted
  | ResolutionRejected
  | SatisfactionRecorded
  | ComplaintClosed
  | ComplaintReopened;

export const COMPLAINT_EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintRegistered',
  'ComplaintAcknowledged',
  'ComplaintAssigned',
  'ComplaintAssessed',
  'ComplaintGraded',
  'ComplaintPutOnHold',
  'ComplaintResumed',
  'SlaWarningRaised',
  'SlaBreached',
  'EscalationRaised',
  'InvestigationNoteAdded',
  'RootCauseRecorded',
  'ActionOpened',
  'ActionCompleted',
  'ProgressUpdateRecorded',
  'FirstResponseRecorded',
  'ComplaintResolved',
  'DecisionCommunicated',
  'ResolutionAccepted',
  'ResolutionRejected',
  'SatisfactionRecorded',
  'ComplaintClosed',
  'ComplaintReopened',
];
