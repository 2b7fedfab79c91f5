import type { PersonalDataSpec } from '../shared/privacy/personal-data';

/** A complaint's personal data belongs to the customer who filed it, named by the stream's first event. */
const customer = { path: 'customerId', from: 'stream-start' } as const;

/**
 * The personal data in complaint events, encrypted with the complaining customer's key: what the
 * customer wrote or said (the description, the remedy sought, why they rejected a resolution,
 * their satisfaction comments) and what was written to them or about them as a person
 * (feedback, progress updates, the decision as communicated, investigation notes).
 *
 * Left readable on purpose: the organisation's analysis (assessment rationale, root cause, actions,
 * the solution), which the solutions knowledge base reuses across customers, and categories,
 * products, dates and SLA facts, which the statistics need. Agents must keep personal details
 * out of those fields.
 */
export const COMPLAINT_PERSONAL_DATA: readonly PersonalDataSpec[] = [
  { eventType: 'ComplaintRegistered', subject: customer, fields: ['description', 'remedySought'] },
  { eventType: 'ComplaintAssessed', subject: customer, fields: ['feedbackToCustomer'] },
  { eventType: 'InvestigationNoteAdded', subject: customer, fields: ['note'] },
  { eventType: 'ProgressUpdateRecorded', subject: customer, fields: ['summary'] },
  { eventType: 'DecisionCommunicated', subject: customer, fields: ['summary'] },
  { eventType: 'ResolutionRejected', subject: customer, fields: ['reason'] },
  { eventType: 'SatisfactionRecorded', subject: customer, fields: ['reason', 'comment'] },
  { eventType: 'ComplaintClosed', subject: customer, fields: ['feedbackToCustomer'] },
];
