import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import { CachingKeyStore } from '../../src/shared/privacy/caching-key-store';
import { KeyWrapping, parseMasterKey } from '../../src/shared/privacy/key-wrapping';
import { SqliteKeyStore } from '../../src/shared/privacy/sqlite-key-store';
import { keyStoreContract } from './key-store.contract';

const directory = mkdtempSync(join(tmpdir(), 'relata-key-store-'));
let files = 0;
const newFile = (): string => join(directory, `keys-${(files += 1)}`, 'keys.sqlite');
const clock = new ManualClock('2026-03-10T12:00:00.000Z');

afterAll(() => rmSync(directory, { recursive: true, force: true }));

keyStoreContract('sqlite', async () => {
  const store = new SqliteKeyStore({ filename: newFile(), clock });
  return { store, teardown: () => store.close() };
});

keyStoreContract('sqlite with a master key, behind the cache', async () => {
  const store = new CachingKeyStore(new SqliteKeyStore({ filename: newFile(), clock, masterKey: randomBytes(32) }), { clock });
  return { store, teardown: () => store.close() };
});

/** Every byte of every file in the key store's directory. */
function filesOf(file: string): Buffer {
  const dir = join(file, '..');
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}

describe('SqliteKeyStore', () => {
  it('keeps keys across restarts (another instance on the file sees them)', async () => {
    const file = newFile();
    const first = new SqliteKeyStore({ filename: file, clock });
    const key = await first.getOrCreate('c-1');
    await first.close();
    const second = new SqliteKeyStore({ filename: file, clock });
    expect(await second.get('c-1')).toEqual({ state: 'active', key });
    await second.close();
  });

  it('a deleted key is gone from the files, not just marked deleted', async () => {
    const file = newFile();
    const store = new SqliteKeyStore({ filename: file, clock });
    const kept = await store.getOrCreate('keep');
    const doomed = await store.getOrCreate('forget-me');
    expect(filesOf(file).includes(doomed)).toBe(true);

    await store.delete('forget-me');
    await store.close();
    const bytes = filesOf(file);
    expect(bytes.includes(doomed)).toBe(false);
    expect(bytes.includes(kept)).toBe(true);
  });

  it('with a master key only wrapped keys reach the file, and they need that master key', async () => {
    const file = newFile();
    const masterKey = randomBytes(32);
    const store = new SqliteKeyStore({ filename: file, clock, masterKey });
    const key = await store.getOrCreate('c-1');
    await store.close();
    expect(filesOf(file).includes(key)).toBe(false);

    const withoutMaster = new SqliteKeyStore({ filename: file, clock });
    await expect(withoutMaster.get('c-1')).rejects.toThrow(/set RELATA_MASTER_KEY/);
    await withoutMaster.close();
    const wrongMaster = new SqliteKeyStore({ filename: file, clock, masterKey: randomBytes(32) });
    await expect(wrongMaster.get('c-1')).rejects.toThrow(/not the key it was wrapped with/);
    await wrongMaster.close();
    const reopened = new SqliteKeyStore({ filename: file, clock, masterKey });
    expect(await reopened.get('c-1')).toEqual({ state: 'active', key });
    await reopened.close();
  });

  it('keys stored plain stay readable once a master key is introduced', async () => {
    const file = newFile();
    const plain = new SqliteKeyStore({ filename: file, clock });
    const key = await plain.getOrCreate('c-1');
    await plain.close();
    const wrapped = new SqliteKeyStore({ filename: file, clock, masterKey: randomBytes(32) });
    expect(await wrapped.get('c-1')).toEqual({ state: 'active', key });
    await wrapped.close();
  });
});

describe('master key (RELATA_MASTER_KEY)', () => {
  it('reads 32 bytes as hex or base64, and nothing when unset', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(` ${key.toString('base64')} `)).toEqual(key);
    expect(parseMasterKey(undefined)).toBeNull();
    expect(parseMasterKey('  ')).toBeNull();
  });

  it('refuses anything else without echoing it', () => {
    for (const bad of ['secret', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
      let message = '';
      try {
        parseMasterKey(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/must be 32 bytes/);
      expect(message).not.toContain(bad);
    }
  });

  it('wraps a key bound to its subject', () => {
    const wrapping = new KeyWrapping(randomBytes(32));
    const key = randomBytes(32);
    const blob = wrapping.seal('c-1', key);
    expect(blob.includes(key)).toBe(false);
    expect(wrapping.open('c-1', blob)).toEqual(key);
    expect(() => wrapping.open('c-2', blob)).toThrow();
    expect(() => new KeyWrapping(randomBytes(16))).toThrow('32 bytes');
  });
});
