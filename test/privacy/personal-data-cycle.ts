import type { TestApp, TestResponse } from '../support/test-app';

/**
 * A full customer and complaint cycle that fills every personal field of every event type with a
 * distinctive value: finding one of these values anywhere (a file, an answer, a webhook body) means
 * that copy of the personal data was kept or shown. Each value names its field, so a finding says
 * which one leaked.
 *
 * The list is written by hand from the events (not computed from the inventory under test), and
 * covers each personal field of each event type in the cycle.
 */
export const MARK = {
  name: 'Zephyrine Quillfeather',
  email: 'zephyrine.quill@forgetme.example',
  phone: '+351 987 654 321',
  company: 'Quillfeather Atelier',
  newName: 'Zephyrine Q. Marblewood',
  newCompany: 'Marblewood Ateliers',
  interaction: 'Interaction-Xylophone-Quokka about her kitchen',
  declineReason: 'Decline-Pennywhistle she has no garden',
  deactivationReason: 'Deactivation-Ushuaia moving abroad',
  subCategory: 'SubCategory-Gobstopper twin debit',
  description: 'Description-Zanzibar-77 charged twice for March',
  remedySought: 'Remedy-Marzipan full refund',
  rationale: 'Rationale-Kumquat two debits of one invoice',
  holdReason: 'Hold-Tarragon waiting for her bank statement',
  escalationReason: 'Escalation-Oolong she called three times',
  note: 'Note-Fennel mandate registered twice for her',
  rootCause: 'RootCause-Quince duplicate mandate of hers',
  actionDescription: 'Action-Saffron cancel her second mandate',
  actionOutcome: 'Outcome-Juniper her mandate cancelled',
  progress: 'Progress-Cardamom we found the cause for her',
  solution: 'Solution-Lovage refunded her duplicate debit',
  decision: 'Decision-Sorrel explained the refund to her',
  rejection: 'Rejection-Chervil she wants the overdraft fee back',
  secondSolution: 'Solution-Borage refunded her overdraft fee too',
  secondDecision: 'Decision-Angelica told her about the fee',
  satisfactionReason: 'Satisfaction-Bergamot it took too long',
  satisfactionComment: 'Comment-Verbena the agent was kind',
  invalidRationale: 'Invalid-Rationale-Tamarind not our product',
  invalidFeedback: 'Invalid-Feedback-Galangal this is the bank’s product',
  secondDescription: 'Description-Hyssop the parcel was crushed',
} as const;

/** Every marked value, and the lower-cased copies read models keep for search. */
export function markedValues(): string[] {
  const values = Object.values(MARK) as string[];
  return [...new Set([...values, ...values.map((v) => v.toLowerCase())])];
}

/** The marked values found in a text. */
export function marksIn(text: string): string[] {
  return markedValues().filter((value) => text.includes(value));
}

export interface PersonalDataCycle {
  customerId: string;
  complaintId: string;
  invalidComplaintId: string;
  departmentId: string;
  last: TestResponse;
}

function expectOk(response: TestResponse, what: string): TestResponse {
  if (response.status >= 300) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response;
}

/**
 * Runs the cycle through the HTTP API as the all-roles test principal. `beforeLastSteps` runs before
 * the final steps (satisfaction, closure, deactivation), e.g. to deliver the webhooks so far.
 */
export async function runPersonalDataCycle(
  t: TestApp,
  departmentId: string,
  beforeLastSteps?: () => Promise<void>,
): Promise<PersonalDataCycle> {
  const post = async (url: string, body?: unknown) => expectOk(await t.request('POST', url, body), `POST ${url}`);
  const customer = await post('/customers', {
    name: MARK.name,
    email: MARK.email,
    phone: MARK.phone,
    company: MARK.company,
    kind: 'customer',
    acquisitionChannel: 'web',
  });
  const customerId = customer.json.id as string;
  const c = `/customers/${customerId}`;
  expectOk(await t.request('PATCH', `${c}/contact`, { name: MARK.newName, company: MARK.newCompany }), 'PATCH contact');
  // A refused request carrying personal data: the rejection log must keep none of it.
  const refused = await t.request('PATCH', `${c}/contact`, { email: `${MARK.name} at home`, phone: MARK.phone, note: MARK.interaction });
  if (refused.status !== 400) throw new Error(`the invalid contact change answered ${refused.status}`);
  await post(`${c}/interactions`, { channel: 'call', direction: 'inbound', summary: MARK.interaction, agent: 'Rui' });
  await post(`${c}/purchases`, { lines: [{ product: 'Gold plan', quantity: 1, amount: 120 }], margin: 30, currency: 'EUR' });
  const suggestion = await post(`${c}/suggestions`, { product: 'Garden kit', expectedValue: 40, expiresAt: '2026-12-31T00:00:00.000Z' });
  await post(`${c}/suggestions/${suggestion.json.suggestionId ?? suggestion.json.id}/decline`, { reason: MARK.declineReason });

  const registered = await post('/complaints', {
    customerId,
    channel: 'phone',
    category: 'billing',
    subCategory: MARK.subCategory,
    product: 'Gold plan',
    description: MARK.description,
    remedySought: MARK.remedySought,
  });
  const complaintId = registered.json.id as string;
  const k = `/complaints/${complaintId}`;
  await post(`${k}/acknowledge`);
  await post(`${k}/assign`, { department: departmentId, assignee: 'agent-7' });
  await post(`${k}/assess`, { valid: true, rationale: MARK.rationale });
  await post(`${k}/grade`, { severity: 'high', difficulty: 'medium' });
  await post(`${k}/hold`, { reason: MARK.holdReason });
  await post(`${k}/resume`);
  await post(`${k}/notes`, { note: MARK.note });
  await post(`${k}/root-cause`, { category: 'billing-error', text: MARK.rootCause });
  const action = await post(`${k}/actions`, {
    kind: 'corrective',
    description: MARK.actionDescription,
    department: departmentId,
    dueAt: '2026-12-12T12:00:00Z',
  });
  await post(`${k}/progress`, { channel: 'email', summary: MARK.progress });
  await post(`${k}/escalate`, { reason: MARK.escalationReason });
  await post(`${k}/actions/${action.json.actionId as string}/complete`, { outcome: MARK.actionOutcome });
  await post(`${k}/resolve`, { solution: MARK.solution });
  await post(`${k}/communicate`, { channel: 'phone', summary: MARK.decision });
  await post(`${k}/reject`, { reason: MARK.rejection });
  await post(`${k}/resolve`, { solution: MARK.secondSolution });
  await post(`${k}/communicate`, { channel: 'phone', summary: MARK.secondDecision });
  await post(`${k}/accept`);

  const invalid = await post('/complaints', { customerId, channel: 'web', category: 'delivery', description: MARK.secondDescription });
  const invalidComplaintId = invalid.json.id as string;
  await post(`/complaints/${invalidComplaintId}/assign`, { department: departmentId });
  await post(`/complaints/${invalidComplaintId}/assess`, {
    valid: false,
    rationale: MARK.invalidRationale,
    feedbackToCustomer: MARK.invalidFeedback,
  });

  if (beforeLastSteps) await beforeLastSteps();

  await post(`${k}/satisfaction`, { csat: 2, nps: 3, reason: MARK.satisfactionReason, comment: MARK.satisfactionComment });
  await post(`${k}/close`, { reason: 'resolved' });
  const last = await post(`${c}/deactivate`, { reason: MARK.deactivationReason });
  return { customerId, complaintId, invalidComplaintId, departmentId, last };
}
