import type { ProgressOutput } from '../importers/progress-bar';

/** Where a CLI command reads its environment and writes: the process, or stand-ins in tests. */
export interface CliIo {
  stdout: ProgressOutput;
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

export function consoleIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Line-oriented output (what replay, projections verify and audit verify take). */
export function linesOf(io: CliIo): { out(text: string): void; err(text: string): void } {
  return { out: (text) => void io.stdout.write(`${text}\n`), err: (text) => void io.stderr.write(`${text}\n`) };
}
