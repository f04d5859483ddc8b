// Customer values as of a past day (`asOf` on GET /v1/customers and /v1/clv): every customer valued on the stored
// orders up to that day's end, the models chosen and fitted on them alone, in the refit worker. An imported
// history is read as it stood then, not through today's clock; the last answer is kept until new events arrive.

import type { CustomerValue } from '../../recommender';
import { parseDay } from '../domain/timestamp';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import { storedOrders } from './backtests';
import type { ValueSnapshot } from './insights';
import type { Refits } from './refit';

const DAY_MS = 86_400_000;

export class ValuesAsOf {
  private _last: { key: string; snapshot: Promise<ValueSnapshot> } | null = null;

  constructor(
    private readonly _learner: Learner,
    private readonly _identities: Identities,
    private readonly _refits: Refits,
  ) {}

  /** The values as of the end of `day` (YYYY-MM-DD). */
  of(day: string): Promise<ValueSnapshot> {
    const key = `${day} ${this._learner.events.length}`;
    if (this._last?.key !== key) {
      const snapshot = this._value(parseDay(day) + DAY_MS - 1);
      this._last = { key, snapshot };
      snapshot.catch(() => (this._last = null));
    }
    return this._last.snapshot;
  }

  private async _value(end: number): Promise<ValueSnapshot> {
    const orders = await storedOrders(this._learner, this._identities);
    const { customers, stageChanges: _changes, ...model } = await this._refits.valueAsOf({ ...orders, end });
    const log = this._learner.events;
    const named = customers.map((c): CustomerValue => ({ ...c, id: log.personId(Number(c.id)) }));
    return { customers: named, model, updatedAt: end, count: named.length };
  }
}
