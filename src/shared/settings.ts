/**
 * The kernel's side of configuration: the DI token, the error a bad setting raises, the one set of
 * environment parsers every loader uses, and the part of the configuration the kernel reads.
 *
 * The whole configuration (src/config/config.ts) is assembled by the composition root, because it
 * names settings of every feature; the kernel must not import a feature, so it declares here what
 * it needs and the full RelataConfig satisfies it structurally.
 */

export const RELATA_CONFIG = Symbol('RELATA_CONFIG');

/** A bad setting: the message is one line that names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** What the kernel (stores, projections, erasure) reads of the configuration. */
export interface KernelConfig {
  /** esdb:// or kurrentdb:// connection string; null selects the embedded SQLite event store. */
  eventStoreUrl: string | null;
  /** Stream name prefix of this installation in a shared EventStoreDB; null: none. */
  eventStoreStreamPrefix: string | null;
  /** mongodb:// or mongodb+srv:// URL; null selects the embedded read store. */
  mongodbUrl: string | null;
  /** Where the embedded stores keep their files. */
  dataDir: string;
  /** How long a query with ?minPosition= waits for its read model, at most. */
  consistencyTimeoutMs: number;
  /**
   * Subjects whose keys are kept in memory (RELATA_KEY_CACHE_ENTRIES, ~1.2 KB each with the field keys
   * derived from them): size it to the working set (the customers a rebuild or the live traffic
   * touches), or every read decrypts after a key-store lookup and an HKDF.
   */
  keyCacheEntries?: number;
  /** Benchmark only: appends are decided, then thrown away (see config.ts). */
  benchDiscardWrites?: boolean;
}

/** The trimmed value, or undefined when unset or blank. */
export function optionalSetting(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A whole number in [min, max]; the fallback when unset. */
export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

const ON = ['on', 'true', '1'];
const OFF = ['off', 'false', '0'];

/** A switch: on|off (true/false and 1/0 are read the same way); the fallback when unset. */
export function onOffSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = optionalSetting(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (ON.includes(raw)) return true;
  if (OFF.includes(raw)) return false;
  throw new ConfigError(name, `must be "on" or "off" (got "${raw}")`);
}
