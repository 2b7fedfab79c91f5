import { KeyedWorkQueue } from '../../src/importers/keyed-work-queue';

/** A task that finishes when the test says so, recording when it started and ended. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await opened;
      log.push(`end ${name}`);
    },
    open: () => open(),
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedWorkQueue', () => {
  it('runs tasks of one key in push order, one at a time', async () => {
    const queue = new KeyedWorkQueue(4);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    await queue.push('a', a1.task);
    await queue.push('a', a2.task);
    await settle();
    expect(log).toEqual(['start a1']);
    a2.open(); // opening the second gate first changes nothing: it has not started
    await settle();
    expect(log).toEqual(['start a1']);
    a1.open();
    await queue.drain();
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
  });

  it('runs different keys in parallel, at most `concurrency` at once', async () => {
    const queue = new KeyedWorkQueue(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c'].map((key) => gate(log, key));
    for (const [i, key] of ['a', 'b', 'c'].entries()) await queue.push(key, gates[i].task);
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    gates[1].open();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    gates[0].open();
    gates[2].open();
    await queue.drain();
    expect(queue.size).toBe(0);
  });

  it('a waiting key takes no slot from the others', async () => {
    const queue = new KeyedWorkQueue(2);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b = gate(log, 'b');
    await queue.push('a', a1.task);
    await queue.push('a', a2.task);
    await queue.push('b', b.task);
    await settle();
    expect(log).toEqual(['start a1', 'start b']);
    for (const g of [a1, a2, b]) g.open();
    await queue.drain();
  });

  it('makes push wait while maxPending tasks are queued or running', async () => {
    const queue = new KeyedWorkQueue(1, 2);
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    await queue.push('a', a.task);
    await queue.push('b', b.task);
    let third = false;
    const pushed = queue.push('c', async () => undefined).then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    a.open();
    await pushed;
    expect(third).toBe(true);
    b.open();
    await queue.drain();
  });

  it('stops at the first failure: queued tasks are dropped, drain and push reject with the error', async () => {
    const queue = new KeyedWorkQueue(1);
    const ran: string[] = [];
    let fail!: () => void;
    const failing = new Promise<void>((resolve) => (fail = resolve));
    await queue.push('a', async () => {
      ran.push('a');
      await failing;
      throw new Error('store unreachable');
    });
    await queue.push('a', async () => void ran.push('a2'));
    await queue.push('b', async () => void ran.push('b'));
    fail();
    await expect(queue.drain()).rejects.toThrow('store unreachable');
    expect(ran).toEqual(['a']);
    expect(queue.size).toBe(0);
    await expect(queue.push('c', async () => undefined)).rejects.toThrow('store unreachable');
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new KeyedWorkQueue(0)).toThrow(/at least 1/);
  });
});
