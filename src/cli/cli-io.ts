import { ConfigError, loadConfig, type RelataConfig } from '../config/config';
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

/**
 * The configuration from the environment, or null once the command has said what to fix
 * ("Cannot <doing>: <variable and reason>"); the command then exits with 1.
 */
export function configOrExplain(env: Record<string, string | undefined>, doing: string, err: (line: string) => void): RelataConfig | null {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`Cannot ${doing}: ${error.message}`);
    return null;
  }
}
