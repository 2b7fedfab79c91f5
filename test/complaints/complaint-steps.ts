import type { ComplaintStep } from './complaint-history';
import { DEFAULT_SLA_POLICY } from '../../src/complaints/sla-policy';

/** Decider commands (without `now`) for specs, with plain defaults. */
export const steps = {
  register: (
    complaintId: string,
    customerId: string,
    over: Partial<Extract<ComplaintStep, { type: 'RegisterComplaint' }>['data']> = {},
  ): ComplaintStep => ({
    type: 'RegisterComplaint',
    data: {
      complaintId,
      number: over.number ?? 'CMP-2026-000001',
      customerId,
      channel: 'phone',
      category: 'billing',
      subCategory: 'double charge',
      product: 'Gold plan',
      description: 'Charged twice',
      occurredAt: '2026-03-01T00:00:00.000Z',
      customerExists: true,
      autoAcknowledge: false,
      ...over,
    },
  }),
  acknowledge: { type: 'AcknowledgeComplaint' } as ComplaintStep,
  assign: (department: string, assignee: string | null = null): ComplaintStep => ({
    type: 'AssignComplaint',
    data: { department, assignee, by: 'triage' },
  }),
  assessValid: { type: 'AssessValidity', data: { valid: true, rationale: 'confirmed' } } as ComplaintStep,
  grade: (severity: 'low' | 'medium' | 'high' | 'critical' = 'high'): ComplaintStep => ({
    type: 'GradeComplaint',
    data: { severity, difficulty: 'medium', policy: DEFAULT_SLA_POLICY },
  }),
  hold: { type: 'HoldComplaint', data: { reason: 'waiting for documents' } } as ComplaintStep,
  resume: { type: 'ResumeComplaint' } as ComplaintStep,
  note: { type: 'AddInvestigationNote', data: { note: 'looked at the ledger', author: 'agent-7' } } as ComplaintStep,
  rootCause: { type: 'RecordRootCause', data: { category: 'billing-error', text: 'duplicate mandate' } } as ComplaintStep,
  openAction: (actionId: string, department: string): ComplaintStep => ({
    type: 'OpenAction',
    data: { actionId, kind: 'corrective', description: 'cancel the mandate', department, dueAt: '2026-04-01T00:00:00.000Z' },
  }),
  completeAction: (actionId: string): ComplaintStep => ({ type: 'CompleteAction', data: { actionId, outcome: 'cancelled' } }),
  progress: { type: 'RecordProgressUpdate', data: { channel: 'email', summary: 'working on it' } } as ComplaintStep,
  resolve: (solution = 'refunded'): ComplaintStep => ({ type: 'ResolveComplaint', data: { solution } }),
  communicate: (communicatedAt: string): ComplaintStep => ({
    type: 'CommunicateDecision',
    data: { channel: 'phone', summary: 'told them', communicatedAt },
  }),
  accept: { type: 'AcceptResolution' } as ComplaintStep,
  satisfaction: (csat: number): ComplaintStep => ({ type: 'RecordSatisfaction', data: { csat, nps: 8, reason: null, comment: null } }),
  close: (reason: 'resolved' | 'withdrawn' | 'no-response'): ComplaintStep => ({ type: 'CloseComplaint', data: { reason } }),
  reopen: { type: 'ReopenComplaint', data: { reason: 'again', reopenWindowDays: 14 } } as ComplaintStep,
};
