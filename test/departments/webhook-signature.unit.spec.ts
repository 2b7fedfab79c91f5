import { createHmac } from 'node:crypto';
import { retryDelayMs } from '../../src/departments/webhook-dispatcher';
import { computeSignature, generateWebhookSecret, signatureHeader, verifySignature } from '../../src/departments/webhook-signature';

describe('webhook signatures', () => {
  const body = '{"id":"e-1","type":"ComplaintAssigned"}';

  it('signs "timestamp.body" with HMAC-SHA256 keyed by the secret', () => {
    const expected = createHmac('sha256', 'whsec_test').update(`1773144000.${body}`).digest('hex');
    expect(computeSignature('whsec_test', '1773144000', body)).toBe(expected);
    expect(signatureHeader('whsec_test', '1773144000', body)).toBe(`v1=${expected}`);
  });

  it('verifies only the right secret, timestamp and body', () => {
    const header = signatureHeader('whsec_test', '1773144000', body);
    expect(verifySignature('whsec_test', '1773144000', body, header)).toBe(true);
    expect(verifySignature('whsec_other', '1773144000', body, header)).toBe(false);
    expect(verifySignature('whsec_test', '1773144001', body, header)).toBe(false);
    expect(verifySignature('whsec_test', '1773144000', `${body} `, header)).toBe(false);
    expect(verifySignature('whsec_test', '1773144000', body, `v0=abc ${header}`)).toBe(true);
  });

  it('generates distinct secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});

describe('retry backoff', () => {
  const options = { baseDelayMs: 1000, maxDelayMs: 3_600_000 };

  it('doubles from the base delay with at most 20% jitter, reproducibly', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const delay = retryDelayMs(attempt, 'w-1:e-1', options);
      const base = 1000 * 2 ** (attempt - 1);
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base * 1.2);
      expect(retryDelayMs(attempt, 'w-1:e-1', options)).toBe(delay);
    }
  });

  it('spreads deliveries that fail together', () => {
    const delays = new Set(['a', 'b', 'c', 'd', 'e'].map((id) => retryDelayMs(3, `w-1:${id}`, options)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it('is capped', () => {
    expect(retryDelayMs(13, 'w-1:e-1', options)).toBe(3_600_000);
    expect(retryDelayMs(500, 'w-1:e-1', options)).toBe(3_600_000);
  });
});
