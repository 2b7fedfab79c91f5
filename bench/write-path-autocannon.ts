import { createRequire } from 'node:module';

/** The part of autocannon's API the benchmarks use (it ships no types). */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  requests: { setupRequest: (request: LoadRequest) => LoadRequest }[];
}

interface AutocannonResult {
  duration: number;
  latency: { p50: number; p99: number; average: number };
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

export interface LoadResult {
  /** Successful (2xx) requests per second over the run. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
}

/**
 * Drives `connections` concurrent connections for `durationSeconds`; `next(i)` builds the i-th
 * request (so bodies and paths can vary per request).
 */
export async function load(
  url: string,
  connections: number,
  durationSeconds: number,
  next: (i: number) => LoadRequest,
): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration: durationSeconds,
    requests: [{ setupRequest: () => next(i++) }],
  });
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
