import { parseArgs, type ParseArgsConfig } from 'node:util';
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

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * A command line read strictly, with --help/-h added. Returns the values and positionals, or the
 * exit code once it has answered: 0 after printing the usage for --help, 2 after a usage error
 * (the message, then the usage, on stderr).
 */
export function readCommandLine<const O extends OptionSpecs>(
  argv: string[],
  io: CliIo,
  usage: string,
  options: O,
  allowPositionals = false,
): { values: ParsedValues<O>; positionals: string[] } | { exit: number } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } } as OptionSpecs,
      strict: true,
      allowPositionals,
    });
    if ((values as { help?: boolean }).help === true) {
      io.stdout.write(`${usage}\n`);
      return { exit: 0 };
    }
    return { values: values as ParsedValues<O>, positionals };
  } catch (error) {
    return { exit: usageError(io, usage, error instanceof Error ? error.message : String(error)) };
  }
}

/** Says what is wrong with the command line, then the usage; the exit code of a usage error. */
export function usageError(io: CliIo, usage: string, message: string): number {
  io.stderr.write(`${message}\n\n${usage}\n`);
  return 2;
}

/** What parseArgs yields for these options: strings, booleans, or lists of them when `multiple`. */
type ParsedValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' }
    ? O[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string;
};
