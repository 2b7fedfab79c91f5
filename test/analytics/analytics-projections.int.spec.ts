import { clvModelProjection } from '../../src/analytics/clv-model.projection';
import { complaintStatsProjection } from '../../src/analytics/complaint-stats.projection';
import { customerValueProjection } from '../../src/analytics/customer-value.projection';
import { segmentHistoryProjection } from '../../src/analytics/segment-history.projection';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { type GivenEvent, projectEvents } from '../support/projection-spec';

const ana = '00000000-0000-4000-8000-00000000000a';
const bruno = '00000000-0000-4000-8000-00000000000b';

/**
 * Projecting twice from the start gives the same documents. The second delivery is counted: every
 * event the projection handled the first time reaches it again, so "unchanged" is not the outcome
 * of a redelivery that never happened.
 */
async function expectRedeliveryChangesNothing(definition: ProjectionDefinition, collections: string[], events: GivenEvent[]) {
  const delivered: string[] = [];
  const counting: ProjectionDefinition = {
    ...definition,
    handle: (event, ctx) => {
      delivered.push(event.id);
      return definition.handle(event, ctx);
    },
  };
  const result = await projectEvents(counting, events);
  const snapshot = async () => Object.fromEntries(await Promise.all(collections.map(async (c) => [c, await result.docs(c)] as const)));
  const once = await snapshot();
  const firstDelivery = delivered.splice(0);
  expect(firstDelivery.length).toBeGreaterThan(0);
  expect(firstDelivery).toHaveLength(events.filter((e) => definition.eventTypes.includes(e.type)).length);
  await result.redeliverAll();
  expect(delivered).toEqual(firstDelivery);
  expect(await snapshot()).toEqual(once);
  await result.close();
}

const registered = (customerId: string, name: string, kind = 'customer'): GivenEvent => ({
  stream: `customer-${customerId}`,
  type: 'CustomerRegistered',
  data: { customerId, name, kind, acquisitionChannel: 'web', referredBy: null, registeredAt: '2026-01-01T00:00:00.000Z' },
});
const purchase = (
  customerId: string,
  purchaseId: string,
  occurredAt: string,
  lines: { product: string; quantity: number; amount: number }[],
  margin = 0,
): GivenEvent => ({
  stream: `customer-${customerId}`,
  type: 'PurchaseRecorded',
  data: { customerId, purchaseId, lines, amount: lines.reduce((s, l) => s + l.amount, 0), margin, currency: 'EUR', occurredAt },
});

