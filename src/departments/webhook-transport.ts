import * as http from 'node:http';
import * as https from 'node:https';
import { NOT_AN_IP, WebhookTargetRefused, type WebhookNetworkPolicy } from './webhook-network-policy';

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Why an attempt got no HTTP answer, as the delivery log tells it. */
export const UNREACHABLE = 'the receiver could not be reached (no connection, or no answer in time)';

/**
 * One POST through node:http(s), with the network policy as the DNS lookup: the addresses a name
 * resolves to are checked right before connecting, and a refused target is never connected to.
 * Resolves with the status code; redirects are not followed (they count as failures). The body
 * of the answer is not read.
 */
export function postWebhook(policy: WebhookNetworkPolicy, post: WebhookPost): Promise<number> {
  const url = new URL(post.url);
  // An IP literal skips the lookup: it is checked here, before any socket is opened.
  const literal = policy.decide(url.hostname);
  if (!literal.allowed && literal.reason !== NOT_AN_IP) return Promise.reject(new WebhookTargetRefused(literal.reason));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
        lookup: policy.lookup as never,
        signal: post.signal,
        // No connection reuse: each attempt resolves (and so is checked) again.
        agent: false,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    // One deadline for the whole attempt (connect and answer), like fetch's AbortSignal.timeout.
    const timer = setTimeout(() => request.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), post.timeoutMs);
    timer.unref();
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(post.body);
  });
}

/**
 * What the delivery log says about a failed attempt. Connection failures of every kind (refused,
 * reset, unreachable, timed out, name not found) read the same, so the log cannot be used to tell
 * a closed port from a filtered one; a refused target says so.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof WebhookTargetRefused) return error.message;
  return UNREACHABLE;
}
