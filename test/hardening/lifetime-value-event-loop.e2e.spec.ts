import type { AddressInfo } from 'node:net';
import { EventLoopTurns } from '../../src/analytics/event-loop-turns';
import { startTestApp, type TestApp } from '../support/test-app';

/** Customers valued between two turns in this test: fewer than in production, so that a few hundred customers take many turns. */
const PER_TURN = 10;
const CUSTOMERS = PER_TURN * 30;

/**
 * A lifetime-value list sorted by a value computed at query time (potential value, CLV with a new
 * discount rate) values every customer. It gives the event loop a turn every few hundred
 * customers, so a request that arrives meanwhile is answered before the list is: shown by the
 * order of the answers, not by timing them. The probe goes over a real socket: its bytes can only
 * be read when the event loop gets a turn (an in-process inject would ride on the computation's
 * own promise chain and prove nothing).
 */
describe('a lifetime-value list valued at query time', () => {
  let t: TestApp;
  const ids: string[] = [];
  let position = '';
  let baseUrl = '';

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    for (let i = 0; i < CUSTOMERS; i++) {
      const created = await t.request('POST', '/customers', { name: `Customer ${i}`, kind: 'prospect', acquisitionChannel: 'web' });
      if (created.status !== 201) throw new Error(`POST /customers answered ${created.status}`);
      ids.push(created.json.id);
      position = created.json.position;
    }
  }, 300_000);
  afterAll(async () => {
    await t.close();
  });

  it('lets a health probe sent while it is being computed be answered first', async () => {
    const turns = t.app.get(EventLoopTurns);
    jest.replaceProperty(turns, 'itemsPerTurn', PER_TURN);
    const giveWay = turns.giveWay.bind(turns);
    const answered: string[] = [];
    let turnsTaken = 0;
    let probe: Promise<void> | undefined;
    const spy = jest.spyOn(turns, 'giveWay').mockImplementation(async () => {
      turnsTaken += 1;
      // The probe is sent from inside the computation, at its first turn: the list is not done yet.
      probe ??= fetch(`${baseUrl}/health`).then((health) => {
        answered.push(`health ${health.status}`);
      });
      await giveWay();
    });
    try {
      const list = await t.request('GET', `/analytics/lifetime-value?sort=potentialValue&limit=5&minPosition=${position}`);
      answered.push(`lifetime-value ${list.status}`);
      await probe;

      expect(answered).toEqual(['health 200', 'lifetime-value 200']);
      expect(turnsTaken).toBe(CUSTOMERS / PER_TURN);
      // Nobody has potential value: the customers come in id order.
      expect(list.json.items.map((item: { customerId: string }) => item.customerId)).toEqual([...ids].sort().slice(0, 5));
    } finally {
      spy.mockRestore();
      jest.restoreAllMocks();
    }
  });
});
