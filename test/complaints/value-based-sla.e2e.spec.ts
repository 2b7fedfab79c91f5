import { customerSegmentsDecider, customerSegmentsStream } from '../../src/analytics/segmentation.events';
import { complaintStream } from '../../src/complaints/complaint.events';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import { startTestApp, type TestApp } from '../support/test-app';

/** Graded at the test clock's start, 12:00 on 10 March 2026. */
const NOW = '2026-03-10T12:00:00.000Z';
const HOUR = 3_600_000;
const after = (hours: number): string => new Date(Date.parse(NOW) + hours * HOUR).toISOString();

/** Default hours for high severity: resolution 24, first response 8; critical: 24 and 4. */
const POLICY = {
  resolutionHours: { critical: 24, high: 24, medium: 48, low: 72 },
  firstResponseHours: { critical: 4, high: 8, medium: 24, low: 24 },
  warningShare: 0.75,
  clockStartsAt: 'grading',
};

describe('Service by value: SLA deadlines by the customer value segment at grading time', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function ok(method: string, url: string, body?: unknown): Promise<Record<string, any>> {
    const response = await t.request(method, url, body);
    expect(response.status < 300 ? 'ok' : `${url}: ${response.status} ${JSON.stringify(response.json)}`).toBe('ok');
    return response.json;
  }

  /** A customer, placed in an RFM segment as a segmentation run would (business time: an hour ago). */
  async function customerIn(segment: string | null): Promise<string> {
    const id = (await ok('POST', '/customers', { name: 'Ana Lima', kind: 'customer', acquisitionChannel: 'web' })).id as string;
    if (segment !== null) {
      const at = after(-1);
      await t.app.get(CommandProcessor).handle({
        decider: customerSegmentsDecider,
        streamName: customerSegmentsStream(id),
        command: {
          type: 'AssignSegments',
          data: { customerId: id, runId: at, at, assignments: [{ scheme: 'rfm', segment, scores: null }] },
        },
        context: { actor: 'test', correlationId: 'seg', commandId: '' },
      });
    }
    return id;
  }

  async function gradedComplaint(customerId: string, severity = 'high'): Promise<string> {
    const id = (await ok('POST', '/complaints', { customerId, channel: 'phone', category: 'billing', description: 'Charged twice' }))
      .id as string;
    await ok('POST', `/complaints/${id}/acknowledge`, {});
    await ok('POST', `/complaints/${id}/assess`, { valid: true, rationale: 'Confirmed' });
    await ok('POST', `/complaints/${id}/grade`, { severity, difficulty: 'medium' });
    return id;
  }

  async function lastGrading(complaintId: string): Promise<Record<string, any>> {
    const events = await t.eventStore.readStream(complaintStream(complaintId));
    return events.filter((e) => e.type === 'ComplaintGraded').at(-1)!.data as Record<string, any>;
  }

  it('gives a champion the shorter deadline; a later policy change or regrade does not move it', async () => {
    await ok('PUT', '/sla-policies/current', {
      ...POLICY,
      valueTiers: [{ segment: 'rfm:champions', resolutionHours: 12, firstResponseHours: 2 }],
    });
    const star = await customerIn('champions');
    const plain = await customerIn('hibernating');
    const starComplaint = await gradedComplaint(star);
    const plainComplaint = await gradedComplaint(plain);

    expect(await lastGrading(starComplaint)).toMatchObject({
      resolutionDueAt: after(12),
      firstResponseDueAt: after(2),
      warningAt: after(12 * 0.75),
      policy: expect.objectContaining({ version: 2, valueSegment: 'rfm:champions' }),
    });
    const plainGrading = await lastGrading(plainComplaint);
    expect(plainGrading).toMatchObject({ resolutionDueAt: after(24), firstResponseDueAt: after(8) });
    expect(plainGrading.policy.valueSegment).toBeUndefined();

    // Champions now get 6 h: the complaint already graded keeps its 12 h, even when regraded.
    await ok('PUT', '/sla-policies/current', {
      ...POLICY,
      valueTiers: [{ segment: 'champions', resolutionHours: 6, firstResponseHours: null }],
    });
    await ok('POST', `/complaints/${starComplaint}/grade`, { severity: 'critical', difficulty: 'medium' });
    expect(await lastGrading(starComplaint)).toMatchObject({
      severity: 'critical',
      resolutionDueAt: after(12),
      firstResponseDueAt: after(2),
      policy: expect.objectContaining({ version: 2 }),
    });

    // A new complaint of the champion is graded under the new terms (first response: the severity's 8 h, capped at 6).
    const next = await gradedComplaint(star);
    expect(await lastGrading(next)).toMatchObject({
      resolutionDueAt: after(6),
      firstResponseDueAt: after(6),
      policy: expect.objectContaining({ version: 3, valueSegment: 'champions' }),
    });
  });

  it('shows the tiers on the policy in force and refuses unusable tiers, appending nothing', async () => {
    await ok('PUT', '/sla-policies/current', {
      ...POLICY,
      valueTiers: [{ segment: 'champions', resolutionHours: 12, firstResponseHours: 2 }],
    });
    expect((await t.request('GET', '/sla-policies/current')).json.valueTiers).toEqual([
      { segment: 'champions', resolutionHours: 12, firstResponseHours: 2 },
    ]);
    const before = await t.eventCount();
    const cases = [
      { tiers: [{ segment: 'champions', resolutionHours: 2, firstResponseHours: 4 }], status: 422, code: 'SLA_POLICY_INVALID' },
      { tiers: [{ segment: '', resolutionHours: 12 }], status: 400, code: 'VALIDATION_FAILED' },
      { tiers: [{ segment: 'champions', resolutionHours: -1 }], status: 400, code: 'VALIDATION_FAILED' },
      { tiers: 'champions', status: 400, code: 'VALIDATION_FAILED' },
    ];
    for (const c of cases) {
      const response = await t.request('PUT', '/sla-policies/current', { ...POLICY, valueTiers: c.tiers });
      expect({ tiers: c.tiers, status: response.status, code: response.json.code }).toEqual({
        tiers: c.tiers,
        status: c.status,
        code: c.code,
      });
    }
    expect(await t.eventCount()).toBe(before);
  });
});
