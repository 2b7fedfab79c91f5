import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditFeedStreams } from '../../src/audit/audit-feed-streams';
import { type NewEvent, START } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { parsePosition } from '../../src/shared/event-store/position';

/** The SSE writer on a bare Node HTTP server: frames, heartbeats, back-pressure, disconnects, shutdown. */
describe('AuditFeedStreams', () => {
  let store: SqliteEventStore;
  let streams: AuditFeedStreams;
  let server: http.Server;
  let port: number;
  let counter = 0;
  /** How often a server response was asked to call back on 'drain': the writer waiting for a slow reader. */
  let drainWaits = 0;

  const event = (data: object = {}): NewEvent => {
    counter += 1;
    return {
      id: `00000000-0000-4000-8000-${counter.toString().padStart(12, '0')}`,
      type: 'Ticked',
      data,
      metadata: {
        actor: 'spec',
        correlationId: 'c',
        causationId: 'c',
        occurredAt: '2026-03-10T14:00:00.000Z',
        recordedAt: '2026-03-10T14:00:00.000Z',
        schemaVersion: 1,
      },
    };
  };

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 10 });
    streams = new AuditFeedStreams(store, { heartbeatMs: 20 });
    drainWaits = 0;
    server = http.createServer((request, response) => {
      response.on('newListener', (name) => {
        if (name === 'drain') drainWaits += 1;
      });
      const from = new URL(request.url ?? '/', 'http://x').searchParams.get('from');
      void streams.serve(request, response, from === null ? START : parsePosition(from), { 'x-test': 'yes' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await streams.closeAll();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  interface Frame {
    id?: string;
    event?: string;
    data?: string;
    comment?: string;
  }

  /** Reads a stream frame by frame (only the unfinished frame is kept as text: streams can be megabytes long). */
  function connect(path: string) {
    let pending = '';
    const frames: Frame[] = [];
    let ended = false;
    let res: http.IncomingMessage | undefined;
    const request = http.get({ host: '127.0.0.1', port, path });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', (r) => {
        res = r;
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => {
          pending += chunk;
          const parts = pending.split('\n\n');
          pending = parts.pop() ?? '';
          for (const part of parts) {
            const frame: Frame = {};
            for (const line of part.split('\n')) {
              if (line.startsWith(': ')) frame.comment = line.slice(2);
              else if (line.includes(': '))
                frame[line.slice(0, line.indexOf(': ')) as 'id' | 'event' | 'data'] = line.slice(line.indexOf(': ') + 2);
            }
            frames.push(frame);
          }
        });
        r.on('end', () => {
          ended = true;
        });
        resolve(r);
      });
      request.on('error', reject);
    });
    return {
      response,
      events: () => frames.filter((frame) => frame.id !== undefined),
      comments: () => frames.filter((frame) => frame.comment !== undefined).map((frame) => frame.comment),
      ended: () => ended,
      pause: () => res?.pause(),
      resume: () => res?.resume(),
      close: () => request.destroy(),
    };
  }

  async function until(check: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('sends events after the position as id/event/data frames, then live ones, with heartbeat comments', async () => {
    const first = await store.appendToStream('ticks-1', [event({ n: 1 })]);
    await store.appendToStream('ticks-1', [event({ n: 2 })]);
    const client = connect(`/?from=${first.position}`);
    const response = await client.response;
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['x-test']).toBe('yes');
    await until(() => client.events().length === 1, 'the stored event');
    await store.appendToStream('ticks-2', [event({ n: 3 })]);
    await until(() => client.events().length === 2, 'the live event');
    const [stored, live] = client.events() as Required<Frame>[];
    expect(stored).toMatchObject({ event: 'Ticked' });
    expect(JSON.parse(stored.data)).toMatchObject({ stream: 'ticks-1', revision: 1, data: { n: 2 }, position: stored.id });
    expect(JSON.parse(live.data)).toMatchObject({ stream: 'ticks-2', revision: 0, data: { n: 3 } });
    await until(() => client.comments().includes('heartbeat'), 'a heartbeat');
    client.close();
  });

  it('waits for a slow reader instead of queueing the log, and loses nothing', async () => {
    // 20 MB of events: more than socket buffers hold, so writes must wait for 'drain'.
    const payload = 'x'.repeat(20_000);
    for (let batch = 0; batch < 10; batch++) {
      await store.appendToStream(
        `bulk-${batch}`,
        Array.from({ length: 100 }, () => event({ payload })),
      );
    }
    let taken = 0;
    const counting = Object.create(store) as SqliteEventStore;
    counting.subscribeToAll = (options) => {
      const inner = store.subscribeToAll(options);
      return {
        stop: () => inner.stop(),
        async *[Symbol.asyncIterator]() {
          for await (const recorded of inner) {
            taken += 1;
            yield recorded;
          }
        },
      };
    };
    streams = new AuditFeedStreams(counting, { heartbeatMs: 20 });
    const client = connect('/');
    await client.response;
    client.pause();
    // The writer stops taking events once the socket is full and waits for 'drain' (an event, not a pause of some ms).
    await until(() => drainWaits > 0, 'the writer to wait for drain');
    expect(taken).toBeLessThan(1000);
    client.resume();
    await until(() => client.events().length === 1000, 'every event');
    const ids = client.events().map((f) => BigInt(f.id ?? -1));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    client.close();
  });

  it('drops the frames still queued for a slow client when asked (a forget), ending its stream', async () => {
    const payload = 'x'.repeat(20_000);
    for (let batch = 0; batch < 10; batch++) {
      await store.appendToStream(
        `bulk-${batch}`,
        Array.from({ length: 100 }, () => event({ payload })),
      );
    }
    const idle = connect('/?from=999999');
    const slow = connect('/');
    await idle.response;
    const slowResponse = await slow.response;
    let slowClosed = false;
    slowResponse.on('close', () => {
      slowClosed = true;
    });
    slowResponse.on('error', () => undefined);
    slow.pause();
    await until(() => streams.openCount === 2, 'two open streams');
    // The slow client reads nothing: frames pile up in its socket, the idle one has none queued.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streams.dropUnsent()).toBe(1);
    expect(streams.openCount).toBe(1);
    slow.resume();
    await until(() => slowClosed, 'the slow stream to close');
    // What the kernel had already taken may arrive; what Node still queued never does.
    expect(slow.events().length).toBeLessThan(1000);
    idle.close();
  });

  it('stops the subscription when the client leaves, and ends every stream at shutdown', async () => {
    const leaving = connect('/');
    const staying = connect('/');
    await leaving.response;
    await staying.response;
    await until(() => streams.openCount === 2, 'two open streams');
    leaving.close();
    await until(() => streams.openCount === 1, 'the first stream to end');
    await streams.closeAll();
    expect(streams.openCount).toBe(0);
    await until(() => staying.ended(), 'the response to end');
  });
});
