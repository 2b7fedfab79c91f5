import { randomUUID } from 'node:crypto';
import { type KeyStore, SubjectForgottenError } from '../../src/shared/privacy/key-store.port';

export interface KeyStoreContractFixture {
  store: KeyStore;
  teardown: () => Promise<void>;
}

export interface KeyStoreContractOptions {
  /** Pass describeWithEnv(...) (test/support/skips.ts) to make the suite conditional on a reachable server, with its reason. */
  describeFn?: jest.Describe;
}

/** Behaviour every KeyStore adapter must have; each test uses its own subjects, so a shared server is fine. */
export function keyStoreContract(
  adapterName: string,
  factory: () => Promise<KeyStoreContractFixture>,
  options: KeyStoreContractOptions = {},
): void {
  const describeFn = options.describeFn ?? describe;

  describeFn(`KeyStore contract: ${adapterName}`, () => {
    let store: KeyStore;
    let teardown: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, teardown } = await factory());
    });
    afterAll(async () => {
      await teardown?.();
    });

    const subject = () => `contract-${randomUUID()}`;

    it('creates a random 32-byte key on first use and returns the same key afterwards', async () => {
      const a = subject();
      const b = subject();
      expect(await store.get(a)).toEqual({ state: 'missing' });

      const key = await store.getOrCreate(a);
      expect(key).toBeInstanceOf(Buffer);
      expect(key).toHaveLength(32);
      expect(await store.getOrCreate(a)).toEqual(key);
      expect(await store.get(a)).toEqual({ state: 'active', key });
      expect(await store.getOrCreate(b)).not.toEqual(key);
    });

    it('concurrent first uses agree on one key', async () => {
      const a = subject();
      const keys = await Promise.all(Array.from({ length: 5 }, () => store.getOrCreate(a)));
      for (const key of keys) expect(key).toEqual(keys[0]);
    });

    it('delete erases the key for good: a tombstone, and no new key is ever made', async () => {
      const a = subject();
      await store.getOrCreate(a);

      expect(await store.delete(a)).toBe(true);
      expect(await store.get(a)).toEqual({ state: 'forgotten', forgottenAt: expect.any(String) });
      await expect(store.getOrCreate(a)).rejects.toBeInstanceOf(SubjectForgottenError);
      await expect(store.getOrCreate(a)).rejects.toMatchObject({ code: 'SUBJECT_FORGOTTEN', status: 422 });
      expect(await store.delete(a)).toBe(false);
      expect(await store.get(a)).toMatchObject({ state: 'forgotten' });
    });

    it('deleting a subject that never had a key still forbids one', async () => {
      const a = subject();
      expect(await store.delete(a)).toBe(false);
      expect(await store.get(a)).toMatchObject({ state: 'forgotten' });
      await expect(store.getOrCreate(a)).rejects.toBeInstanceOf(SubjectForgottenError);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
