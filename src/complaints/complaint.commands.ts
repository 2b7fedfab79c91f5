/**
 * The commands of the complaint decider (complaint.decider.ts). Every command carries `now`
 * (ISO 8601) from the injected clock: the decider never reads a clock. Facts from other streams
 * (the customer exists, the supervisor to notify) are looked up by the handler and arrive here.
 */
import type { SourceRef } from '../shared/source-ref';
import type {
  ActionKind,
  CloseReason,
  ComplaintChannel,
  ComplaintSourceAttributes,
  Difficulty,
  RootCauseCategory,
  SlaDeadlineKind,
} from './complaint.events';
import type { Severity, SlaPolicy } from './sla-policy';

export type RegisterComplaint = {
  type: 'RegisterComplaint';
  data: {
    complaintId: string;
    /** Computed by the handler (e.g. CMP-2026-000123). */
    number: string;
    customerId: string;
    channel: ComplaintChannel;
    category: string;
    subCategory?: string | null;
    product?: string | null;
    description: string;
    remedySought?: string | null;
    occurredAt: string;
    followUpOf?: string | null;
    /** Business time of receipt, for a complaint received before it is registered (an import); default now. */
    receivedAt?: string;
    /** Business time of the acknowledgement, when it was acknowledged before registration (an import). */
    acknowledgedAt?: string;
    source?: SourceRef | null;
    /** An imported complaint's values as its source gives them. */
    sourceAttributes?: ComplaintSourceAttributes | null;
    /**
     * Business time of the closure, for a complaint its source reports closed (an import): closed
     * as 'closed-at-source' in the same decision. Requires an acknowledgement time (a complaint is
     * not closed before the organisation had it) and comes no earlier than it.
     */
    closedAt?: string;
    /** Looked up by the handler: whether the customer exists. */
    customerExists: boolean;
    /** From configuration: whether this channel is acknowledged on receipt. */
    autoAcknowledge: boolean;
  };
  now: string;
};
export type AcknowledgeComplaint = { type: 'AcknowledgeComplaint'; now: string };
export type AssignComplaint = {
  type: 'AssignComplaint';
  data: { department: string; assignee: string | null; by: string };
  now: string;
};
export type AssessValidity = {
  type: 'AssessValidity';
  data: { valid: boolean; rationale: string; feedbackToCustomer?: string | null };
  now: string;
};
export type GradeComplaint = {
  type: 'GradeComplaint';
  /** `policy` is the one in force; a regrade ignores it and keeps the pinned one. */
  /** customerSegments: the customer's segment per scheme at grading time, for the policy's value tiers (absent: none). */
  data: { severity: Severity; difficulty: Difficulty; policy: SlaPolicy; customerSegments?: Readonly<Record<string, string | null>> };
  now: string;
};
export type HoldComplaint = { type: 'HoldComplaint'; data: { reason: string }; now: string };
export type ResumeComplaint = { type: 'ResumeComplaint'; now: string };
export type RecordSlaWarning = {
  type: 'RecordSlaWarning';
  /** The resolution due time the scheduler computed the warning for. */
  data: { dueAt: string };
  now: string;
};
export type RecordSlaBreach = {
  type: 'RecordSlaBreach';
  /** supervisorId: looked up by the handler, the supervisor of the department holding the complaint. */
  data: { deadline: SlaDeadlineKind; dueAt: string; supervisorId: string | null };
  now: string;
};
export type EscalateComplaint = {
  type: 'EscalateComplaint';
  data: { reason: string; by: string; notify: string | null };
  now: string;
};
export type AddInvestigationNote = { type: 'AddInvestigationNote'; data: { note: string; author: string }; now: string };
export type RecordRootCause = {
  type: 'RecordRootCause';
  data: { category: RootCauseCategory; text: string };
  now: string;
};
export type OpenAction = {
  type: 'OpenAction';
  data: { actionId: string; kind: ActionKind; description: string; department: string; dueAt: string };
  now: string;
};
export type CompleteAction = { type: 'CompleteAction'; data: { actionId: string; outcome: string }; now: string };
export type RecordProgressUpdate = {
  type: 'RecordProgressUpdate';
  data: { channel: ComplaintChannel; summary: string };
  now: string;
};
export type ResolveComplaint = { type: 'ResolveComplaint'; data: { solution: string }; now: string };
export type CommunicateDecision = {
  type: 'CommunicateDecision';
  data: { channel: ComplaintChannel; summary: string; communicatedAt: string };
  now: string;
};
export type AcceptResolution = { type: 'AcceptResolution'; now: string };
export type RejectResolution = { type: 'RejectResolution'; data: { reason: string }; now: string };
export type RecordSatisfaction = {
  type: 'RecordSatisfaction';
  data: { csat: number; nps?: number | null; reason?: string | null; comment?: string | null };
  now: string;
};
export type CloseComplaint = {
  type: 'CloseComplaint';
  data: {
    reason: CloseReason;
    duplicateOf?: string | null;
    /** Looked up by the handler when closing as duplicate: whether the other complaint exists. */
    duplicateOfExists?: boolean;
  };
  now: string;
};
export type ReopenComplaint = {
  type: 'ReopenComplaint';
  /** reopenWindowDays: from configuration (default 14). */
  data: { reason: string; reopenWindowDays: number };
  now: string;
};

export type ComplaintCommand =
  | RegisterComplaint
  | AcknowledgeComplaint
  | AssignComplaint
  | AssessValidity
  | GradeComplaint
  | HoldComplaint
  | ResumeComplaint
  | RecordSlaWarning
  | RecordSlaBreach
  | EscalateComplaint
  | AddInvestigationNote
  | RecordRootCause
  | OpenAction
  | CompleteAction
  | RecordProgressUpdate
  | ResolveComplaint
  | CommunicateDecision
  | AcceptResolution
  | RejectResolution
  | RecordSatisfaction
  | CloseComplaint
  | ReopenComplaint;
