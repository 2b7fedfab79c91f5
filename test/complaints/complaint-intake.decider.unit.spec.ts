import { spec } from '../support/decider-spec';
import { fold } from '../../src/shared/decider/decider';
import { complaintDecider, type ComplaintCommand, type ComplaintState } from '../../src/complaints/complaint.decider';
import { COMPLAINT_EVENT_TYPES, type ComplaintEvent, complaintStream } from '../../src/complaints/complaint.events';
import { DEFAULT_SLA_POLICY, HOUR_MS, type SlaPolicy } from '../../src/complaints/sla-policy';

const id = 'cmp-1';

// One complaint's day: received 09:00, graded high at 12:00 under the default policy
// (first response 8 h, resolution 24 h, warning at 75%), resolved the next morning.
const T = {
  occurred: '2026-02-28T10:00:00.000Z',
  received: '2026-03-02T09:00:00.000Z',
  acknowledged: '2026-03-02T09:30:00.000Z',
  assessed: '2026-03-02T10:00:00.000Z',
  graded: '2026-03-02T12:00:00.000Z',
  rootCause: '2026-03-02T13:00:00.000Z',
  now: '2026-03-02T15:00:00.000Z',
  resolved: '2026-03-03T10:00:00.000Z',
  communicated: '2026-03-03T11:00:00.000Z',
  closed: '2026-03-03T12:00:00.000Z',
};
const DUE = {
  firstResponseDueAt: '2026-03-02T20:00:00.000Z',
  resolutionDueAt: '2026-03-03T12:00:00.000Z',
  warningAt: '2026-03-03T06:00:00.000Z',
};

const registered = (over: Partial<Extract<ComplaintEvent, { type: 'ComplaintRegistered' }>['data']> = {}): ComplaintEvent => ({
  type: 'ComplaintRegistered',
  data: {
    complaintId: id,
    number: 'CMP-2026-000123',
    customerId: 'c-1',
    channel: 'phone',
    category: 'billing',
    subCategory: null,
    product: null,
    description: 'Charged twice for March',
    remedySought: null,
    occurredAt: T.occurred,
    receivedAt: T.received,
    followUpOf: null,
    source: null,
    ...over,
  },
});
const acknowledged: ComplaintEvent = {
  type: 'ComplaintAcknowledged',
  data: { complaintId: id, automatic: false, acknowledgedAt: T.acknowledged },
};
const assessedValid: ComplaintEvent = {
  type: 'ComplaintAssessed',
  data: { complaintId: id, valid: true, rationale: 'Double charge confirmed', feedbackToCustomer: null, assessedAt: T.assessed },
};
const graded = (over: Partial<Extract<ComplaintEvent, { type: 'ComplaintGraded' }>['data']> = {}): ComplaintEvent => ({
  type: 'ComplaintGraded',
  data: {
    complaintId: id,
    severity: 'high',
    difficulty: 'medium',
    previousSeverity: null,
    previousDifficulty: null,
    policy: DEFAULT_SLA_POLICY,
    clockStartedAt: T.graded,
    pausedMs: 0,
    ...DUE,
    gradedAt: T.graded,
    ...over,
  },
});
const rootCause: ComplaintEvent = {
  type: 'RootCauseRecorded',
  data: {
    complaintId: id,
    category: 'billing-error',
    text: 'Gateway retried the payment',
    previousCategory: null,
    recordedAt: T.rootCause,
  },
};
const resolved = (resolvedAt = T.resolved): ComplaintEvent => ({
  type: 'ComplaintResolved',
  data: { complaintId: id, solution: 'Refunded the duplicate charge', resolutionDueAt: DUE.resolutionDueAt, withinSla: true, resolvedAt },
});
const communicated: ComplaintEvent = {
  type: 'DecisionCommunicated',
  data: { complaintId: id, channel: 'email', summary: 'Refund issued', communicatedAt: T.communicated },
};
const closed = (
  reason: Extract<ComplaintEvent, { type: 'ComplaintClosed' }>['data']['reason'],
  closedAt = T.closed,
  feedbackToCustomer: string | null = null,
): ComplaintEvent => ({ type: 'ComplaintClosed', data: { complaintId: id, reason, feedbackToCustomer, duplicateOf: null, closedAt } });
const onHold = (heldAt = T.now): ComplaintEvent => ({
  type: 'ComplaintPutOnHold',
  data: { complaintId: id, reason: 'Waiting for the bank statement', heldAt },
});
const actionOpened = (actionId = 'a-1', dueAt = '2026-03-05T12:00:00.000Z'): ComplaintEvent => ({
  type: 'ActionOpened',
  data: {
    complaintId: id,
    actionId,
    kind: 'corrective',
    description: 'Disable gateway retries',
    department: 'payments',
    dueAt,
    openedAt: T.rootCause,
  },
});

const triaged = [registered(), acknowledged, assessedValid];
const gradedH = [...triaged, graded()];
const investigatingH = [...gradedH, rootCause];
const resolvedH = [...investigatingH, resolved()];
const communicatedH = [...resolvedH, communicated];
const closedH = [...communicatedH, closed('resolved')];

