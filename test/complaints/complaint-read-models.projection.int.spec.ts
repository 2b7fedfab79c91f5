import { complaintDetailsProjection } from '../../src/complaints/complaint-details.projection';
import { complaintSolutionsProjection } from '../../src/complaints/complaint-solutions.projection';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { projectEvents } from '../support/projection-spec';
import { ComplaintHistory } from './complaint-history';
import { steps } from './complaint-steps';

const ana = 'cu-ana';
const a = 'cmp-a';
const b = 'cmp-b';

/** A complaint taken through the cycle and closed; then (20 days later) a follow-up of it. */
function history({ followUp = true } = {}): ComplaintHistory {
  const h = new ComplaintHistory('2026-03-02T09:00:00.000Z');
  h.then(a, steps.register(a, ana), steps.acknowledge, steps.assign('billing', 'agent-7'), steps.assessValid, steps.grade('high'));
  h.then(a, steps.hold)
    .wait(1)
    .then(
      a,
      steps.resume,
      steps.note,
      steps.rootCause,
      steps.openAction('act-1', 'billing'),
      steps.progress,
      steps.completeAction('act-1'),
      steps.resolve(),
    );
  h.then(a, steps.communicate(h.now)).then(a, steps.accept, steps.satisfaction(5), steps.close('resolved'));
  if (followUp)
    h.wait(24 * 20).then(b, steps.register(b, ana, { number: 'CMP-2026-000002', followUpOf: a, channel: 'email', autoAcknowledge: true }));
  return h;
}

async function expectRedeliveryChangesNothing(definition: ProjectionDefinition, collections: string[], events: ComplaintHistory['events']) {
  let handled = 0;
  const counting = {
    ...definition,
    handle: (...args: Parameters<ProjectionDefinition['handle']>) => (handled++, definition.handle(...args)),
  };
  const result = await projectEvents(counting, events);
  const snapshot = async () => Object.fromEntries(await Promise.all(collections.map(async (c) => [c, await result.docs(c)] as const)));
  const once = await snapshot();
  const handledOnce = handled;
  await result.redeliverAll();
  expect(handled).toBe(2 * handledOnce);
  expect(await snapshot()).toEqual(once);
  await result.close();
}

describe('complaint-details projection', () => {
  it('folds the cycle into the details document, with the follow-up linked both ways', async () => {
    const result = await projectEvents(complaintDetailsProjection, history().events);
    const docs = await result.docs('complaints');
    expect(docs[a]).toMatchObject({
      number: 'CMP-2026-000001',
      status: 'closed',
      holder: { department: 'billing', assignee: 'agent-7', by: 'triage', to: null },
      severity: 'high',
      sla: { policyId: 'default', policyVersion: 1, pausedMs: 2 * 3_600_000, firstResponse: { via: 'progress-update', withinSla: true } },
      rootCause: { category: 'billing-error', text: 'duplicate mandate' },
      actions: [{ actionId: 'act-1', status: 'completed', outcome: 'cancelled', onTime: true }],
      resolution: { solution: 'refunded', withinSla: true },
      customerResponse: { outcome: 'accepted' },
      satisfaction: { csat: 5, nps: 8 },
      closure: { reason: 'resolved' },
      links: { followUpOf: null, followUps: [{ complaintId: b, number: 'CMP-2026-000002' }] },
      revision: 17,
    });
    expect(docs[a].timeline).toHaveLength(18);
    expect(docs[a].timeline).toContainEqual({
      type: 'ComplaintPutOnHold',
      at: '2026-03-02T14:00:00.000Z',
      actor: 'spec',
      summary: 'Put on hold: waiting for documents',
    });
    expect(docs[b]).toMatchObject({
      status: 'acknowledged',
      links: { followUpOf: { complaintId: a, number: 'CMP-2026-000001' }, followUps: [] },
      revision: 1,
    });

    const queue = await result.docs('work-queue');
    expect(queue[a]).toMatchObject({
      status: 'closed',
      department: 'billing',
      nextDueAt: null,
      clockRunning: false,
      overdueWhileStopped: false,
    });
    expect(queue[b]).toMatchObject({
      status: 'acknowledged',
      department: null,
      resolutionDueAt: null,
      sortDueAt: '9999-12-31T23:59:59.999Z',
    });
    await result.close();
  });

  it('a held complaint past its deadline stays overdue while its clock is stopped', async () => {
    const h = new ComplaintHistory().then(a, steps.register(a, ana), steps.acknowledge, steps.assessValid, steps.grade('critical'));
    h.wait(10).then(a, steps.hold); // first response (4 h) already late when the clock stops
    const result = await projectEvents(complaintDetailsProjection, h.events);
    expect((await result.docs('work-queue'))[a]).toMatchObject({ status: 'on-hold', clockRunning: false, overdueWhileStopped: true });
    await result.close();
  });

  it('the same events delivered twice change nothing', async () => {
    await expectRedeliveryChangesNothing(complaintDetailsProjection, ['complaints', 'work-queue'], history().events);
  });
});

describe('complaint-solutions projection', () => {
  it('publishes the root cause and solution of resolved complaints, and withdraws them on reopen', async () => {
    const result = await projectEvents(complaintSolutionsProjection, history().events);
    const docs = await result.docs('solutions');
    expect(docs[a]).toEqual({
      _id: a,
      complaintId: a,
      number: 'CMP-2026-000001',
      category: 'billing',
      subCategory: 'double charge',
      product: 'Gold plan',
      rootCause: { category: 'billing-error', text: 'duplicate mandate' },
      solution: 'refunded',
      resolvedAt: expect.any(String),
      accepted: true,
      csat: 5,
      published: true,
    });
    expect(docs[b]).toMatchObject({ published: false, solution: null });
    await result.close();

    const reopened = await projectEvents(complaintSolutionsProjection, history({ followUp: false }).then(a, steps.reopen).events);
    expect((await reopened.docs('solutions'))[a]).toMatchObject({ published: false });
    await reopened.close();
  });

  it('the same events delivered twice change nothing', async () => {
    await expectRedeliveryChangesNothing(
      complaintSolutionsProjection,
      ['solutions'],
      history({ followUp: false }).then(a, steps.reopen).events,
    );
  });
});
