import type { Clock } from '../clock';
import type { TransactionBudget } from '../read-store/transaction-retry';

/**
 * Counts one transaction's read-model operations and its time (by the runner's clock) against the
 * read store's transaction budget; without a budget it is never exhausted. A fresh meter per
 * attempt: the driver may rerun a transaction.
 */
export class BudgetMeter {
  private operations = 0;
  private readonly startedAt: number;

  constructor(
    private readonly budget: TransactionBudget | undefined,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now().getTime();
  }

  operation(): void {
    this.operations += 1;
  }

  exhausted(): boolean {
    if (this.budget === undefined) return false;
    return this.operations >= this.budget.operations || this.clock.now().getTime() - this.startedAt >= this.budget.milliseconds;
  }
}
