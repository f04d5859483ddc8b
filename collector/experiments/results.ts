// Reads an experiment's results once the models have learnt every event acknowledged before the question:
// each exposed person's whole history from the customer ledger, their predicted value from the last refit (0
// while no value model is fitted, and for visitors who never bought).

import type { CustomerInsights } from '../customers/insights';
import type { Learner } from '../models/learner';
import { analyse, type ExperimentReport } from './analysis';
import type { Experiment } from './experiments';

export class ExperimentResults {
  /** Predicted 12-month CLV by people index, as of the refit at `_valuesAt`. */
  private _values = new Float64Array(0);
  private _valuesAt = -1;

  constructor(
    private readonly _learner: Learner,
    private readonly _insights: CustomerInsights,
    private readonly _now: () => number = Date.now,
  ) {}

  /** `minimumDetectableEffect`: plan the sample for this relative uplift instead of the experiment's own. */
  async of(x: Experiment, minimumDetectableEffect?: number): Promise<ExperimentReport> {
    await this._learner.settled();
    const values = this._valueColumn();
    const customers = this._learner.customers;
    return analyse(x, {
      totalRevenue: (p) => customers.revenueAt(p),
      totalOrders: (p) => customers.ordersAt(p),
      value: (p) => (p < values.length ? values[p] : 0),
      now: this._now(),
      minimumDetectableEffect,
    });
  }

  /** Remade after each refit: a lookup by id per exposed visitor would cost a second at a million. */
  private _valueColumn(): Float64Array {
    const { updatedAt, customers } = this._insights.values;
    const people = this._learner.people;
    if (updatedAt === this._valuesAt) return this._values;
    const values = new Float64Array(people.size);
    for (const c of customers) {
      const p = people.get(c.id);
      if (p !== undefined && p < values.length) values[p] = c.clv ?? 0;
    }
    this._values = values;
    this._valuesAt = updatedAt;
    return values;
  }
}
