import type { EventDataInventory } from '../shared/privacy/personal-data';

/** A complaint's personal data belongs to the customer who filed it, named by the stream's first event. */
const customer = { path: 'customerId', from: 'stream-start' } as const;

/**
 * The personal data in complaint events, encrypted with the complaining customer's key: every free
 * text written by or about the case can quote the person or describe their circumstances, so all of
 * it is personal: what the customer wrote or said (the description, its sub-category as they put
 * it, the remedy sought, why they rejected a resolution, their satisfaction comments), what was
 * written to them (feedback, progress updates, the decision), and the organisation's notes on the
 * case (assessment rationale, hold and escalation reasons, investigation notes, root cause, actions
 * and their outcome, the solution). A reopening after a rejection repeats the rejection's reason,
 * so it is protected the same way.
 *
 * Left readable: ids, categories, products, channels, enums, dates, SLA facts and staff names,
 * which the statistics, queues and SLA need. Consequence: once a customer is forgotten, the
 * solutions knowledge base shows their case's texts as erased too.
 */
export const COMPLAINT_PERSONAL_DATA: readonly EventDataInventory[] = [
  {
    eventType: 'ComplaintRegistered',
    subject: customer,
    // sourceAttributes (an imported complaint's source values): the ZIP code and the tags (age,
    // military service) describe the consumer; the rest is the source's taxonomy or the company's
    // side, which the statistics group by.
    personal: ['description', 'remedySought', 'subCategory', 'sourceAttributes.zip', 'sourceAttributes.tags'],
    notPersonal: [
      'complaintId',
      'number',
      'customerId',
      'channel',
      'category',
      'product',
      'occurredAt',
      'receivedAt',
      'followUpOf',
      'source.system',
      'source.id',
      'sourceAttributes.company',
      'sourceAttributes.state',
      'sourceAttributes.issue',
      'sourceAttributes.subIssue',
      'sourceAttributes.consent',
      'sourceAttributes.sourceChannel',
      'sourceAttributes.companyResponse',
      'sourceAttributes.companyPublicResponse',
    ],
  },
  { eventType: 'ComplaintAcknowledged', personal: [], notPersonal: ['complaintId', 'acknowledgedAt'] },
  {
    eventType: 'ComplaintAssigned',
    personal: [],
    notPersonal: ['complaintId', 'department', 'assignee', 'previousDepartment', 'previousAssignee', 'by', 'assignedAt'],
  },
  {
    eventType: 'ComplaintAssessed',
    subject: customer,
    personal: ['rationale', 'feedbackToCustomer'],
    notPersonal: ['complaintId', 'assessedAt'],
  },
  {
    eventType: 'ComplaintGraded',
    personal: [],
    notPersonal: [
      'complaintId',
      'severity',
      'difficulty',
      'previousSeverity',
      'previousDifficulty',
      'policy.id',
      'policy.clockStartsAt',
      'policy.valueTiers[].segment',
      'policy.valueSegment',
      'clockStartedAt',
      'firstResponseDueAt',
      'resolutionDueAt',
      'warningAt',
      'gradedAt',
    ],
  },
  { eventType: 'ComplaintPutOnHold', subject: customer, personal: ['reason'], notPersonal: ['complaintId', 'heldAt'] },
  {
    eventType: 'ComplaintResumed',
    personal: [],
    notPersonal: ['complaintId', 'firstResponseDueAt', 'resolutionDueAt', 'warningAt', 'resumedAt'],
  },
  { eventType: 'SlaWarningRaised', personal: [], notPersonal: ['complaintId', 'deadline', 'dueAt', 'warningAt', 'raisedAt'] },
  { eventType: 'SlaBreached', personal: [], notPersonal: ['complaintId', 'deadline', 'dueAt', 'breachedAt'] },
  {
    eventType: 'EscalationRaised',
    subject: customer,
    personal: ['reason'],
    notPersonal: ['complaintId', 'trigger', 'deadline', 'notify', 'by', 'escalatedAt'],
  },
  { eventType: 'InvestigationNoteAdded', subject: customer, personal: ['note'], notPersonal: ['complaintId', 'author', 'addedAt'] },
  {
    eventType: 'RootCauseRecorded',
    subject: customer,
    personal: ['text'],
    notPersonal: ['complaintId', 'category', 'previousCategory', 'recordedAt'],
  },
  {
    eventType: 'ActionOpened',
    subject: customer,
    personal: ['description'],
    notPersonal: ['complaintId', 'actionId', 'kind', 'department', 'dueAt', 'openedAt'],
  },
  {
    eventType: 'ActionCompleted',
    subject: customer,
    personal: ['outcome'],
    notPersonal: ['complaintId', 'actionId', 'kind', 'dueAt', 'completedAt'],
  },
  { eventType: 'ProgressUpdateRecorded', subject: customer, personal: ['summary'], notPersonal: ['complaintId', 'channel', 'sentAt'] },
  { eventType: 'FirstResponseRecorded', personal: [], notPersonal: ['complaintId', 'via', 'dueAt', 'respondedAt'] },
  {
    eventType: 'ComplaintResolved',
    subject: customer,
    personal: ['solution'],
    notPersonal: ['complaintId', 'resolutionDueAt', 'resolvedAt'],
  },
  {
    eventType: 'DecisionCommunicated',
    subject: customer,
    personal: ['summary'],
    notPersonal: ['complaintId', 'channel', 'communicatedAt'],
  },
  { eventType: 'ResolutionAccepted', personal: [], notPersonal: ['complaintId', 'acceptedAt'] },
  { eventType: 'ResolutionRejected', subject: customer, personal: ['reason'], notPersonal: ['complaintId', 'rejectedAt'] },
  { eventType: 'SatisfactionRecorded', subject: customer, personal: ['reason', 'comment'], notPersonal: ['complaintId', 'recordedAt'] },
  {
    eventType: 'ComplaintClosed',
    subject: customer,
    personal: ['feedbackToCustomer'],
    notPersonal: ['complaintId', 'reason', 'duplicateOf', 'closedAt'],
  },
  {
    eventType: 'ComplaintReopened',
    subject: customer,
    personal: ['reason'],
    notPersonal: ['complaintId', 'trigger', 'status', 'firstResponseDueAt', 'resolutionDueAt', 'warningAt', 'reopenedAt'],
  },
  {
    eventType: 'SlaPolicyPublished',
    personal: [],
    notPersonal: ['policy.id', 'policy.clockStartsAt', 'policy.valueTiers[].segment', 'policy.valueSegment', 'publishedAt'],
  },
];
