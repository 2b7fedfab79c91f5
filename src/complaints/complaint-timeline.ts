import { type ComplaintEvent } from './complaint.events';

const list = (items: string[]): string => items.filter(Boolean).join(', ');

/** The timeline line of one event: when, and a short human summary. */
export function timelineStep(e: ComplaintEvent): { at: string; summary: string } {
  switch (e.type) {
    case 'ComplaintRegistered':
      return {
        at: e.data.receivedAt,
        summary: `Registered ${e.data.number} via ${e.data.channel}: ${list([e.data.category, e.data.subCategory ?? '', e.data.product ?? ''])}`,
      };
    case 'ComplaintAcknowledged':
      return { at: e.data.acknowledgedAt, summary: e.data.automatic ? 'Acknowledged automatically on receipt' : 'Acknowledged' };
    case 'ComplaintAssigned':
      return { at: e.data.assignedAt, summary: `Assigned to ${e.data.department}${e.data.assignee ? ` (${e.data.assignee})` : ''}` };
    case 'ComplaintAssessed':
      return { at: e.data.assessedAt, summary: `Assessed ${e.data.valid ? 'valid' : 'invalid'}: ${e.data.rationale}` };
    case 'ComplaintGraded':
      return {
        at: e.data.gradedAt,
        summary: `${e.data.previousSeverity ? 'Regraded' : 'Graded'} severity ${e.data.severity}, difficulty ${e.data.difficulty} (SLA policy ${e.data.policy.id} v${e.data.policy.version}); resolution due ${e.data.resolutionDueAt}`,
      };
    case 'ComplaintPutOnHold':
      return { at: e.data.heldAt, summary: `Put on hold: ${e.data.reason}` };
    case 'ComplaintResumed':
      return { at: e.data.resumedAt, summary: `Resumed; resolution now due ${e.data.resolutionDueAt}` };
    case 'SlaWarningRaised':
      return { at: e.data.raisedAt, summary: `SLA warning: ${e.data.deadline} due ${e.data.dueAt}` };
    case 'SlaBreached':
      return { at: e.data.breachedAt, summary: `SLA breached: ${e.data.deadline} was due ${e.data.dueAt}` };
    case 'EscalationRaised':
      return {
        at: e.data.escalatedAt,
        summary: `Escalated to level ${e.data.level} (${e.data.trigger === 'manual' ? (e.data.reason ?? 'manual') : `${e.data.deadline ?? 'SLA'} breach`})`,
      };
    case 'InvestigationNoteAdded':
      return { at: e.data.addedAt, summary: 'Investigation note added' };
    case 'RootCauseRecorded':
      return { at: e.data.recordedAt, summary: `Root cause (${e.data.category}): ${e.data.text}` };
    case 'ActionOpened':
      return {
        at: e.data.openedAt,
        summary: `${e.data.kind === 'corrective' ? 'Corrective' : 'Preventive'} action opened for ${e.data.department}, due ${e.data.dueAt}: ${e.data.description}`,
      };
    case 'ActionCompleted':
      return {
        at: e.data.completedAt,
        summary: `${e.data.kind === 'corrective' ? 'Corrective' : 'Preventive'} action completed${e.data.onTime ? '' : ' late'}: ${e.data.outcome}`,
      };
    case 'ProgressUpdateRecorded':
      return { at: e.data.sentAt, summary: `Progress update via ${e.data.channel}: ${e.data.summary}` };
    case 'FirstResponseRecorded':
      return { at: e.data.respondedAt, summary: `First response (${e.data.via}) ${e.data.withinSla ? 'within' : 'after'} the SLA` };
    case 'ComplaintResolved':
      return { at: e.data.resolvedAt, summary: `Resolved ${e.data.withinSla ? 'within' : 'after'} the SLA: ${e.data.solution}` };
    case 'DecisionCommunicated':
      return { at: e.data.communicatedAt, summary: `Decision communicated via ${e.data.channel}: ${e.data.summary}` };
    case 'ResolutionAccepted':
      return { at: e.data.acceptedAt, summary: 'The customer accepted the resolution' };
    case 'ResolutionRejected':
      return { at: e.data.rejectedAt, summary: `The customer rejected the resolution: ${e.data.reason}` };
    case 'SatisfactionRecorded':
      return { at: e.data.recordedAt, summary: `Satisfaction: CSAT ${e.data.csat}${e.data.nps === null ? '' : `, NPS ${e.data.nps}`}` };
    case 'ComplaintClosed':
      return { at: e.data.closedAt, summary: `Closed (${e.data.reason}${e.data.duplicateOf ? ` of ${e.data.duplicateOf}` : ''})` };
    case 'ComplaintReopened':
      return { at: e.data.reopenedAt, summary: `Reopened (${e.data.trigger}): ${e.data.reason}` };
  }
}
