import { TokenBucketRateLimiter } from '../../src/access/rate-limiter';

describe('token bucket per caller', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('lets a burst of the per-minute amount through, then refuses with the seconds until the next token', () => {
    const limiter = new TokenBucketRateLimiter(60, clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('key:a')).toEqual({ allowed: true });
    expect(limiter.take('key:a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another caller has its own bucket.
    expect(limiter.take('key:b')).toEqual({ allowed: true });
  });

  it('refills at the per-minute rate, never above the burst size', () => {
    const limiter = new TokenBucketRateLimiter(6, clock);
    for (let i = 0; i < 6; i++) limiter.take('u');
    expect(limiter.take('u')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 5_000;
    expect(limiter.take('u')).toEqual({ allowed: false, retryAfterSeconds: 5 });
    now += 5_000;
    expect(limiter.take('u')).toEqual({ allowed: true });
    expect(limiter.take('u').allowed).toBe(false);
    now += 3_600_000;
    for (let i = 0; i < 6; i++) expect(limiter.take('u').allowed).toBe(true);
    expect(limiter.take('u').allowed).toBe(false);
  });

  it('0 per minute means no limit', () => {
    const limiter = new TokenBucketRateLimiter(0, clock);
    for (let i = 0; i < 1000; i++) expect(limiter.take('u').allowed).toBe(true);
  });

  it('forgets full buckets when many callers come and go, keeping the state of the busy ones', () => {
    const limiter = new TokenBucketRateLimiter(2, clock);
    limiter.take('busy');
    limiter.take('busy');
    for (let i = 0; i < 10_001; i++) limiter.take(`caller-${i}`);
    now += 60_000;
    for (let i = 0; i < 10; i++) limiter.take(`late-${i}`);
    // Busy refilled meanwhile (a minute), so it may have been forgotten: either way it has a full burst again.
    expect(limiter.take('busy').allowed).toBe(true);
    expect(limiter.take('busy').allowed).toBe(true);
    expect(limiter.take('busy').allowed).toBe(false);
  });
});
