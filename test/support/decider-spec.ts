import type { Decider, DomainEvent } from '../../src/shared/decider/decider';
import { fold } from '../../src/shared/decider/decider';
import { RelataError } from '../../src/shared/errors/domain-errors';

/**
 * Given events / when command / then events or error code, for any decider:
 *   spec(customerDecider).given([registered]).when(convert).then([converted]);
 *   spec(customerDecider).given([]).when(convert).thenFails('CUSTOMER_NOT_FOUND');
 */
export function spec<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: E[]): void {
              expect(run()).toEqual(expected);
            },
            thenNothing(): void {
              expect(run()).toEqual([]);
            },
            thenFails(code: string, status?: number): void {
              let caught: unknown;
              try {
                run();
              } catch (error) {
                caught = error;
              }
              expect(caught).toBeInstanceOf(RelataError);
              expect((caught as RelataError).code).toBe(code);
              if (status !== undefined) expect((caught as RelataError).status).toBe(status);
            },
          };
        },
      };
    },
  };
}

/** A command whose `now` a builder may leave out (see commandsAt). */
export type WithOptionalNow<C> = C extends unknown ? Omit<C, 'now'> & { now?: string } : never;

/**
 * Command builder for specs: stamps a command with `now` unless it gives its own time.
 *   const cmd = commandsAt<CustomerCommand>(NOW); cmd({ type: 'ConvertProspect' })
 */
export function commandsAt<C extends { now: string }>(now: string): (command: WithOptionalNow<C>) => C {
  return (command) => ({ now, ...command }) as unknown as C;
}