const complaints = spec(complaintDecider);
type WithOptionalNow<C> = C extends unknown ? Omit<C, 'now'> & { now?: string } : never;
const cmd = (command: WithOptionalNow<ComplaintCommand>): ComplaintCommand => ({ now: T.now, ...command }) as ComplaintCommand;
const stateOf = (events: ComplaintEvent[]): ComplaintState => fold(complaintDecider, events);
/** The history after the decider carried out the command. */
const after = (events: ComplaintEvent[], command: ComplaintCommand): ComplaintEvent[] => [
  ...events,
  ...complaintDecider.decide(command, stateOf(events)),
];
type DataOf<K extends ComplaintEvent['type']> = Extract<ComplaintEvent, { type: K }>['data'];
/** The data of the first event of this type (fails the test when there is none). */
function dataOf<K extends ComplaintEvent['type']>(events: ComplaintEvent[], type: K): DataOf<K> {
  const event = events.find((candidate): candidate is Extract<ComplaintEvent, { type: K }> => candidate.type === type);
  if (!event) throw new Error(`no ${type} among ${events.map((e) => e.type).join(', ')}`);
  return event.data as DataOf<K>;
}

const register = (over: Partial<Extract<ComplaintCommand, { type: 'RegisterComplaint' }>['data']> = {}, now = T.received) =>
  cmd({
    type: 'RegisterComplaint',
    data: {
      complaintId: id,
      number: 'CMP-2026-000123',
      customerId: 'c-1',
      channel: 'phone',
      category: 'billing',
      description: 'Charged twice for March',
      occurredAt: T.occurred,
      customerExists: true,
      autoAcknowledge: false,
      ...over,
    },
    now,
  });
const grade = (severity: 'low' | 'medium' | 'high' | 'critical' = 'high', now = T.graded, policy: SlaPolicy = DEFAULT_SLA_POLICY) =>
  cmd({ type: 'GradeComplaint', data: { severity, difficulty: 'medium', policy }, now });
const hold = (now = T.now) => cmd({ type: 'HoldComplaint', data: { reason: 'Waiting for the bank statement' }, now });
const resume = (now: string) => cmd({ type: 'ResumeComplaint', now });
const resolve = (now = T.resolved) => cmd({ type: 'ResolveComplaint', data: { solution: 'Refunded the duplicate charge' }, now });
const communicate = (communicatedAt = T.communicated, now = communicatedAt) =>
  cmd({ type: 'CommunicateDecision', data: { channel: 'email', summary: 'Refund issued', communicatedAt }, now });
const warn = (dueAt = DUE.resolutionDueAt, now = DUE.warningAt) => cmd({ type: 'RecordSlaWarning', data: { dueAt }, now });
const breach = (deadline: 'first-response' | 'resolution' = 'resolution', dueAt = DUE.resolutionDueAt, now = '2026-03-03T12:00:00.001Z') =>
  cmd({ type: 'RecordSlaBreach', data: { deadline, dueAt, supervisorId: 'sup-9' }, now });
const close = (
  reason: 'resolved' | 'invalid' | 'withdrawn' | 'duplicate' | 'no-response',
  now = T.closed,
  extra: { duplicateOf?: string | null; duplicateOfExists?: boolean } = {},
) => cmd({ type: 'CloseComplaint', data: { reason, ...extra }, now });
const reopen = (now: string, reopenWindowDays = 14) =>
  cmd({ type: 'ReopenComplaint', data: { reason: 'Charged again in April', reopenWindowDays }, now });
const satisfaction = (data: Extract<ComplaintCommand, { type: 'RecordSatisfaction' }>['data'], now = '2026-03-04T09:00:00.000Z') =>
  cmd({ type: 'RecordSatisfaction', data, now });

