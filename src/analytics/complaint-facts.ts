import type { ComplaintStatus } from '../complaints/complaint.events';

/**
 * What complaint statistics know of one complaint: its dimensions, the times it went through and
 * the outcomes. Kept by complaint-stats.projection.ts, counted by complaint-stats.ts and its
 * buckets; in a file of its own so those three read it without importing one another in a circle.
 */
export interface ComplaintFacts {
  complaintId: string;
  number: string;
  customerId: string;
  status: ComplaintStatus;
  category: string;
  product: string | null;
  channel: string;
  department: string | null;
  severity: string | null;
  registeredAt: string;
  acknowledgedAt: string | null;
  valid: boolean | null;
  resolvedAt: string | null;
  resolutionWithinSla: boolean | null;
  breachedFirstResponse: boolean;
  breachedResolution: boolean;
  everResolvedOrClosed: boolean;
  reopenCount: number;
  csat: number | null;
  nps: number | null;
  closedAt: string | null;
  closeReason: string | null;
  company: string | null;
  state: string | null;
  issue: string | null;
  subIssue: string | null;
  sourceChannel: string | null;
  companyResponse: string | null;
  timely: YesNo | null;
  disputed: YesNo | null;
}

export type YesNo = 'yes' | 'no';