describe('customer-value projection', () => {
  const events: GivenEvent[] = [
    registered(ana, 'Ana', 'prospect'),
    registered(bruno, 'Bruno'),
    // Recorded out of order, two on one day, a product on two lines of one purchase.
    purchase(ana, 'p2', '2026-02-10T10:00:00.000Z', [{ product: 'CD', quantity: 1, amount: 10 }]),
    { stream: `customer-${ana}`, type: 'ProspectConverted', data: { customerId: ana, convertedAt: '2026-02-10T10:00:00.000Z' } },
    purchase(
      ana,
      'p1',
      '2026-01-05T10:00:00.000Z',
      [
        { product: 'CD', quantity: 2, amount: 20 },
        { product: 'CD', quantity: 1, amount: 5 },
      ],
      5,
    ),
    purchase(ana, 'p3', '2026-01-05T18:30:00.000Z', [{ product: 'Poster', quantity: 1, amount: 4.5 }], 1),
    purchase(bruno, 'p4', '2026-01-07T10:00:00.000Z', [{ product: 'CD', quantity: 1, amount: 12 }]),
    {
      stream: `customer-${ana}`,
      type: 'TransactionSuggested',
      data: {
        customerId: ana,
        suggestionId: 's1',
        product: 'Box',
        expectedValue: 30,
        expiresAt: '2026-04-01T00:00:00.000Z',
        suggestedAt: '2026-02-11T00:00:00.000Z',
      },
    },
    {
      stream: `customer-${ana}`,
      type: 'SuggestionAccepted',
      data: { customerId: ana, suggestionId: 's1', expectedValue: 30, acceptedAt: '2026-02-12T00:00:00.000Z' },
    },
    {
      stream: `customer-${ana}`,
      type: 'ContactDetailsUpdated',
      data: { customerId: ana, changes: { name: 'Ana Lima' }, updatedAt: '2026-02-12T00:00:00.000Z' },
    },
    {
      stream: `customer-${bruno}`,
      type: 'CustomerDeactivated',
      data: { customerId: bruno, reason: 'moved', deactivatedAt: '2026-02-12T00:00:00.000Z' },
    },
  ];

  it('keeps current value, purchase days (same day summed) and suggestions per customer, and product interest', async () => {
    const result = await projectEvents(customerValueProjection, events);
    const customers = await result.docs('customers');
    // Figures and purchase days per currency (the purchases here are in EUR).
    expect(customers[ana]).toMatchObject({
      name: 'Ana Lima',
      status: 'customer',
      byCurrency: {
        EUR: {
          revenue: 39.5,
          margin: 6,
          purchaseCount: 3,
          averageOrderValue: 13.17,
          firstPurchaseAt: '2026-01-05T10:00:00.000Z',
          lastPurchaseAt: '2026-02-10T10:00:00.000Z',
          daySummary: { days: 2, firstDay: 20458, firstAmount: 29.5, lastDay: 20494, repeatSpend: 10 },
        },
      },
      // Days since 1970-01-01: 2026-01-05 is day 20458.
      days: {
        EUR: [
          [20458, 29.5],
          [20494, 10],
        ],
      },
      suggestions: [expect.objectContaining({ suggestionId: 's1', status: 'accepted', decidedAt: '2026-02-12T00:00:00.000Z' })],
      suggestionsAccepted: 1,
    });
    expect(customers[bruno]).toMatchObject({ status: 'deactivated', byCurrency: { EUR: { revenue: 12 } } });
    const interest = await result.docs('product-interest');
    expect(interest[`${ana}/CD`]).toMatchObject({
      purchases: 2,
      quantity: 4,
      amounts: { EUR: 35 },
      firstPurchaseAt: '2026-01-05T10:00:00.000Z',
      lastPurchaseAt: '2026-02-10T10:00:00.000Z',
    });
    expect(interest[`${ana}/Poster`]).toMatchObject({ purchases: 1, amounts: { EUR: 4.5 } });
    const products = await result.docs('products');
    expect(products.CD).toMatchObject({ product: 'CD', customers: 2, purchases: 3, quantity: 5, amounts: { EUR: 47 } });
    expect(products.Poster).toMatchObject({ customers: 1 });
    await result.close();
  });

  it('erases the name of a forgotten customer and keeps the figures', async () => {
    const forgotten: GivenEvent = {
      stream: `customer-${ana}`,
      type: 'CustomerForgotten',
      data: { customerId: ana, forgottenAt: '2026-03-01T00:00:00.000Z' },
    };
    const result = await projectEvents(customerValueProjection, [...events, forgotten]);
    expect((await result.docs('customers'))[ana]).toMatchObject({
      name: '[erased]',
      byCurrency: { EUR: { revenue: 39.5, purchaseCount: 3 } },
    });
    await result.close();
  });

  it('is unchanged by redelivery', async () => {
    await expectRedeliveryChangesNothing(customerValueProjection, ['customers', 'product-interest', 'products', 'currencies'], events);
  });
});

describe('segment-history projection', () => {
  const change = (customerId: string, scheme: string, from: string | null, to: string | null, at: string): GivenEvent => ({
    stream: `customer-segments-${customerId}`,
    type: 'CustomerSegmentChanged',
    data: { customerId, scheme, from, to, at, runId: at, scores: to ? { r: 5 } : null },
  });
  const events: GivenEvent[] = [
    change(ana, 'rfm', null, 'champions', '2026-03-01T00:00:00.000Z'),
    change(ana, 'value-matrix', null, 'star', '2026-03-01T00:00:00.000Z'),
    change(bruno, 'rfm', null, 'new', '2026-03-01T00:00:00.000Z'),
    {
      stream: 'segmentation-2026-03-01T00:00:00.000Z',
      type: 'SegmentationRunCompleted',
      data: {
        runId: '2026-03-01T00:00:00.000Z',
        asOf: '2026-03-01T00:00:00.000Z',
        customersScored: { rfm: 2, 'value-matrix': 1 },
        changes: 3,
        segments: {},
        completedAt: '2026-03-01T00:00:05.000Z',
      },
    },
    change(ana, 'rfm', 'champions', 'at-risk', '2026-06-01T00:00:00.000Z'),
    change(bruno, 'rfm', 'new', null, '2026-06-01T00:00:00.000Z'),
  ];

  it('keeps the current segment since its change, every change, and the runs', async () => {
    const result = await projectEvents(segmentHistoryProjection, events);
    const memberships = await result.docs('memberships');
    expect(memberships[`rfm/${ana}`]).toMatchObject({
      customerId: ana,
      scheme: 'rfm',
      segment: 'at-risk',
      since: '2026-06-01T00:00:00.000Z',
    });
    expect(memberships[`value-matrix/${ana}`]).toMatchObject({ segment: 'star', since: '2026-03-01T00:00:00.000Z' });
    expect(memberships[`rfm/${bruno}`]).toMatchObject({ segment: null, since: '2026-06-01T00:00:00.000Z', scores: null });
    expect(Object.values(await result.docs('changes'))).toHaveLength(5);
    expect(await result.docs('runs')).toEqual({ '2026-03-01T00:00:00.000Z': expect.objectContaining({ changes: 3 }) });
    await result.close();
  });

  it('is unchanged by redelivery', async () => {
    await expectRedeliveryChangesNothing(segmentHistoryProjection, ['memberships', 'changes', 'runs'], events);
  });
});

