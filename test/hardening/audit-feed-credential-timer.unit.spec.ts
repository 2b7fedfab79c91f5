import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditFeedStreams } from '../../src/audit/audit-feed-streams';
import { START, type AllSubscription, type EventStore } from '../../src/shared/event-store/event-store.port';

/** A subscription with no events that ends when stopped. */
function idleSubscription(): AllSubscription {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  return {
    [Symbol.asyncIterator]: () => ({ next: async () => (await stopped, { done: true as const, value: undefined }) }),
    stop: async () => stop(),
  } as unknown as AllSubscription;
}

class FakeResponse extends EventEmitter {
  written = '';
  writableEnded = false;
  writableNeedDrain = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
}

const request = {
  socket: { setNoDelay: () => undefined, setKeepAlive: () => undefined, setTimeout: () => undefined },
} as unknown as IncomingMessage;

/** The credential re-check runs on its own timer (fake timers here: no real time passes). */
describe('audit feed credential timer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('asks again every credentialCheckMs and ends the stream at the first check that says no', async () => {
    const store = { subscribeToAll: () => idleSubscription() } as unknown as EventStore;
    const streams = new AuditFeedStreams(store, { credentialCheckMs: 5_000 });
    const response = new FakeResponse();
    let allowed = true;
    let asked = 0;
    const served = streams.serve(request, response as unknown as ServerResponse, START, {}, async () => {
      asked += 1;
      return allowed;
    });

    await jest.advanceTimersByTimeAsync(10_000);
    expect(asked).toBe(2);
    expect(response.writableEnded).toBe(false);

    allowed = false;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(asked).toBe(3);
    expect(response.writableEnded).toBe(true);
    expect(response.written).toContain('event: credentials-ended');
    await served;
    expect(streams.openCount).toBe(0);
  });

  it('defaults to a check at least every 5 seconds, and a failing check ends the stream', async () => {
    const store = { subscribeToAll: () => idleSubscription() } as unknown as EventStore;
    const streams = new AuditFeedStreams(store);
    const response = new FakeResponse();
    const served = streams.serve(request, response as unknown as ServerResponse, START, {}, () =>
      Promise.reject(new Error('read store unavailable')),
    );
    await jest.advanceTimersByTimeAsync(5_000);
    expect(response.writableEnded).toBe(true);
    await served;
  });
});
