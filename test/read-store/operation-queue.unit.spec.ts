import { OperationQueue } from '../../src/shared/read-store/operation-queue';

/** An operation the test settles by hand, recording whether it was ever started. */
function manual<R>() {
  let resolve!: (value: R) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const op = { started: false, resolve, reject, run: () => ((op.started = true), promise) };
  return op;
}

describe('OperationQueue (the operations of one MongoDB transaction)', () => {
  it('runs operations one at a time, in the order they were started', async () => {
    const queue = new OperationQueue();
    const first = manual<string>();
    const second = manual<string>();
    const results = Promise.all([queue.run(first.run), queue.run(second.run)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect([first.started, second.started]).toEqual([true, false]);
    first.resolve('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(second.started).toBe(true);
    second.resolve('b');
    expect(await results).toEqual(['a', 'b']);
  });

  it('given a failed operation, when more were queued behind it, then they are not sent but fail with the same error', async () => {
    const queue = new OperationQueue();
    const failing = manual<void>();
    const behind = manual<void>();
    const conflict = Object.assign(new Error('WriteConflict'), { code: 112 });
    const first = queue.run(failing.run);
    const second = queue.run(behind.run);
    failing.reject(conflict);
    await expect(first).rejects.toBe(conflict);
    await expect(second).rejects.toBe(conflict);
    expect(behind.started).toBe(false);
  });

  it('given close(), then it waits for the operation in flight and refuses any started later', async () => {
    const queue = new OperationQueue();
    const inFlight = manual<number>();
    const running = queue.run(inFlight.run);
    await new Promise((resolve) => setImmediate(resolve));
    expect(inFlight.started).toBe(true);
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    inFlight.resolve(1);
    await closing;
    expect(await running).toBe(1);
    const late = manual<void>();
    await expect(queue.run(late.run)).rejects.toThrow('The transaction has ended');
    expect(late.started).toBe(false);
  });
});
