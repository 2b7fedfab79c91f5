import { complaintDecider } from '../../src/complaints/complaint.decider';
import type { ComplaintEvent } from '../../src/complaints/complaint.events';
import { DEFAULT_SLA_POLICY, HOUR_MS, type SlaPolicy } from '../../src/complaints/sla-policy';
import {
  acknowledged,
  after,
  assessedValid,
  closed,
  closedH,
  cmd,
  complaints,
  dataOf,
  grade,
  graded,
  gradedH,
  id,
  investigatingH,
  onHold,
  register,
  registered,
  reopen,
  resolvedH,
  resume,
  stateOf,
  T,
  triaged,
} from './complaint-decider-fixtures';

describe('complaint decider', () => {
  describe('RegisterComplaint', () => {
    it('registers the form, received now, optional fields as null', () => complaints.given([]).when(register()).then([registered()]));

    it('keeps sub-category, product, remedy sought and the complaint it follows up', () =>
      complaints
        .given([])
        .when(register({ subCategory: 'double charge', product: 'Fibre 1G', remedySought: 'Refund', followUpOf: 'cmp-0' }))
        .then([registered({ subCategory: 'double charge', product: 'Fibre 1G', remedySought: 'Refund', followUpOf: 'cmp-0' })]));

    it('acknowledges on receipt when configured to (digital channels)', () =>
      complaints
        .given([])
        .when(register({ channel: 'email', autoAcknowledge: true }))
        .then([
          registered({ channel: 'email' }),
          { type: 'ComplaintAcknowledged', data: { complaintId: id, automatic: true, acknowledgedAt: T.received } },
        ]));

    it('accepts a problem that occurred at the very moment of receipt', () =>
      complaints
        .given([])
        .when(register({ occurredAt: T.received }))
        .then([registered({ occurredAt: T.received })]));

    it('registers a complaint received and acknowledged before its registration (business time), e.g. imported', () =>
      complaints
        .given([])
        .when(
          register({
            channel: 'email',
            autoAcknowledge: true,
            receivedAt: T.occurred,
            acknowledgedAt: T.occurred,
            source: { system: 'cfpb', id: '42' },
          }),
        )
        .then([
          registered({ channel: 'email', receivedAt: T.occurred, source: { system: 'cfpb', id: '42' } }),
          { type: 'ComplaintAcknowledged', data: { complaintId: id, automatic: false, acknowledgedAt: T.occurred } },
        ]));

    it('acknowledges on receipt at the business time of the receipt', () =>
      complaints
        .given([])
        .when(register({ channel: 'email', autoAcknowledge: true, receivedAt: T.occurred }))
        .then([
          registered({ channel: 'email', receivedAt: T.occurred }),
          { type: 'ComplaintAcknowledged', data: { complaintId: id, automatic: true, acknowledgedAt: T.occurred } },
        ]));

    it('refuses impossible business times: received in the future or before the problem, acknowledged before receipt or in the future', () => {
      complaints
        .given([])
        .when(register({ receivedAt: '2026-03-02T09:00:00.001Z' }))
        .thenFails('OCCURRED_IN_FUTURE', 422);
      complaints
        .given([])
        .when(register({ occurredAt: T.received, receivedAt: T.occurred }))
        .thenFails('RECEIVED_BEFORE_OCCURRENCE', 422);
      complaints
        .given([])
        .when(register({ receivedAt: T.received, acknowledgedAt: T.occurred }))
        .thenFails('ACKNOWLEDGED_BEFORE_RECEIPT', 422);
      complaints
        .given([])
        .when(register({ acknowledgedAt: '2026-03-02T09:00:00.001Z' }))
        .thenFails('OCCURRED_IN_FUTURE', 422);
    });

    describe('a complaint its source reports closed (an import)', () => {
      const attributes = {
        company: 'BANK',
        state: 'NY',
        zip: '100XX',
        issue: 'Trouble',
        subIssue: null,
        tags: 'Servicemember',
        consent: 'Consent provided',
        sourceChannel: 'Referral',
        companyResponse: 'Closed with explanation',
        companyPublicResponse: null,
        timely: true,
        disputed: null,
      };
      const source = { system: 'cfpb', id: '42' };

      it('is registered with the source values, acknowledged and closed at source at the business times given', () =>
        complaints
          .given([])
          .when(
            register({ receivedAt: T.occurred, acknowledgedAt: T.occurred, closedAt: T.occurred, source, sourceAttributes: attributes }),
          )
          .then([
            registered({ receivedAt: T.occurred, source, sourceAttributes: attributes }),
            { type: 'ComplaintAcknowledged', data: { complaintId: id, automatic: false, acknowledgedAt: T.occurred } },
            {
              type: 'ComplaintClosed',
              data: { complaintId: id, reason: 'closed-at-source', feedbackToCustomer: null, duplicateOf: null, closedAt: T.occurred },
            },
          ]));

      it('refuses a closure without an acknowledgement, before it, or in the future', () => {
        complaints
          .given([])
          .when(register({ receivedAt: T.occurred, closedAt: T.occurred }))
          .thenFails('CLOSED_BEFORE_ACKNOWLEDGEMENT', 422);
        complaints
          .given([])
          .when(register({ receivedAt: T.occurred, acknowledgedAt: T.received, closedAt: T.occurred }))
          .thenFails('CLOSED_BEFORE_ACKNOWLEDGEMENT', 422);
        complaints
          .given([])
          .when(register({ acknowledgedAt: T.received, closedAt: '2026-03-02T09:00:00.001Z' }))
          .thenFails('OCCURRED_IN_FUTURE', 422);
      });

      it('is closed: it takes no further step, and nobody closes a complaint "at source" by hand', () => {
        const closedAtSource: ComplaintEvent = {
          type: 'ComplaintClosed',
          data: { complaintId: id, reason: 'closed-at-source', feedbackToCustomer: null, duplicateOf: null, closedAt: T.acknowledged },
        };
        expect(stateOf([registered(), acknowledged, closedAtSource]).status).toBe('closed');
        complaints
          .given([registered(), acknowledged, closedAtSource])
          .when(cmd({ type: 'AcknowledgeComplaint', now: T.now }))
          .thenFails('COMPLAINT_ALREADY_CLOSED', 422);
        complaints
          .given([registered(), acknowledged])
          .when(cmd({ type: 'CloseComplaint', data: { reason: 'closed-at-source' }, now: T.now }))
          .thenFails('CLOSE_REASON_REQUIRES_SOURCE', 422);
        expect(complaintDecider.occurredAt?.(closedAtSource as never)).toBe(T.acknowledged);
      });
    });

    it('names the business time of an acknowledgement for the event metadata', () => {
      expect(complaintDecider.occurredAt?.(acknowledged as never)).toBe(T.acknowledged);
      expect(complaintDecider.occurredAt?.(registered() as never)).toBeUndefined();
    });

    it('refuses a problem dated in the future', () =>
      complaints
        .given([])
        .when(register({ occurredAt: '2026-03-02T09:00:00.001Z' }))
        .thenFails('OCCURRED_IN_FUTURE', 422));

    it('refuses an unknown customer', () =>
      complaints
        .given([])
        .when(register({ customerExists: false }))
        .thenFails('CUSTOMER_NOT_FOUND', 422));

    it('refuses an id used before', () => complaints.given([registered()]).when(register()).thenFails('COMPLAINT_ALREADY_EXISTS', 422));

    it('refuses to follow up itself', () =>
      complaints
        .given([])
        .when(register({ followUpOf: id }))
        .thenFails('FOLLOW_UP_OF_SELF', 422));
  });

  describe('AcknowledgeComplaint', () => {
    const acknowledge = cmd({ type: 'AcknowledgeComplaint', now: T.acknowledged });

    it('acknowledges by hand', () => complaints.given([registered()]).when(acknowledge).then([acknowledged]));

    it('refuses a second acknowledgement, also after an automatic one', () =>
      complaints
        .given([registered(), { type: 'ComplaintAcknowledged', data: { complaintId: id, automatic: true, acknowledgedAt: T.received } }])
        .when(acknowledge)
        .thenFails('COMPLAINT_ALREADY_ACKNOWLEDGED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(acknowledge).thenFails('COMPLAINT_NOT_FOUND', 404));

    it('refuses a closed complaint', () =>
      complaints
        .given([registered(), closed('withdrawn', T.acknowledged)])
        .when(acknowledge)
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422));
  });

  describe('AssignComplaint', () => {
    const assign = (department: string, assignee: string | null, now = T.now) =>
      cmd({ type: 'AssignComplaint', data: { department, assignee, by: 'lead-1' }, now });

    it('assigns a department and a person', () =>
      complaints
        .given([registered()])
        .when(assign('billing', 'ana'))
        .then([
          {
            type: 'ComplaintAssigned',
            data: {
              complaintId: id,
              department: 'billing',
              assignee: 'ana',
              previousDepartment: null,
              previousAssignee: null,
              by: 'lead-1',
              assignedAt: T.now,
            },
          },
        ]));

    it('reassigns, naming the previous holder, and keeps the history of holders', () => {
      const first = after([registered()], assign('billing', null, '2026-03-02T10:00:00.000Z'));
      const second = after(first, assign('billing', 'ana', '2026-03-02T11:00:00.000Z'));
      const third = after(second, assign('payments', 'rui', '2026-03-02T14:00:00.000Z'));
      expect(dataOf(third.slice(-1), 'ComplaintAssigned')).toMatchObject({ previousDepartment: 'billing', previousAssignee: 'ana' });
      expect(stateOf(third).holders).toEqual([
        { department: 'billing', assignee: null, from: '2026-03-02T10:00:00.000Z', to: '2026-03-02T11:00:00.000Z' },
        { department: 'billing', assignee: 'ana', from: '2026-03-02T11:00:00.000Z', to: '2026-03-02T14:00:00.000Z' },
        { department: 'payments', assignee: 'rui', from: '2026-03-02T14:00:00.000Z', to: null },
      ]);
    });

    it('records nothing when the same holder is assigned again', () =>
      complaints
        .given(after([registered()], assign('billing', 'ana')))
        .when(assign('billing', 'ana'))
        .thenNothing());

    it('can still assign a resolved complaint', () =>
      expect(complaintDecider.decide(assign('billing', 'ana'), stateOf(resolvedH))).toHaveLength(1));

    it('refuses a closed complaint', () =>
      complaints.given(closedH).when(assign('billing', 'ana')).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(assign('billing', 'ana')).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('AssessValidity', () => {
    const assess = (valid: boolean, feedbackToCustomer?: string | null) =>
      cmd({
        type: 'AssessValidity',
        data: { valid, rationale: valid ? 'Double charge confirmed' : 'Charge was for two lines', feedbackToCustomer },
        now: T.assessed,
      });

    it('assesses a valid complaint', () => {
      complaints.given([registered(), acknowledged]).when(assess(true)).then([assessedValid]);
      expect(stateOf([registered(), acknowledged, assessedValid]).status).toBe('assessed');
    });

    it('closes an invalid complaint with the feedback given to the customer', () =>
      complaints
        .given([registered(), acknowledged])
        .when(assess(false, 'You have two lines, each billed once'))
        .then([
          {
            type: 'ComplaintAssessed',
            data: {
              complaintId: id,
              valid: false,
              rationale: 'Charge was for two lines',
              feedbackToCustomer: 'You have two lines, each billed once',
              assessedAt: T.assessed,
            },
          },
          closed('invalid', T.assessed, 'You have two lines, each billed once'),
        ]));

    it.each([undefined, null, '  '])('refuses an invalid verdict without feedback to the customer (%p)', (feedback) =>
      complaints.given([registered(), acknowledged]).when(assess(false, feedback)).thenFails('FEEDBACK_TO_CUSTOMER_REQUIRED', 422),
    );

    it('refuses before acknowledgement', () =>
      complaints.given([registered()]).when(assess(true)).thenFails('COMPLAINT_NOT_ACKNOWLEDGED', 422));

    it('assesses only once', () => complaints.given(triaged).when(assess(false, 'x')).thenFails('COMPLAINT_ALREADY_ASSESSED', 422));

    it('refuses a complaint closed as invalid', () =>
      complaints
        .given(after([registered(), acknowledged], assess(false, 'No')))
        .when(assess(true))
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(assess(true)).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('GradeComplaint', () => {
    it('grades, pins the policy and computes the deadlines from the grading time', () => {
      complaints.given(triaged).when(grade()).then([graded()]);
      expect(stateOf(gradedH).status).toBe('graded');
    });

    it('starts the clock at receipt when the policy says so', () => {
      const receipt: SlaPolicy = { ...DEFAULT_SLA_POLICY, id: 'receipt', clockStartsAt: 'receipt' };
      complaints
        .given(triaged)
        .when(grade('high', T.graded, receipt))
        .then([
          graded({
            policy: receipt,
            clockStartedAt: T.received,
            firstResponseDueAt: '2026-03-02T17:00:00.000Z',
            resolutionDueAt: '2026-03-03T09:00:00.000Z',
            warningAt: '2026-03-03T03:00:00.000Z',
          }),
        ]);
    });

    it('regrades with the pinned policy, from the same clock start, even when a new policy is in force', () => {
      const newer: SlaPolicy = { ...DEFAULT_SLA_POLICY, version: 2, resolutionHours: { critical: 8, high: 12, medium: 24, low: 36 } };
      complaints
        .given(investigatingH)
        .when(grade('low', T.now, newer))
        .then([
          graded({
            severity: 'low',
            previousSeverity: 'high',
            previousDifficulty: 'medium',
            firstResponseDueAt: '2026-03-03T12:00:00.000Z',
            resolutionDueAt: '2026-03-05T12:00:00.000Z',
            warningAt: '2026-03-04T18:00:00.000Z',
            gradedAt: T.now,
          }),
        ]);
      // Regrading does not send the complaint back: the investigation goes on.
      expect(stateOf(after(investigatingH, grade('low', T.now, newer))).status).toBe('investigating');
    });

    it('keeps the time spent on hold when regrading', () => {
      const resumed = after([...gradedH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      const regraded = after(resumed, grade('critical', '2026-03-02T19:00:00.000Z'));
      expect(dataOf(regraded.slice(-1), 'ComplaintGraded')).toMatchObject({
        pausedMs: 3.5 * HOUR_MS,
        firstResponseDueAt: '2026-03-02T19:30:00.000Z',
        resolutionDueAt: '2026-03-03T15:30:00.000Z',
        warningAt: '2026-03-03T09:30:00.000Z',
      });
    });

    it('records a change of difficulty alone, with unchanged deadlines', () =>
      complaints
        .given(gradedH)
        .when(cmd({ type: 'GradeComplaint', data: { severity: 'high', difficulty: 'high', policy: DEFAULT_SLA_POLICY } }))
        .then([graded({ difficulty: 'high', previousSeverity: 'high', previousDifficulty: 'medium', gradedAt: T.now })]));

    it('records nothing when the grade does not change', () => complaints.given(gradedH).when(grade('high', T.now)).thenNothing());

    it('refuses before the assessment', () =>
      complaints.given([registered(), acknowledged]).when(grade()).thenFails('COMPLAINT_NOT_ASSESSED', 422));

    it('reopens a complaint closed as invalid to acknowledged, without deadlines, for a new assessment', () =>
      complaints
        .given([
          registered(),
          acknowledged,
          { ...assessedValid, data: { ...assessedValid.data, valid: false } } as ComplaintEvent,
          closed('invalid', T.assessed, 'No'),
        ])
        .when(cmd({ type: 'ReopenComplaint', data: { reason: 'New evidence', reopenWindowDays: 14 } }))
        .then([
          {
            type: 'ComplaintReopened',
            data: {
              complaintId: id,
              trigger: 'reopen-request',
              reason: 'New evidence',
              status: 'acknowledged',
              clockPausedMs: 5 * HOUR_MS,
              firstResponseDueAt: null,
              resolutionDueAt: null,
              warningAt: null,
              reopenedAt: T.now,
            },
          },
        ]));

    it('refuses to grade an invalid complaint', () => {
      const invalid = after(
        [registered(), acknowledged],
        cmd({ type: 'AssessValidity', data: { valid: false, rationale: 'r', feedbackToCustomer: 'f' }, now: T.assessed }),
      );
      const reopened = after(invalid, reopen(T.now));
      complaints.given(reopened).when(grade('high', T.now)).thenFails('COMPLAINT_INVALID', 422);
      // ...and the new assessment is allowed, after which grading is.
      const reassessed = after(reopened, cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'Statement shows it' } }));
      expect(dataOf(reassessed.slice(-1), 'ComplaintAssessed').valid).toBe(true);
      expect(complaintDecider.decide(grade('high', T.now), stateOf(reassessed))[0].type).toBe('ComplaintGraded');
    });

    it('refuses to regrade after resolution', () =>
      complaints.given(resolvedH).when(grade('low', T.resolved)).thenFails('COMPLAINT_ALREADY_RESOLVED', 422));

    it('refuses an unusable policy', () =>
      complaints
        .given(triaged)
        .when(grade('high', T.graded, { ...DEFAULT_SLA_POLICY, warningShare: 0 }))
        .thenFails('SLA_POLICY_INVALID', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(grade('low', T.now)).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(grade()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });
});
