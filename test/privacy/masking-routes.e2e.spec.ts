import { MASK } from '../../src/access/personal-data';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { MARK, marksIn, type PersonalDataCycle, runPersonalDataCycle } from './personal-data-cycle';

/**
 * Masking for analysts and auditors without the pii grant, on every route that returns personal
 * data, in JSON and in CSV. The routes and the fields expected masked are written here by hand
 * (from the API, not computed from the masking code), and every answer is also searched for every
 * marked value of the cycle: a personal value shown under a name the mask list misses is found.
 */
interface MaskedRoute {
  url: (c: PersonalDataCycle) => string;
  role: 'analyst' | 'auditor';
  csv?: boolean;
  /** Paths (dotted, with array indexes) that must read "***". */
  masked: string[];
}

const ROUTES: MaskedRoute[] = [
  {
    url: (c) => `/customers/${c.customerId}`,
    role: 'analyst',
    masked: ['name', 'email', 'phone', 'company', 'deactivationReason', 'suggestions.0.declineReason'],
  },
  { url: () => '/customers', role: 'analyst', masked: ['items.0.name', 'items.0.email', 'items.0.phone', 'items.0.company'] },
  { url: (c) => `/customers/${c.customerId}/interactions`, role: 'analyst', masked: ['items.0.summary'] },
  {
    url: (c) => `/complaints/${c.complaintId}`,
    role: 'analyst',
    masked: [
      'description',
      'subCategory',
      'remedySought',
      'assessment.rationale',
      'notes.0.note',
      'rootCause.text',
      'actions.0.description',
      'actions.0.outcome',
      'progressUpdates.0.summary',
      'escalations.0.reason',
      'resolution.solution',
      'communication.summary',
      'satisfaction.reason',
      'satisfaction.comment',
      'reopenings.0.reason',
      'timeline.0.summary',
    ],
  },
  {
    url: (c) => `/complaints/${c.invalidComplaintId}`,
    role: 'analyst',
    masked: ['description', 'assessment.rationale', 'assessment.feedbackToCustomer', 'closure.feedbackToCustomer'],
  },
  { url: () => '/complaints', role: 'analyst', masked: [] },
  { url: () => '/solutions', role: 'analyst', masked: ['items.0.subCategory', 'items.0.rootCause.text', 'items.0.solution'] },
  { url: (c) => `/analytics/customers/${c.customerId}/value`, role: 'analyst', masked: ['name'] },
  { url: (c) => `/analytics/customers/${c.customerId}/value`, role: 'analyst', csv: true, masked: [] },
  { url: () => '/analytics/lifetime-value', role: 'analyst', masked: ['items.0.name'] },
  { url: () => '/analytics/lifetime-value', role: 'analyst', csv: true, masked: [] },
  { url: (c) => `/analytics/segments/history?customerId=${c.customerId}`, role: 'analyst', masked: [] },
  { url: (c) => `/analytics/segments/history?customerId=${c.customerId}`, role: 'analyst', csv: true, masked: [] },
  { url: () => '/analytics/segments/champions/members', role: 'analyst', masked: [] },
  { url: () => '/analytics/segments/champions/members', role: 'analyst', csv: true, masked: [] },
  { url: () => '/audit/feed?limit=1000', role: 'auditor', masked: [] },
  { url: (c) => `/audit/streams/customer-${c.customerId}`, role: 'auditor', masked: ['events.0.data.name'] },
  {
    url: (c) => `/audit/streams/complaint-${c.complaintId}`,
    role: 'auditor',
    masked: ['events.0.data.description', 'events.0.data.subCategory'],
  },
  { url: (c) => `/audit/streams/customer-${c.customerId}/state`, role: 'auditor', masked: [] },
  { url: (c) => `/audit/streams/complaint-${c.complaintId}/state`, role: 'auditor', masked: [] },
  { url: () => '/audit/correlations/masking-cycle', role: 'auditor', masked: [] },
  { url: () => '/audit/rejections', role: 'auditor', masked: [] },
];

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) current = (current as Record<string, unknown> | undefined)?.[key];
  return current;
}

describe('masking personal data for analysts and auditors, on every route that returns it', () => {
  let t: TestApp;
  let cycle: PersonalDataCycle;
  const keys: Record<'analyst' | 'auditor', string> = { analyst: '', auditor: '' };

  beforeAll(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 2000 });
    const department = await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' });
    cycle = await runPersonalDataCycle(t, department.json.id as string);
    // A request of the cycle's kind with a known correlation id, and a refusal for the rejection log.
    const c = `/customers/${cycle.customerId}`;
    await t.request(
      'POST',
      `${c}/interactions`,
      { channel: 'call', direction: 'outbound', summary: MARK.interaction, agent: 'Rui' },
      { 'x-correlation-id': 'masking-cycle' },
    );
    await t.request('PATCH', `${c}/contact`, { email: 'not an email' });
    const recompute = await t.request('POST', '/analytics/segments/recompute', {});
    expect({ status: recompute.status, body: recompute.body }).toMatchObject({ status: 200 });
    keys.analyst = (await t.createKey(['analyst'])).key;
    keys.auditor = (await t.createKey(['auditor'])).key;
    // Every read model has caught up with the last command.
    await t.request('GET', `/customers/${cycle.customerId}?minPosition=${recompute.json.position ?? cycle.last.json.position}`);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (route: MaskedRoute): Promise<TestResponse> =>
    t.request('GET', route.url(cycle), undefined, route.csv ? { accept: 'text/csv' } : {}, { auth: keys[route.role] });

  it.each(ROUTES.map((route) => [`${route.role} ${route.csv ? 'CSV' : 'JSON'}`, route] as const))('%s: %#', async (_, route) => {
    const answer = await get(route);
    expect({ url: route.url(cycle), status: answer.status }).toEqual({ url: route.url(cycle), status: 200 });
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    expect({ url: route.url(cycle), found: marksIn(text) }).toEqual({ url: route.url(cycle), found: [] });
    for (const path of route.masked) expect({ path, value: at(answer.json, path) }).toEqual({ path, value: MASK });
  });

  it('the unmasked answers hold the values, so the scan above can find them', async () => {
    const profile = await t.request('GET', `/customers/${cycle.customerId}`);
    expect(profile.json).toMatchObject({
      deactivationReason: MARK.deactivationReason,
      suggestions: [expect.objectContaining({ declineReason: MARK.declineReason })],
    });
    const complaint = await t.request('GET', `/complaints/${cycle.complaintId}`);
    expect(complaint.json).toMatchObject({ subCategory: MARK.subCategory, description: MARK.description });
    const csv = await t.request('GET', '/analytics/lifetime-value', undefined, { accept: 'text/csv' });
    expect(marksIn(String(csv.body))).toContain(MARK.newName);
  });
});
