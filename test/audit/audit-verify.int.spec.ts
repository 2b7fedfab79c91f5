import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditVerifier, describeReport } from '../../src/audit/audit-verify';
import { parseAuditVerifyArgs, runAuditVerify } from '../../src/cli/audit-verify';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { eventHash, eventHashV2 } from '../../src/shared/event-store/hash-chain';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import Database from '../../src/shared/sqlite/better-sqlite3';

const directory = mkdtempSync(join(tmpdir(), 'relata-audit-verify-'));
let files = 0;

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function newEvent(type: string, data: unknown): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: 'user:ana',
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: '2026-03-10T12:00:00.000Z',
      recordedAt: '2026-03-10T12:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

/** Runs one statement on the file behind the store's back, as an attacker with file access would. */
function tamperWith(file: string): (sql: string, ...params: unknown[]) => void {
  return (sql, ...params) => {
    const db = new Database(file);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
}

/**
 * Writes streams a and b through the chaining decorator into a fresh SQLite file, then lets the
 * test change the file behind the store's back, as an attacker with file access would.
 */
async function seededFile(): Promise<{ file: string; store: SqliteEventStore; tamper: (sql: string, ...params: unknown[]) => void }> {
  const file = join(directory, `events-${(files += 1)}.sqlite`);
  const store = new SqliteEventStore({ filename: file });
  const chained = new HashChainingEventStore(store);
  await chained.appendToStream('a', [newEvent('Opened', { amount: 10 }), newEvent('Paid', { amount: 5 })], {
    expectedRevision: 'no_stream',
  });
  await chained.appendToStream('b', [newEvent('Opened', { amount: 99 })], { expectedRevision: 'no_stream' });
  await chained.appendToStream('a', [newEvent('Paid', { amount: 5 }), newEvent('Closed', {})], { expectedRevision: 1n });
  await chained.appendToStream('b', [newEvent('Closed', {})], { expectedRevision: 0n });
  return { file, store, tamper: tamperWith(file) };
}

describe('audit verification', () => {
  const opened: SqliteEventStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  const seed = async () => {
    const seeded = await seededFile();
    opened.push(seeded.store);
    return { ...seeded, verifier: new AuditVerifier(seeded.store) };
  };

  it('an untouched log verifies, one stream or all', async () => {
    const { verifier } = await seed();
    expect(await verifier.verifyStream('a')).toMatchObject({ ok: true, checked: 4, streams: 1, brokenStreams: 0, head: { revision: 3 } });
    expect(await verifier.verifyAll()).toEqual({ ok: true, checked: 6, streams: 2, brokenStreams: 0 });
    expect(await verifier.verifyStream('nobody')).toEqual({ ok: true, checked: 0, streams: 0, brokenStreams: 0 });
  });

  it('reports data changed in the file as altered content at that event', async () => {
    const { tamper, verifier, store } = await seed();
    const [, paid] = await store.readStream('a');
    tamper("UPDATE events SET data = '{\"amount\":500}' WHERE stream_name = 'a' AND revision = 1");

    const report = await verifier.verifyStream('a');
    expect(report).toMatchObject({ ok: false, checked: 2, brokenStreams: 1 });
    expect(report.firstBroken).toEqual({
      stream: 'a',
      revision: 1,
      eventId: paid.id,
      position: paid.position.toString(),
      problem: 'content-altered',
      expected: expect.stringMatching(/^[0-9a-f]{64}$/),
      actual: paid.metadata.hash,
    });
    expect(describeReport(report, 'a')).toMatch(/^BROKEN: .* a revision 1 .*content-altered/);
  });

  it('reports a changed actor (metadata) too', async () => {
    const { tamper, verifier } = await seed();
    tamper("UPDATE events SET metadata = json_set(metadata, '$.actor', 'user:eve') WHERE stream_name = 'b' AND revision = 0");
    expect((await verifier.verifyStream('b')).firstBroken).toMatchObject({ revision: 0, problem: 'content-altered' });
  });

  it('reports a deleted event as a gap, and a re-numbered stream as a broken link', async () => {
    const { tamper, verifier } = await seed();
    tamper("DELETE FROM events WHERE stream_name = 'a' AND revision = 2");
    expect((await verifier.verifyStream('a')).firstBroken).toMatchObject({
      revision: 3,
      problem: 'revision-gap',
      expected: '2',
      actual: '3',
    });

    tamper("UPDATE events SET revision = 2 WHERE stream_name = 'a' AND revision = 3");
    expect((await verifier.verifyStream('a')).firstBroken).toMatchObject({ revision: 2, problem: 'broken-link' });
  });

  it('reports a rewritten event whose hash was recomputed as a broken link at the next one', async () => {
    const { tamper, verifier, store } = await seed();
    // An attacker who knows the scheme re-hashes the altered event; its successor still links to the old hash.
    const [opened] = await store.readStream('b');
    const data = { amount: 1 };
    const forged = { ...opened.metadata, hash: eventHashV2({ ...opened, data }, null) };
    tamper(
      "UPDATE events SET data = ?, metadata = ? WHERE stream_name = 'b' AND revision = 0",
      JSON.stringify(data),
      JSON.stringify(forged),
    );
    expect((await verifier.verifyStream('b')).firstBroken).toMatchObject({
      revision: 1,
      problem: 'broken-link',
      expected: forged.hash,
      actual: opened.metadata.hash,
    });
  });

  it('reports one byte changed in the stored data or metadata text, or metadata keys stored in another order', async () => {
    const { tamper, verifier } = await seed();
    const replaceOneByte = (column: 'data' | 'metadata', stream: string, revision: number, from: string, to: string): void =>
      tamper(`UPDATE events SET ${column} = replace(${column}, ?, ?) WHERE stream_name = ? AND revision = ?`, from, to, stream, revision);
    expect(await verifier.verifyAll()).toMatchObject({ ok: true });

    replaceOneByte('data', 'a', 0, '"amount":10', '"amount":19');
    expect((await verifier.verifyStream('a')).firstBroken).toMatchObject({ revision: 0, problem: 'content-altered' });
    replaceOneByte('metadata', 'b', 0, '"schemaVersion":1', '"schemaVersion":2');
    expect((await verifier.verifyStream('b')).firstBroken).toMatchObject({ revision: 0, problem: 'content-altered' });

    const reorder = await seed();
    const [original] = await reorder.store.readStream('a');
    // The actor moved from the first key to the last (the text without it, its closing brace dropped): every value as before.
    reorder.tamper(
      `UPDATE events SET metadata = substr(replace(metadata, '"actor":"user:ana",', ''), 1, length(metadata) - length('"actor":"user:ana",') - 1)
         || ',"actor":"user:ana"}' WHERE stream_name = 'a' AND revision = 0`,
    );
    const [reordered] = await reorder.store.readStream('a');
    expect(reordered.metadata).toEqual(original.metadata);
    expect(Object.keys(reordered.metadata).at(-1)).toBe('actor');
    expect((await reorder.verifier.verifyStream('a')).firstBroken).toMatchObject({ revision: 0, problem: 'content-altered' });
  });

  it('a log holding events chained before v2 (relata-chain-v1) and after it verifies, and tampering with either is found', async () => {
    const file = join(directory, `events-${(files += 1)}.sqlite`);
    const store = new SqliteEventStore({ filename: file });
    opened.push(store);
    // As the chain wrote events before v2: a hash over canonical JSON, no scheme label.
    let prev: string | null = null;
    const v1Events = [newEvent('Opened', { amount: 10 }), newEvent('Paid', { amount: 5 })].map((event) => {
      const hash = eventHash({ streamName: 'a', ...event }, prev);
      const chained = { ...event, metadata: { ...event.metadata, hash, prevHash: prev } };
      prev = hash;
      return chained;
    });
    await store.appendToStream('a', v1Events, { expectedRevision: 'no_stream' });
    const chained = new HashChainingEventStore(store);
    await chained.appendToStream('a', [newEvent('Paid', { amount: 7 })], { expectedRevision: 1n });
    await chained.appendToStream('a', [newEvent('Closed', {})], { expectedRevision: 'any' });

    const stored = await store.readStream('a');
    expect(stored.map((e) => e.metadata.chain)).toEqual([undefined, undefined, 'relata-chain-v2', 'relata-chain-v2']);
    expect(stored[2].metadata.prevHash).toBe(stored[1].metadata.hash);
    const verifier = new AuditVerifier(store);
    expect(await verifier.verifyStream('a')).toMatchObject({ ok: true, checked: 4 });
    expect(await verifier.verifyAll()).toMatchObject({ ok: true, checked: 4 });

    const tamper = tamperWith(file);
    tamper(`UPDATE events SET data = '{"amount":8}' WHERE stream_name = 'a' AND revision = 2`);
    expect((await verifier.verifyStream('a')).firstBroken).toMatchObject({ revision: 2, problem: 'content-altered' });
    tamper(`UPDATE events SET data = '{"amount":6}' WHERE stream_name = 'a' AND revision = 1`);
    expect((await verifier.verifyStream('a')).firstBroken).toMatchObject({ revision: 1, problem: 'content-altered' });
  });

  it('the whole-log check names the first broken link in global order and counts the broken streams', async () => {
    const { tamper, verifier } = await seed();
    tamper('UPDATE events SET data = \'{"reason":"x"}\' WHERE stream_name = \'b\' AND revision = 1');
    tamper("UPDATE events SET data = '{\"amount\":6}' WHERE stream_name = 'a' AND revision = 2");
    const report = await verifier.verifyAll();
    // a@2 was appended before b@1.
    expect(report).toMatchObject({ ok: false, streams: 2, brokenStreams: 2, firstBroken: { stream: 'a', revision: 2 } });
  });

  describe('chains longer than one page (the verifier reads 1,000 events at a time)', () => {
    /** Stream long with 2,600 events (three pages) interleaved with a short stream, tampered on the last page. */
    const longLog = async () => {
      const file = join(directory, `events-${(files += 1)}.sqlite`);
      const store = new SqliteEventStore({ filename: file });
      opened.push(store);
      const chained = new HashChainingEventStore(store);
      for (let batch = 0; batch < 26; batch++) {
        const events = Array.from({ length: 100 }, (_, i) => newEvent('Counted', { n: batch * 100 + i }));
        await chained.appendToStream('long', events, { expectedRevision: batch === 0 ? 'no_stream' : BigInt(batch * 100 - 1) });
        await chained.appendToStream('short', [newEvent('Ticked', { batch })], {
          expectedRevision: batch === 0 ? 'no_stream' : BigInt(batch - 1),
        });
      }
      return { store, tamper: tamperWith(file), verifier: new AuditVerifier(store) };
    };

    it('checks every page of an intact chain', async () => {
      const { verifier, store } = await longLog();
      const [last] = await store.readStream('long', { fromRevision: 2599n });
      expect(await verifier.verifyStream('long')).toEqual({
        ok: true,
        checked: 2600,
        streams: 1,
        brokenStreams: 0,
        head: { revision: 2599, hash: last.metadata.hash },
      });
      expect(await verifier.verifyAll()).toEqual({ ok: true, checked: 2626, streams: 2, brokenStreams: 0 });
    });

    it('finds altered content on the last page, in the stream and in the whole log', async () => {
      const { verifier, tamper } = await longLog();
      tamper(`UPDATE events SET data = '{"n":-1}' WHERE stream_name = 'long' AND revision = 2550`);
      expect(await verifier.verifyStream('long')).toMatchObject({
        ok: false,
        checked: 2551,
        brokenStreams: 1,
        firstBroken: { stream: 'long', revision: 2550, problem: 'content-altered' },
      });
      expect(await verifier.verifyAll()).toMatchObject({
        ok: false,
        streams: 2,
        brokenStreams: 1,
        firstBroken: { stream: 'long', revision: 2550, problem: 'content-altered' },
      });
    });

    it('finds the short stream broken when its tampered event lies past the first 2,000 of the log', async () => {
      const { verifier, tamper } = await longLog();
      // short@24 follows long's 2,500th event in the log.
      tamper(`UPDATE events SET type = 'Forged' WHERE stream_name = 'short' AND revision = 24`);
      expect(await verifier.verifyAll()).toMatchObject({
        ok: false,
        checked: 2625,
        brokenStreams: 1,
        firstBroken: { stream: 'short', revision: 24, problem: 'content-altered' },
      });
    });
  });

  it('describes a report in one line, naming the scope and a null expectation as null', () => {
    const broken = {
      stream: 'a',
      revision: 2,
      eventId: 'e-3',
      position: '7',
      problem: 'missing-hash' as const,
      expected: null,
      actual: null,
    };
    expect(describeReport({ ok: true, checked: 4, streams: 1, brokenStreams: 0 }, 'a')).toBe(
      'OK: 4 event(s) in stream a, every hash chain intact',
    );
    expect(describeReport({ ok: true, checked: 6, streams: 2, brokenStreams: 0 })).toBe(
      'OK: 6 event(s) in 2 stream(s), every hash chain intact',
    );
    expect(describeReport({ ok: false, checked: 3, streams: 1, brokenStreams: 1, firstBroken: broken }, 'a')).toBe(
      'BROKEN: 1 stream(s) with a broken chain among stream a; first: a revision 2 (event e-3, position 7): missing-hash, expected null, found null',
    );
    expect(
      describeReport({ ok: false, checked: 3, streams: 2, brokenStreams: 1, firstBroken: { ...broken, expected: 'x', actual: 'y' } }),
    ).toBe(
      'BROKEN: 1 stream(s) with a broken chain among 2 stream(s); first: a revision 2 (event e-3, position 7): missing-hash, expected x, found y',
    );
  });

  describe('the CLI', () => {
    /** Runs it on a store opened on the file, as the CLI opens (and closes) its own. */
    const run = async (argv: string[], file: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAuditVerify(argv, () => new SqliteEventStore({ filename: file }), {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, out, err };
    };

    it('parses --stream NAME, --stream=NAME and --json', () => {
      expect(parseAuditVerifyArgs(['--stream', 'a', '--json'])).toEqual({ stream: 'a', json: true });
      expect(parseAuditVerifyArgs(['--stream=a'])).toEqual({ stream: 'a', json: false });
      expect(parseAuditVerifyArgs(['-h'])).toBe('help');
      expect(() => parseAuditVerifyArgs(['--stream'])).toThrow('--stream needs a stream name');
      expect(() => parseAuditVerifyArgs(['--nope'])).toThrow('Unknown argument');
    });

    it('exits 0 on intact chains, 1 on a broken one, 2 on a usage error', async () => {
      const { tamper, file } = await seed();
      expect(await run([], file)).toMatchObject({ code: 0, out: [expect.stringMatching(/^OK: 6 event\(s\) in 2 stream\(s\)/)] });
      const json = await run(['--stream', 'a', '--json'], file);
      expect(json.out.map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ ok: true, checked: 4 })]);

      tamper("UPDATE events SET type = 'Refunded' WHERE stream_name = 'a' AND revision = 3");
      const broken = await run(['--stream', 'a'], file);
      expect(broken.code).toBe(1);
      expect(broken.out[0]).toMatch(/^BROKEN: .*a revision 3/);
      expect((await run([], file)).code).toBe(1);

      const usage = await run(['--bogus'], file);
      expect(usage.code).toBe(2);
      expect(usage.err[0]).toMatch(/Unknown argument "--bogus"/);
    });
  });
});
