import * as net from 'node:net';

/**
 * The contract between `bench/run.ts` and each benchmark. A benchmark measures, compares what it
 * measured with the targets of issue 6, and says why when it misses one; the runner records the
 * machine, Node version, date and commit, and writes bench/results.md.
 */

export interface BenchContext {
  /** Small sizes, for a smoke run (`npm run bench -- --quick`); the recorded results use full sizes. */
  quick: boolean;
  /** A scratch directory for this benchmark (removed by the runner afterwards). */
  workDir: string;
  /** Data sets shared between benchmarks (the seeded 1M-event log), kept between runs. */
  cacheDir: string;
  /** Progress for the operator (stderr); never part of the results. */
  log(message: string): void;
}

export interface TargetCheck {
  /** What is measured, e.g. "register complaint: requests/s vs no-write". */
  name: string;
  /** The target as stated in the issue, e.g. ">= 0.8 x". */
  target: string;
  /** The measured value, with its unit. */
  measured: string;
  met: boolean;
  /** For a miss: by how much and why. */
  note?: string;
}

export interface BenchReport {
  /** Markdown for this benchmark's section (tables, short prose); no top-level heading. */
  body: string;
  targets: TargetCheck[];
}

export interface Benchmark {
  /** Used on the command line: `npm run bench -- NAME`. */
  name: string;
  /** Heading of its section in results.md. */
  title: string;
  run(context: BenchContext): Promise<BenchReport>;
}

/** p-th percentile (0..100) of a sample, nearest-rank. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** A markdown table from a header and rows. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A free TCP port on the loopback interface (bound, read, released) for a server the benchmark starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