describe('clv-model projection', () => {
  const fitted = (modelId: string): GivenEvent => ({
    stream: 'clv-model',
    type: 'ClvModelFitted',
    data: {
      modelId,
      calibrationEnd: '2026-01-31',
      unit: 'week',
      bgnbd: { r: 1 },
      gammaGamma: { p: 1 },
      customers: 10,
      repeatCustomers: 4,
      fittedAt: '2026-02-01T00:00:00.000Z',
    },
  });

  it('keeps every model with its revision (the highest is current)', async () => {
    const result = await projectEvents(clvModelProjection, [fitted('m1'), fitted('m2')]);
    const models = await result.docs('models');
    expect(models.m1).toMatchObject({ modelId: 'm1', revision: 0 });
    expect(models.m2).toMatchObject({ modelId: 'm2', revision: 1, unit: 'week' });
    await result.close();
  });
});

describe('complaint-stats projection', () => {
  const c = '00000000-0000-4000-8000-0000000000c1';
  const ev = (type: string, data: object): GivenEvent => ({ stream: `complaint-${c}`, type, data: { complaintId: c, ...data } });
  const events: GivenEvent[] = [
    ev('ComplaintRegistered', {
      number: 'CMP-2026-000001',
      customerId: ana,
      channel: 'phone',
      category: 'billing',
      subCategory: null,
      product: 'Gold',
      description: 'x',
      remedySought: null,
      occurredAt: '2026-03-01T08:00:00.000Z',
      receivedAt: '2026-03-01T09:00:00.000Z',
      followUpOf: null,
    }),
    ev('ComplaintAcknowledged', { automatic: false, acknowledgedAt: '2026-03-01T10:00:00.000Z' }),
    ev('ComplaintAssigned', {
      department: 'dep-1',
      assignee: null,
      previousDepartment: null,
      previousAssignee: null,
      by: 'x',
      assignedAt: '2026-03-01T10:00:00.000Z',
    }),
    ev('ComplaintAssessed', { valid: true, rationale: 'ok', feedbackToCustomer: null, assessedAt: '2026-03-01T10:00:00.000Z' }),
    ev('ComplaintGraded', { severity: 'high', difficulty: 'low', gradedAt: '2026-03-01T10:00:00.000Z' }),
    ev('SlaBreached', { deadline: 'first-response', dueAt: '2026-03-01T18:00:00.000Z', breachedAt: '2026-03-01T18:00:00.000Z' }),
    ev('RootCauseRecorded', { category: 'other', text: 'x', previousCategory: null, recordedAt: '2026-03-01T19:00:00.000Z' }),
    ev('ComplaintResolved', {
      solution: 'x',
      resolutionDueAt: '2026-03-02T10:00:00.000Z',
      withinSla: true,
      resolvedAt: '2026-03-01T20:00:00.000Z',
    }),
    ev('SatisfactionRecorded', { csat: 2, nps: 3, reason: 'slow', comment: null, recordedAt: '2026-03-01T21:00:00.000Z' }),
  ];

  it('keeps the facts of each complaint', async () => {
    const result = await projectEvents(complaintStatsProjection, events);
    expect((await result.docs('complaints'))[c]).toMatchObject({
      status: 'resolved',
      category: 'billing',
      product: 'Gold',
      channel: 'phone',
      department: 'dep-1',
      severity: 'high',
      registeredAt: '2026-03-01T09:00:00.000Z',
      acknowledgedAt: '2026-03-01T10:00:00.000Z',
      valid: true,
      resolvedAt: '2026-03-01T20:00:00.000Z',
      resolutionWithinSla: true,
      breachedFirstResponse: true,
      breachedResolution: false,
      everResolvedOrClosed: true,
      reopenCount: 0,
      csat: 2,
      nps: 3,
    });
    await result.close();
  });

  it('clears the resolution on a reopen and counts it', async () => {
    const reopen = ev('ComplaintReopened', {
      trigger: 'reopen-request',
      reason: 'again',
      status: 'investigating',
      clockPausedMs: 0,
      firstResponseDueAt: null,
      resolutionDueAt: null,
      warningAt: null,
      reopenedAt: '2026-03-02T00:00:00.000Z',
    });
    const result = await projectEvents(complaintStatsProjection, [...events, reopen]);
    expect((await result.docs('complaints'))[c]).toMatchObject({
      status: 'investigating',
      resolvedAt: null,
      resolutionWithinSla: null,
      everResolvedOrClosed: true,
      reopenCount: 1,
    });
    await result.close();
  });

  it('is unchanged by redelivery', async () => {
    await expectRedeliveryChangesNothing(complaintStatsProjection, ['complaints'], events);
  });
});
