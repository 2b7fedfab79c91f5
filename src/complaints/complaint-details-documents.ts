import type { Document } from '../shared/read-store/read-store.port';
import {
  type ActionKind,
  type CloseReason,
  type ComplaintChannel,
  type ComplaintStatus,
  type Difficulty,
  type EscalationTrigger,
  type FirstResponseVia,
  type ReopenTrigger,
  type RootCauseCategory,
  type SlaDeadlineKind,
} from './complaint.events';
import { type ComplaintStatusFacts } from './complaint-status';
import type { Severity } from './sla-policy';

// The documents of the complaint-details projection: a complaint's details and its work-queue line.

export interface TimelineEntry {
  /** The event type, e.g. ComplaintAssigned. */
  type: string;
  /** When the step happened (the time the event records, e.g. assignedAt). */
  at: string;
  /** Who did it (the request's subject, or system:... for automatic steps). */
  actor: string;
  summary: string;
}

export interface HolderView {
  department: string;
  assignee: string | null;
  by: string;
  from: string;
  to: string | null;
}

export interface ActionView {
  actionId: string;
  kind: ActionKind;
  description: string;
  department: string;
  dueAt: string;
  openedAt: string;
  status: 'open' | 'completed';
  outcome: string | null;
  onTime: boolean | null;
  completedAt: string | null;
}

export interface SlaView {
  policyId: string;
  policyVersion: number;
  clockStartedAt: string;
  /** Time the clock was stopped so far (holds, resolution, closure), already added to the due times. */
  pausedMs: number;
  firstResponseDueAt: string;
  resolutionDueAt: string;
  warningAt: string;
  firstResponse: { via: FirstResponseVia; withinSla: boolean; respondedAt: string } | null;
  warningRaisedAt: string | null;
  breaches: { deadline: SlaDeadlineKind; dueAt: string; breachedAt: string }[];
}

/**
 * One complaint as `GET /complaints/:id` serves it (the parts that depend on the time of reading
 * are added by the query). Read-model shapes are type aliases, not interfaces, so that they are
 * assignable to the read store's Document.
 */
export type ComplaintDetails = {
  complaintId: string;
  number: string;
  status: ComplaintStatus;
  facts: ComplaintStatusFacts;
  customerId: string;
  channel: ComplaintChannel;
  category: string;
  subCategory: string | null;
  product: string | null;
  description: string;
  remedySought: string | null;
  occurredAt: string;
  receivedAt: string;
  acknowledgement: { automatic: boolean; acknowledgedAt: string } | null;
  /** The current holder; `holders` keeps every one in order. */
  holder: HolderView | null;
  holders: HolderView[];
  assessment: { valid: boolean; rationale: string; feedbackToCustomer: string | null; assessedAt: string } | null;
  severity: Severity | null;
  difficulty: Difficulty | null;
  gradedAt: string | null;
  sla: SlaView | null;
  /** When the SLA clock stopped (hold, resolution, closure); null while it runs. */
  clockStoppedAt: string | null;
  hold: { reason: string; since: string } | null;
  escalationLevel: number;
  escalations: {
    level: number;
    trigger: EscalationTrigger;
    deadline: SlaDeadlineKind | null;
    reason: string | null;
    notify: string | null;
    by: string | null;
    escalatedAt: string;
  }[];
  notes: { note: string; author: string; addedAt: string }[];
  rootCause: { category: RootCauseCategory; text: string; recordedAt: string } | null;
  actions: ActionView[];
  progressUpdates: { channel: ComplaintChannel; summary: string; sentAt: string }[];
  resolution: { solution: string; resolvedAt: string; resolutionDueAt: string; withinSla: boolean } | null;
  communication: { channel: ComplaintChannel; summary: string; communicatedAt: string } | null;
  customerResponse: { outcome: 'accepted' | 'rejected'; reason: string | null; at: string } | null;
  satisfaction: { csat: number; nps: number | null; reason: string | null; comment: string | null; recordedAt: string } | null;
  closure: { reason: CloseReason; feedbackToCustomer: string | null; duplicateOf: string | null; closedAt: string } | null;
  reopenings: { trigger: ReopenTrigger; reason: string; reopenedAt: string }[];
  links: {
    followUpOf: { complaintId: string; number: string | null } | null;
    followUps: { complaintId: string; number: string; registeredAt: string }[];
  };
  timeline: TimelineEntry[];
  /** Stream revision of the last event applied: the ETag of the resource. */
  revision: number;
  updatedAt: string;
};

export type ComplaintDetailsDoc = Document & ComplaintDetails;

/** One line of a work queue (`GET /complaints`): what agents sort and filter by. */
export type WorkQueueItem = {
  complaintId: string;
  number: string;
  status: ComplaintStatus;
  customerId: string;
  channel: ComplaintChannel;
  category: string;
  product: string | null;
  severity: Severity | null;
  department: string | null;
  assignee: string | null;
  escalationLevel: number;
  receivedAt: string;
  /** Null once the first response was given (or before grading). */
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The earliest deadline still pending; null when none is (not graded, resolved and answered, closed). */
  nextDueAt: string | null;
  clockStoppedAt: string | null;
  /** The SLA clock runs (graded, not on hold, resolved or closed). */
  clockRunning: boolean;
  /** The clock stopped with a deadline already passed: overdue until it runs again. */
  overdueWhileStopped: boolean;
  /** resolutionDueAt, or NO_DUE_DATE: the queue's sort key. */
  sortDueAt: string;
  /** Lower-cased number, category, sub-category, product and description, for the `q` search (not served). */
  search: string;
  revision: number;
  updatedAt: string;
};

export type WorkQueueItemDoc = Document & WorkQueueItem;
