/** Above this many tracked callers, buckets that have refilled completely are forgotten (they hold no state worth keeping). */
const SWEEP_ABOVE = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket per caller (API key or JWT subject), in memory: up to `perMinute` requests at
 * once, refilled at `perMinute` per minute. In memory means per process: with several instances
 * behind a load balancer each allows the rate, so put the limit in the proxy when that matters.
 * Time is a monotonic clock in milliseconds (not the business clock tests move by hand).
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = perMinute / 60_000;
  }

  take(caller: string): RateDecision {
    if (this.perMinute <= 0) return { allowed: true };
    const now = this.now();
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    if (!this.buckets.has(caller)) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      this.buckets.set(caller, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** The decision take() would give, without taking anything. */
  peek(caller: string): RateDecision {
    if (this.perMinute <= 0) return { allowed: true };
    const bucket = this.buckets.get(caller);
    if (bucket === undefined) return { allowed: true };
    const tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, this.now() - bucket.at) * this.perMs);
    if (tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
  }

  private sweep(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(caller);
    }
  }
}
