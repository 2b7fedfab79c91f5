import type { TestApp, TestResponse } from './test-app';

/** The response is an RFC 7807 problem with this status and stable code. */
export function expectProblem(response: TestResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json).toMatchObject({
    status,
    code,
    type: expect.stringContaining('urn:relata:problem:'),
    title: expect.any(String),
    detail: expect.any(String),
  });
}

/**
 * When the request is sent, then it is refused with this status and code, and nothing was
 * appended: the project's rule for every refusal (bad input or a business rule).
 */
export async function expectRefused(
  app: Pick<TestApp, 'eventCount'>,
  send: () => Promise<TestResponse>,
  status: number,
  code: string,
): Promise<TestResponse> {
  const before = await app.eventCount();
  const response = await send();
  expectProblem(response, status, code);
  expect(await app.eventCount()).toBe(before);
  return response;
}
