import { Injectable } from '@nestjs/common';
import type { EventLoopTurnTaker } from './paging';

/** Customers valued between two turns: a few milliseconds of work. */
export const ITEMS_PER_TURN = 500;

/**
 * Gives the event loop a turn in the middle of a long computation (valuing every customer for a
 * list sorted by CLV): the I/O and timers that waited (other requests, health probes, SSE
 * heartbeats) run before the computation goes on, so no single request holds the server.
 * A provider, so that a test can count the turns and act while the computation waits.
 */
@Injectable()
export class EventLoopTurns implements EventLoopTurnTaker {
  readonly itemsPerTurn: number = ITEMS_PER_TURN;

  giveWay(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }
}