describe('complaint decider', () => {
  it('names the stream complaint-<id> and lists every event type once', () => {
    expect(complaintStream('42')).toBe('complaint-42');
    expect(new Set(COMPLAINT_EVENT_TYPES).size).toBe(COMPLAINT_EVENT_TYPES.length);
  });

  describe('the ISO 10002 cycle, status by status', () => {
    it('walks registered -> acknowledged -> assessed -> graded -> investigating -> on-hold -> resolved -> closed', () => {
      const statuses: string[] = [];
      let history: ComplaintEvent[] = [];
      const step = (command: ComplaintCommand) => {
        history = after(history, command);
        statuses.push(stateOf(history).status);
      };
      step(register());
      step(cmd({ type: 'AcknowledgeComplaint', now: T.acknowledged }));
      step(cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'Double charge confirmed' }, now: T.assessed }));
      step(grade());
      step(cmd({ type: 'RecordRootCause', data: { category: 'billing-error', text: 'Gateway retried' }, now: T.rootCause }));
      step(hold());
      step(resume('2026-03-02T16:00:00.000Z'));
      step(resolve());
      step(communicate());
      step(cmd({ type: 'AcceptResolution', now: '2026-03-03T11:30:00.000Z' }));
      step(close('resolved'));
      expect(statuses).toEqual([
        'registered',
        'acknowledged',
        'assessed',
        'graded',
        'investigating',
        'on-hold',
        'investigating',
        'resolved',
        'resolved',
        'resolved',
        'closed',
      ]);
    });

    it('starts unknown', () => expect(complaintDecider.initialState().status).toBe('unknown'));
  });

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

  describe('HoldComplaint / ResumeComplaint', () => {
    it('puts the complaint on hold, waiting on the customer', () => {
      complaints.given(investigatingH).when(hold()).then([onHold()]);
      expect(stateOf([...investigatingH, onHold()]).status).toBe('on-hold');
    });

    it('resumes, adding the paused time to every deadline', () => {
      complaints
        .given([...investigatingH, onHold(T.now)])
        .when(resume('2026-03-02T18:30:00.000Z'))
        .then([
          {
            type: 'ComplaintResumed',
            data: {
              complaintId: id,
              pausedMs: 3.5 * HOUR_MS,
              firstResponseDueAt: '2026-03-02T23:30:00.000Z',
              resolutionDueAt: '2026-03-03T15:30:00.000Z',
              warningAt: '2026-03-03T09:30:00.000Z',
              resumedAt: '2026-03-02T18:30:00.000Z',
            },
          },
        ]);
      const state = stateOf(after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z')));
      expect(state.status).toBe('investigating');
      expect(state.deadlines?.resolutionDueAt).toBe('2026-03-03T15:30:00.000Z');
    });

    it('adds up successive holds', () => {
      let history = after(gradedH, hold('2026-03-02T13:00:00.000Z'));
      history = after(history, resume('2026-03-02T14:00:00.000Z'));
      history = after(history, hold('2026-03-02T15:00:00.000Z'));
      history = after(history, resume('2026-03-02T17:00:00.000Z'));
      expect(stateOf(history)).toMatchObject({ status: 'graded', pausedMs: 3 * HOUR_MS });
      expect(dataOf(history.slice(-1), 'ComplaintResumed').resolutionDueAt).toBe('2026-03-03T15:00:00.000Z');
    });

    it('refuses a second hold', () =>
      complaints
        .given([...gradedH, onHold()])
        .when(hold())
        .thenFails('COMPLAINT_ALREADY_ON_HOLD', 422));

    it('refuses to resume a complaint that is not on hold', () =>
      complaints.given(gradedH).when(resume(T.now)).thenFails('COMPLAINT_NOT_ON_HOLD', 422));

    it('refuses a hold before grading (the SLA clock is not set)', () =>
      complaints.given(triaged).when(hold()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a hold once resolved', () =>
      complaints.given(resolvedH).when(hold(T.resolved)).thenFails('COMPLAINT_ALREADY_RESOLVED', 422));

    it('refuses a closed complaint', () => {
      complaints.given(closedH).when(hold()).thenFails('COMPLAINT_ALREADY_CLOSED', 422);
      complaints
        .given([...gradedH, onHold(), closed('withdrawn')])
        .when(resume(T.closed))
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422);
    });

    it('refuses an unknown complaint', () => complaints.given([]).when(resume(T.now)).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSlaWarning (scheduler)', () => {
    const warning: ComplaintEvent = {
      type: 'SlaWarningRaised',
      data: { complaintId: id, deadline: 'resolution', dueAt: DUE.resolutionDueAt, warningAt: DUE.warningAt, raisedAt: DUE.warningAt },
    };

    it('raises the warning once the warning time is reached', () => complaints.given(investigatingH).when(warn()).then([warning]));

    it('does nothing before the warning time', () =>
      complaints.given(investigatingH).when(warn(DUE.resolutionDueAt, '2026-03-03T05:59:59.999Z')).thenNothing());

    it('raises it once per deadline: a retried tick does nothing', () =>
      complaints
        .given([...investigatingH, warning])
        .when(warn())
        .thenNothing());

    it('does not warn again when a hold later moved the deadline', () => {
      const history = after([...investigatingH, warning, onHold(DUE.warningAt)], resume('2026-03-03T07:00:00.000Z'));
      complaints.given(history).when(warn('2026-03-03T13:00:00.000Z', '2026-03-03T07:00:00.000Z')).thenNothing();
    });

    it('ignores a stale tick computed for a deadline that has moved', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      complaints.given(history).when(warn(DUE.resolutionDueAt, '2026-03-03T07:00:00.000Z')).thenNothing();
      complaints
        .given(history)
        .when(warn('2026-03-03T15:30:00.000Z', '2026-03-03T09:30:00.000Z'))
        .then([
          {
            type: 'SlaWarningRaised',
            data: {
              complaintId: id,
              deadline: 'resolution',
              dueAt: '2026-03-03T15:30:00.000Z',
              warningAt: '2026-03-03T09:30:00.000Z',
              raisedAt: '2026-03-03T09:30:00.000Z',
            },
          },
        ]);
    });

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
      ['closed', [...gradedH, closed('withdrawn', T.now)]],
      ['not graded yet', triaged],
    ])('does nothing while the complaint is %s', (_label, history) => complaints.given(history).when(warn()).thenNothing());

    it('does nothing once the deadline is breached', () =>
      complaints.given(after(investigatingH, breach())).when(warn(DUE.resolutionDueAt, '2026-03-03T12:30:00.000Z')).thenNothing());

    it('refuses an unknown complaint', () => complaints.given([]).when(warn()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSlaBreach (scheduler)', () => {
    const breachedAt = '2026-03-03T12:00:00.001Z';

    it('records the breach and escalates to the supervisor', () =>
      complaints
        .given(investigatingH)
        .when(breach())
        .then([
          { type: 'SlaBreached', data: { complaintId: id, deadline: 'resolution', dueAt: DUE.resolutionDueAt, breachedAt } },
          {
            type: 'EscalationRaised',
            data: {
              complaintId: id,
              level: 1,
              trigger: 'sla-breach',
              deadline: 'resolution',
              reason: null,
              notify: 'sup-9',
              by: null,
              escalatedAt: breachedAt,
            },
          },
        ]));

    it('records a missed first response, and raises the escalation level each time', () => {
      const frBreach = after(gradedH, breach('first-response', DUE.firstResponseDueAt, '2026-03-02T21:00:00.000Z'));
      expect(frBreach.slice(-2).map((e) => e.type)).toEqual(['SlaBreached', 'EscalationRaised']);
      expect(dataOf(frBreach.slice(-2), 'SlaBreached').deadline).toBe('first-response');
      const resolutionBreach = complaintDecider.decide(breach(), stateOf([...frBreach, rootCause]));
      expect(dataOf(resolutionBreach, 'EscalationRaised').level).toBe(2);
    });

    it('does nothing at the due time itself (on the dot is still in time)', () =>
      complaints
        .given(investigatingH)
        .when(breach('resolution', DUE.resolutionDueAt, DUE.resolutionDueAt))
        .thenNothing());

    it('records each deadline once: a retried tick does nothing, nor a tick after a hold moved the due time', () => {
      const breached = after(investigatingH, breach());
      complaints.given(breached).when(breach()).thenNothing();
      const moved = after(after(breached, hold('2026-03-03T13:00:00.000Z')), resume('2026-03-03T14:00:00.000Z'));
      complaints
        .given(moved)
        .when(breach('resolution', '2026-03-03T13:00:00.000Z', '2026-03-03T14:00:00.000Z'))
        .thenNothing();
    });

    it('ignores a stale tick computed for a deadline that has moved', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      complaints.given(history).when(breach()).thenNothing();
    });

    it('does not count a missed first response once the customer had one', () => {
      const responded = after(gradedH, cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'Looking into it' } }));
      complaints
        .given(responded)
        .when(breach('first-response', DUE.firstResponseDueAt, '2026-03-02T21:00:00.000Z'))
        .thenNothing();
    });

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
      ['closed', [...gradedH, closed('withdrawn', T.now)]],
      ['not graded yet', triaged],
    ])('does nothing while the complaint is %s', (_label, history) => complaints.given(history).when(breach()).thenNothing());

    it('refuses an unknown complaint', () => complaints.given([]).when(breach()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('EscalateComplaint (supervisor)', () => {
    const escalate = cmd({ type: 'EscalateComplaint', data: { reason: 'Customer threatens legal action', by: 'sup-9', notify: 'head-1' } });

    it('escalates by hand, one level up', () =>
      complaints
        .given(triaged)
        .when(escalate)
        .then([
          {
            type: 'EscalationRaised',
            data: {
              complaintId: id,
              level: 1,
              trigger: 'manual',
              deadline: null,
              reason: 'Customer threatens legal action',
              notify: 'head-1',
              by: 'sup-9',
              escalatedAt: T.now,
            },
          },
        ]));

    it('counts levels across automatic and manual escalations', () =>
      expect(dataOf(complaintDecider.decide(escalate, stateOf(after(investigatingH, breach()))), 'EscalationRaised').level).toBe(2));

    it('refuses a closed complaint', () => complaints.given(closedH).when(escalate).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(escalate).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('investigation', () => {
    const note = cmd({ type: 'AddInvestigationNote', data: { note: 'Gateway logs show two captures', author: 'ana' } });
    const recordCause = (category: 'billing-error' | 'third-party' = 'billing-error', text = 'Gateway retried the payment') =>
      cmd({ type: 'RecordRootCause', data: { category, text }, now: T.rootCause });
    const open = (actionId = 'a-1', dueAt = '2026-03-05T12:00:00.000Z') =>
      cmd({
        type: 'OpenAction',
        data: { actionId, kind: 'corrective', description: 'Disable gateway retries', department: 'payments', dueAt },
        now: T.rootCause,
      });
    const complete = (actionId = 'a-1', now = '2026-03-04T12:00:00.000Z') =>
      cmd({ type: 'CompleteAction', data: { actionId, outcome: 'Retries disabled' }, now });

    it('adds a note; the first investigation step makes the complaint investigating', () => {
      complaints
        .given(gradedH)
        .when(note)
        .then([
          {
            type: 'InvestigationNoteAdded',
            data: { complaintId: id, note: 'Gateway logs show two captures', author: 'ana', addedAt: T.now },
          },
        ]);
      expect(stateOf(after(gradedH, note)).status).toBe('investigating');
    });

    it('records the root cause, and a revised one naming the previous category', () => {
      complaints.given(gradedH).when(recordCause()).then([rootCause]);
      complaints
        .given(investigatingH)
        .when(recordCause('third-party', 'The acquirer duplicated the capture'))
        .then([
          {
            type: 'RootCauseRecorded',
            data: {
              complaintId: id,
              category: 'third-party',
              text: 'The acquirer duplicated the capture',
              previousCategory: 'billing-error',
              recordedAt: T.rootCause,
            },
          },
        ]);
    });

    it('records nothing when the same root cause is recorded again', () =>
      complaints.given(investigatingH).when(recordCause()).thenNothing());

    it('refuses a root cause category outside the fixed list', () =>
      complaints
        .given(gradedH)
        .when(cmd({ type: 'RecordRootCause', data: { category: 'bad-luck' as 'other', text: 'x' } }))
        .thenFails('ROOT_CAUSE_CATEGORY_UNKNOWN', 422));

    it('opens an action', () => complaints.given(investigatingH).when(open()).then([actionOpened()]));

    it('refuses an action id used before', () =>
      complaints
        .given([...investigatingH, actionOpened()])
        .when(open())
        .thenFails('ACTION_ALREADY_EXISTS', 422));

    it('refuses an action due in the past', () =>
      complaints.given(investigatingH).when(open('a-2', T.rootCause)).thenFails('ACTION_DUE_IN_PAST', 422));

    it('completes an action, saying whether it was on time', () => {
      complaints
        .given([...investigatingH, actionOpened()])
        .when(complete())
        .then([
          {
            type: 'ActionCompleted',
            data: {
              complaintId: id,
              actionId: 'a-1',
              kind: 'corrective',
              outcome: 'Retries disabled',
              dueAt: '2026-03-05T12:00:00.000Z',
              onTime: true,
              completedAt: '2026-03-04T12:00:00.000Z',
            },
          },
        ]);
      const late = complaintDecider.decide(complete('a-1', '2026-03-06T12:00:00.000Z'), stateOf([...investigatingH, actionOpened()]));
      expect(dataOf(late, 'ActionCompleted').onTime).toBe(false);
    });

    it('completes an action after the resolution too', () =>
      expect(complaintDecider.decide(complete(), stateOf([...investigatingH, actionOpened(), resolved()]))).toHaveLength(1));

    it('refuses an unknown action', () => complaints.given(investigatingH).when(complete('a-404')).thenFails('ACTION_NOT_FOUND', 404));

    it('refuses to complete an action twice', () =>
      complaints
        .given(after([...investigatingH, actionOpened()], complete()))
        .when(complete())
        .thenFails('ACTION_ALREADY_COMPLETED', 422));

    it.each([
      ['AddInvestigationNote', note],
      ['RecordRootCause', recordCause()],
      ['OpenAction', open()],
      ['CompleteAction', complete()],
    ])('%s requires a graded complaint', (_name, command) =>
      complaints.given(triaged).when(command).thenFails('COMPLAINT_NOT_GRADED', 422),
    );

    it.each([
      ['AddInvestigationNote', note],
      ['RecordRootCause', recordCause()],
      ['OpenAction', open()],
      ['CompleteAction', complete()],
    ])('%s refuses an unknown complaint', (_name, command) => complaints.given([]).when(command).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordProgressUpdate and the first response', () => {
    const update = (now = T.now) =>
      cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'Refund requested from the bank' }, now });

    it('records the update; the first one is the first response, in time', () =>
      complaints
        .given(gradedH)
        .when(update())
        .then([
          {
            type: 'ProgressUpdateRecorded',
            data: { complaintId: id, channel: 'phone', summary: 'Refund requested from the bank', sentAt: T.now },
          },
          {
            type: 'FirstResponseRecorded',
            data: { complaintId: id, via: 'progress-update', dueAt: DUE.firstResponseDueAt, withinSla: true, respondedAt: T.now },
          },
        ]));

    it('says when the first response came late', () =>
      expect(dataOf(complaintDecider.decide(update('2026-03-02T21:00:00.000Z'), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(
        false,
      ));

    it('counts a first response at the deadline instant itself as in time, and one a millisecond later as late', () => {
      const late = new Date(Date.parse(DUE.firstResponseDueAt) + 1).toISOString();
      expect(dataOf(complaintDecider.decide(update(DUE.firstResponseDueAt), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(
        true,
      );
      expect(dataOf(complaintDecider.decide(update(late), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(false);
    });

    it('records later updates without another first response', () =>
      expect(complaintDecider.decide(update('2026-03-02T16:00:00.000Z'), stateOf(after(gradedH, update()))).map((e) => e.type)).toEqual([
        'ProgressUpdateRecorded',
      ]));

    it('requires a graded complaint', () => complaints.given(triaged).when(update()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(update()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));
  });

  describe('ResolveComplaint', () => {
    it('resolves within the SLA', () => {
      complaints.given(investigatingH).when(resolve()).then([resolved()]);
      expect(stateOf(resolvedH).status).toBe('resolved');
    });

    it('says when the resolution came late', () =>
      complaints
        .given(investigatingH)
        .when(resolve('2026-03-03T12:00:00.001Z'))
        .then([
          {
            type: 'ComplaintResolved',
            data: {
              complaintId: id,
              solution: 'Refunded the duplicate charge',
              resolutionDueAt: DUE.resolutionDueAt,
              withinSla: false,
              resolvedAt: '2026-03-03T12:00:00.001Z',
            },
          },
        ]));

    it('resolves at the deadline instant itself within the SLA', () =>
      expect(dataOf(complaintDecider.decide(resolve(DUE.resolutionDueAt), stateOf(investigatingH)), 'ComplaintResolved')).toMatchObject({
        resolutionDueAt: '2026-03-03T12:00:00.000Z',
        withinSla: true,
        resolvedAt: DUE.resolutionDueAt,
      }));

    it('measures against the due time moved by holds', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      expect(dataOf(complaintDecider.decide(resolve('2026-03-03T14:00:00.000Z'), stateOf(history)), 'ComplaintResolved')).toMatchObject({
        resolutionDueAt: '2026-03-03T15:30:00.000Z',
        withinSla: true,
      });
    });

    it('requires the root cause', () => complaints.given(gradedH).when(resolve()).thenFails('ROOT_CAUSE_REQUIRED', 422));

    it('requires a graded complaint', () => complaints.given(triaged).when(resolve()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses while on hold', () =>
      complaints
        .given([...investigatingH, onHold()])
        .when(resolve())
        .thenFails('COMPLAINT_ON_HOLD', 422));

    it('refuses a second resolution', () => complaints.given(resolvedH).when(resolve()).thenFails('COMPLAINT_ALREADY_RESOLVED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(resolve()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(resolve()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('CommunicateDecision', () => {
    it('communicates the decision; without an earlier response, it is the first response', () =>
      complaints
        .given(resolvedH)
        .when(communicate(T.communicated, '2026-03-03T11:30:00.000Z'))
        .then([
          communicated,
          {
            type: 'FirstResponseRecorded',
            data: { complaintId: id, via: 'decision', dueAt: DUE.firstResponseDueAt, withinSla: false, respondedAt: T.communicated },
          },
        ]));

    it('is only the decision when the customer already had a first response', () => {
      const responded = after(investigatingH, cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'On it' } }));
      complaints.given(after(responded, resolve())).when(communicate()).then([communicated]);
    });

    it('requires a resolution', () => complaints.given(investigatingH).when(communicate(T.now)).thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('communicates once per resolution', () =>
      complaints.given(communicatedH).when(communicate()).thenFails('DECISION_ALREADY_COMMUNICATED', 422));

    it('refuses a communication dated in the future', () =>
      complaints.given(resolvedH).when(communicate('2026-03-03T12:00:00.000Z', T.communicated)).thenFails('OCCURRED_IN_FUTURE', 422));

    it('refuses a communication dated before the resolution', () =>
      complaints
        .given(resolvedH)
        .when(communicate('2026-03-03T09:00:00.000Z', T.communicated))
        .thenFails('DECISION_BEFORE_RESOLUTION', 422));

    it('requires a graded complaint', () => complaints.given(triaged).when(communicate()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(communicate()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));
  });

  describe('AcceptResolution / RejectResolution (the customer)', () => {
    const accept = cmd({ type: 'AcceptResolution', now: '2026-03-04T10:00:00.000Z' });
    const reject = cmd({ type: 'RejectResolution', data: { reason: 'Only half refunded' }, now: '2026-03-04T10:00:00.000Z' });

    it('records the acceptance', () =>
      complaints
        .given(communicatedH)
        .when(accept)
        .then([{ type: 'ResolutionAccepted', data: { complaintId: id, acceptedAt: '2026-03-04T10:00:00.000Z' } }]));

    it('records a rejection and reopens: back to investigating, the time spent resolved added to the deadlines', () =>
      complaints
        .given(communicatedH)
        .when(reject)
        .then([
          { type: 'ResolutionRejected', data: { complaintId: id, reason: 'Only half refunded', rejectedAt: '2026-03-04T10:00:00.000Z' } },
          {
            type: 'ComplaintReopened',
            data: {
              complaintId: id,
              trigger: 'resolution-rejected',
              reason: 'Only half refunded',
              status: 'investigating',
              clockPausedMs: 24 * HOUR_MS,
              firstResponseDueAt: '2026-03-03T20:00:00.000Z',
              resolutionDueAt: '2026-03-04T12:00:00.000Z',
              warningAt: '2026-03-04T06:00:00.000Z',
              reopenedAt: '2026-03-04T10:00:00.000Z',
            },
          },
        ]));

    it('clears the resolution on rejection: the complaint can be resolved again, with the root cause kept', () => {
      const state = stateOf(after(communicatedH, reject));
      expect(state).toMatchObject({ status: 'investigating', resolution: null, decisionCommunicatedAt: null, clockStoppedAt: null });
      expect(state.rootCause?.category).toBe('billing-error');
      expect(complaintDecider.decide(resolve('2026-03-04T11:00:00.000Z'), state)[0]).toMatchObject({
        type: 'ComplaintResolved',
        data: { withinSla: true, resolutionDueAt: '2026-03-04T12:00:00.000Z' },
      });
    });

    it.each([
      ['AcceptResolution', accept],
      ['RejectResolution', reject],
    ])('%s requires the decision to have been communicated', (_name, command) =>
      complaints.given(resolvedH).when(command).thenFails('COMPLAINT_DECISION_NOT_COMMUNICATED', 422),
    );

    it.each([
      ['AcceptResolution', accept],
      ['RejectResolution', reject],
    ])('%s is refused once the customer accepted', (_name, command) =>
      complaints.given(after(communicatedH, accept)).when(command).thenFails('RESOLUTION_ALREADY_ACCEPTED', 422),
    );

    it('refuses a closed complaint', () => complaints.given(closedH).when(accept).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(reject).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSatisfaction', () => {
    it('records CSAT, NPS and comment', () =>
      complaints
        .given(communicatedH)
        .when(satisfaction({ csat: 4, nps: 8, comment: 'Quick refund' }))
        .then([
          {
            type: 'SatisfactionRecorded',
            data: { complaintId: id, csat: 4, nps: 8, reason: null, comment: 'Quick refund', recordedAt: '2026-03-04T09:00:00.000Z' },
          },
        ]));

    it('records a low score with its reason', () =>
      expect(
        dataOf(complaintDecider.decide(satisfaction({ csat: 2, reason: 'Took too long' }), stateOf(resolvedH)), 'SatisfactionRecorded'),
      ).toMatchObject({
        csat: 2,
        reason: 'Took too long',
        nps: null,
      }));

    it.each([1, 2])('requires a reason for a CSAT of %i', (csat) =>
      complaints
        .given(resolvedH)
        .when(satisfaction({ csat, reason: ' ' }))
        .thenFails('SATISFACTION_REASON_REQUIRED', 422),
    );

    it.each([0, 6, 3.5])('refuses a CSAT of %p', (csat) =>
      complaints.given(resolvedH).when(satisfaction({ csat })).thenFails('CSAT_OUT_OF_RANGE', 422),
    );

    it.each([-1, 11, 7.5])('refuses an NPS of %p', (nps) =>
      complaints
        .given(resolvedH)
        .when(satisfaction({ csat: 5, nps }))
        .thenFails('NPS_OUT_OF_RANGE', 422),
    );

    it('records one answer per resolution', () =>
      complaints
        .given(after(resolvedH, satisfaction({ csat: 5 })))
        .when(satisfaction({ csat: 4 }))
        .thenFails('SATISFACTION_ALREADY_RECORDED', 422));

    it('takes a new answer after a reopen and a new resolution', () => {
      let history = after(communicatedH, satisfaction({ csat: 1, reason: 'Half refund' }, '2026-03-03T11:30:00.000Z'));
      history = after(history, cmd({ type: 'RejectResolution', data: { reason: 'Half refund' }, now: '2026-03-04T10:00:00.000Z' }));
      complaints
        .given(history)
        .when(satisfaction({ csat: 5 }))
        .thenFails('COMPLAINT_NOT_RESOLVED', 422);
      history = after(history, resolve('2026-03-04T11:00:00.000Z'));
      expect(complaintDecider.decide(satisfaction({ csat: 5 }), stateOf(history))[0].type).toBe('SatisfactionRecorded');
    });

    it('takes a late answer after closing as resolved (surveys are answered after closure)', () =>
      expect(complaintDecider.decide(satisfaction({ csat: 5 }, '2026-03-05T09:00:00.000Z'), stateOf(closedH))[0].type).toBe(
        'SatisfactionRecorded',
      ));

    it('refuses a complaint closed without a resolution', () =>
      complaints
        .given([...resolvedH, closed('withdrawn')])
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('requires a resolution', () =>
      complaints
        .given(investigatingH)
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('refuses an unknown complaint', () =>
      complaints
        .given([])
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('CloseComplaint', () => {
    it('closes a resolved complaint whose decision was communicated', () => {
      complaints
        .given(communicatedH)
        .when(close('resolved'))
        .then([closed('resolved')]);
      expect(stateOf(closedH).status).toBe('closed');
    });

    it('refuses to close as resolved before the resolution', () =>
      complaints.given(investigatingH).when(close('resolved')).thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('refuses to close as resolved before the decision was communicated', () =>
      complaints.given(resolvedH).when(close('resolved')).thenFails('COMPLAINT_DECISION_NOT_COMMUNICATED', 422));

    it('refuses to close as resolved with actions still open, naming them', () => {
      const history = [...investigatingH, actionOpened('a-1'), actionOpened('a-2'), resolved(), communicated];
      let caught: unknown;
      try {
        complaintDecider.decide(close('resolved'), stateOf(history));
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'OPEN_ACTIONS_REMAIN', status: 422, details: { actionIds: ['a-1', 'a-2'] } });
    });

    it('closes as resolved once every action is completed', () => {
      const history = after(
        [...investigatingH, actionOpened('a-1'), resolved(), communicated],
        cmd({ type: 'CompleteAction', data: { actionId: 'a-1', outcome: 'done' }, now: T.communicated }),
      );
      complaints
        .given(history)
        .when(close('resolved'))
        .then([closed('resolved')]);
    });

    it('closes as invalid only through the assessment', () =>
      complaints.given(triaged).when(close('invalid')).thenFails('CLOSE_REASON_REQUIRES_ASSESSMENT', 422));

    it.each([
      ['registered', [registered()]],
      ['investigating', investigatingH],
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
    ])('closes as withdrawn from %s', (_label, history) =>
      complaints
        .given(history)
        .when(close('withdrawn'))
        .then([closed('withdrawn')]),
    );

    it('closes as a duplicate of an existing complaint', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: 'cmp-0', duplicateOfExists: true }))
        .then([
          {
            type: 'ComplaintClosed',
            data: { complaintId: id, reason: 'duplicate', feedbackToCustomer: null, duplicateOf: 'cmp-0', closedAt: T.closed },
          },
        ]));

    it('requires the complaint duplicated', () =>
      complaints.given(triaged).when(close('duplicate')).thenFails('DUPLICATE_OF_REQUIRED', 422));

    it('refuses a duplicate of itself', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: id, duplicateOfExists: true }))
        .thenFails('DUPLICATE_OF_SELF', 422));

    it('refuses a duplicate of an unknown complaint', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: 'cmp-404', duplicateOfExists: false }))
        .thenFails('DUPLICATE_COMPLAINT_NOT_FOUND', 422));

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['told the decision', communicatedH],
    ])('closes for no response while waiting on the customer (%s)', (_label, history) =>
      complaints
        .given(history)
        .when(close('no-response'))
        .then([closed('no-response')]),
    );

    it('refuses to close for no response when nothing is asked of the customer', () =>
      complaints.given(investigatingH).when(close('no-response')).thenFails('COMPLAINT_NOT_AWAITING_CUSTOMER', 422));

    it('refuses to close twice', () => complaints.given(closedH).when(close('withdrawn')).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(close('withdrawn')).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('a closed complaint refuses every step but reopening', () => {
    const steps: ComplaintCommand[] = [
      cmd({ type: 'AcknowledgeComplaint' }),
      cmd({ type: 'AssignComplaint', data: { department: 'billing', assignee: 'x', by: 'y' } }),
      cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' } }),
      grade('low', T.now),
      hold(),
      resume(T.now),
      cmd({ type: 'EscalateComplaint', data: { reason: 'r', by: 's', notify: null } }),
      cmd({ type: 'AddInvestigationNote', data: { note: 'n', author: 'a' } }),
      cmd({ type: 'RecordRootCause', data: { category: 'other', text: 't' } }),
      cmd({
        type: 'OpenAction',
        data: { actionId: 'a-9', kind: 'preventive', description: 'd', department: 'd', dueAt: '2027-01-01T00:00:00.000Z' },
      }),
      cmd({ type: 'CompleteAction', data: { actionId: 'a-1', outcome: 'o' } }),
      cmd({ type: 'RecordProgressUpdate', data: { channel: 'email', summary: 's' } }),
      resolve(),
      communicate(),
      cmd({ type: 'AcceptResolution' }),
      cmd({ type: 'RejectResolution', data: { reason: 'r' } }),
      close('withdrawn'),
    ];

    it.each(steps.map((command) => [command.type, command] as const))('%s -> COMPLAINT_ALREADY_CLOSED', (_type, command) =>
      complaints
        .given([...closedH.slice(0, -1), actionOpened(), closed('withdrawn')])
        .when(command)
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422),
    );

    it.each([
      ['RecordSlaWarning', warn()],
      ['RecordSlaBreach', breach()],
    ])('%s from a scheduler decides nothing', (_type, command) => complaints.given(closedH).when(command).thenNothing());
  });

  describe('ReopenComplaint', () => {
    it('reopens within the window: back to investigating, the time stopped added to the deadlines', () =>
      complaints
        .given(closedH)
        .when(reopen('2026-03-10T12:00:00.000Z'))
        .then([
          {
            type: 'ComplaintReopened',
            data: {
              complaintId: id,
              trigger: 'reopen-request',
              reason: 'Charged again in April',
              status: 'investigating',
              clockPausedMs: 170 * HOUR_MS,
              firstResponseDueAt: '2026-03-09T22:00:00.000Z',
              resolutionDueAt: '2026-03-10T14:00:00.000Z',
              warningAt: '2026-03-10T08:00:00.000Z',
              reopenedAt: '2026-03-10T12:00:00.000Z',
            },
          },
        ]));

    it('leaves a reopened complaint working again: resolution cleared, policy and severity kept', () => {
      const state = stateOf(after(closedH, reopen('2026-03-10T12:00:00.000Z')));
      expect(state).toMatchObject({ status: 'investigating', closure: null, resolution: null, pausedMs: 170 * HOUR_MS });
      expect(state.grading).toMatchObject({ severity: 'high', clockStartedAt: T.graded, policy: { id: 'default', version: 1 } });
    });

    it('reopens on the last moment of the window', () =>
      expect(complaintDecider.decide(reopen('2026-03-17T12:00:00.000Z'), stateOf(closedH))[0].type).toBe('ComplaintReopened'));

    it('refuses after the window: a follow-up complaint is registered instead', () =>
      complaints.given(closedH).when(reopen('2026-03-17T12:00:00.001Z')).thenFails('REOPEN_WINDOW_EXPIRED', 422));

    it('uses the configured window', () => {
      complaints.given(closedH).when(reopen('2026-03-05T12:00:00.000Z', 1)).thenFails('REOPEN_WINDOW_EXPIRED', 422);
      expect(complaintDecider.decide(reopen('2026-03-05T12:00:00.000Z', 2), stateOf(closedH))).toHaveLength(1);
    });

    it('reopens a resolved complaint that is not closed yet, without a window', () =>
      expect(dataOf(complaintDecider.decide(reopen('2026-04-30T12:00:00.000Z'), stateOf(resolvedH)), 'ComplaintReopened').status).toBe(
        'investigating',
      ));

    it('counts the clock as stopped from the hold start when closed while on hold', () => {
      const history = [...investigatingH, onHold(T.now), closed('no-response', '2026-03-03T15:00:00.000Z')];
      expect(dataOf(complaintDecider.decide(reopen('2026-03-04T15:00:00.000Z'), stateOf(history)), 'ComplaintReopened')).toMatchObject({
        status: 'investigating',
        clockPausedMs: 48 * HOUR_MS,
        resolutionDueAt: '2026-03-05T12:00:00.000Z',
      });
      expect(stateOf(after(history, reopen('2026-03-04T15:00:00.000Z'))).hold).toBeNull();
    });

    it('returns a complaint withdrawn before acknowledgement to registered', () =>
      expect(
        dataOf(complaintDecider.decide(reopen(T.now), stateOf([registered(), closed('withdrawn', T.acknowledged)])), 'ComplaintReopened')
          .status,
      ).toBe('registered'));

    it('refuses a complaint still open', () => complaints.given(investigatingH).when(reopen(T.now)).thenFails('COMPLAINT_STILL_OPEN', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(reopen(T.now)).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('SLA clock started at receipt', () => {
    const receipt: SlaPolicy = { ...DEFAULT_SLA_POLICY, id: 'receipt', clockStartsAt: 'receipt' };

    it('does not count the time a complaint was closed before grading', () => {
      let history = after([registered(), acknowledged], close('withdrawn', '2026-03-02T10:00:00.000Z'));
      history = after(history, reopen('2026-03-02T12:00:00.000Z'));
      history = after(history, cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' }, now: '2026-03-02T12:30:00.000Z' }));
      history = after(history, grade('high', '2026-03-02T13:00:00.000Z', receipt));
      expect(dataOf(history, 'ComplaintGraded')).toMatchObject({
        clockStartedAt: T.received,
        pausedMs: 2 * HOUR_MS,
        resolutionDueAt: '2026-03-03T11:00:00.000Z',
      });
    });

    it('ignores stopped time before a clock that starts at grading', () => {
      let history = after([registered(), acknowledged], close('withdrawn', '2026-03-02T10:00:00.000Z'));
      history = after(history, reopen('2026-03-02T11:00:00.000Z'));
      history = after(history, cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' }, now: '2026-03-02T11:30:00.000Z' }));
      history = after(history, grade('high', T.graded));
      expect(dataOf(history, 'ComplaintGraded')).toMatchObject({ pausedMs: 0, resolutionDueAt: DUE.resolutionDueAt });
    });
  });
});
