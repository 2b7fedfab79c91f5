import type { CliIo } from '../../src/cli/cli-io';

/** A CliIo that records what a command writes. */
export function captureIo(env: Record<string, string | undefined> = {}): CliIo & { out(): string; err(): string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { isTTY: false, write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    out: () => stdout,
    err: () => stderr,
  };
}
