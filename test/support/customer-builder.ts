import type { TestApp, TestResponse } from './test-app';

/** What POST /customers takes. */
export type CustomerBody = Record<string, unknown>;

/**
 * The body of POST /customers for a prospect who signed up on the web, Ana Lima unless `overrides`
 * say otherwise (they replace or add fields: `{ kind: 'customer' }`, `{ email: undefined }`, ...).
 */
export function newCustomerBody(overrides: CustomerBody = {}): CustomerBody {
  return { name: 'Ana Lima', email: 'ana@example.com', kind: 'prospect', acquisitionChannel: 'web', ...overrides };
}

/** When a customer is registered: POST /customers with newCustomerBody(overrides), these headers added. */
export function registerCustomer(t: TestApp, overrides: CustomerBody = {}, headers: Record<string, string> = {}): Promise<TestResponse> {
  return t.request('POST', '/customers', newCustomerBody(overrides), headers);
}
