import { formatPosition } from '../../src/shared/event-store/position';
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
 * appended: the project's rule for every refusal (bad input or a business rule). "Nothing appended"
 * is read through the event store port: its head position is the same before and after (positions
 * are opaque, so they are compared, never subtracted).
 */
export async function expectRefused(
  app: Pick<TestApp, 'eventStore'>,
  send: () => Promise<TestResponse>,
  status: number,
  code: string,
): Promise<TestResponse> {
  const before = formatPosition(await app.eventStore.headPosition());
  const response = await send();
  expectProblem(response, status, code);
  expect(formatPosition(await app.eventStore.headPosition())).toBe(before);
  return response;
}
