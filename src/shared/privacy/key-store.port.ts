import { BusinessRuleViolation } from '../errors/domain-errors';

/**
 * The key store port: one random 256-bit data key per data subject (a customer), which encrypts
 * that subject's personal data in the event store. Deleting the key erases the data everywhere it
 * was encrypted (crypto-shredding) while the events themselves stay for audit.
 *
 * A deleted key leaves a tombstone: the subject is "forgotten" for good and getOrCreate refuses
 * to make a new key, so nothing personal can be recorded about them again by mistake.
 *
 * Adapters: embedded (SQLite file `keys.sqlite` in the data dir) and MongoDB (collection
 * `privacy_keys`), held to one contract suite (test/privacy/key-store.contract.ts).
 */
export type KeyLookup =
  | { state: 'active'; key: Buffer }
  | { state: 'forgotten'; forgottenAt: string }
  /** No key was ever created for this subject. */
  | { state: 'missing' };

export interface KeyStore {
  /** The subject's data key, created (durably) on first use. Throws SubjectForgottenError once deleted. */
  getOrCreate(subjectId: string): Promise<Buffer>;
  get(subjectId: string): Promise<KeyLookup>;
  /**
   * Deletes the subject's key and leaves a tombstone (also when no key existed yet).
   * True when a key was deleted by this call; false when there was none or it was already deleted.
   */
  delete(subjectId: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Data keys are AES-256 keys. */
export const DATA_KEY_BYTES = 32;

/** Raised when personal data would be recorded about a subject whose key was deleted (422). */
export class SubjectForgottenError extends BusinessRuleViolation {
  constructor(readonly subjectId: string) {
    super('SUBJECT_FORGOTTEN', 'This person asked to be forgotten: no personal data about them can be recorded any more', {
      subjectId,
    });
  }
}

/**
 * Raised when an encrypted value names a key the store never held: the key store in use is not
 * the one the events were written with (wrong data dir or database). Never read as erased, so a
 * misconfiguration cannot silently blank the read models.
 */
export class UnknownDataKeyError extends Error {
  readonly code = 'UNKNOWN_DATA_KEY';
  constructor(readonly subjectId: string) {
    super(`No data key was ever created for subject ${subjectId}: is this the key store the events were written with?`);
    this.name = 'UnknownDataKeyError';
  }
}

/** Injection token for the KeyStore port. */
export const KEY_STORE = Symbol('KEY_STORE');
