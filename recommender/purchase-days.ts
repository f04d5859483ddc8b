// Each buyer's purchase days (UTC day numbers) with the day's revenue, sorted: what lifecycle stages read (the gap
// before the last purchase, the repeats within a year) and what the models learnt from the recent past train on
// (the customers as they were some weeks ago). The ledger's columns keep only the first and last day.

/** Days kept per customer: the latest ones (three years of daily buying); older days stay in the ledger's totals. */
export const MAX_DAYS_KEPT = 1095;

/** Every buyer's purchase days as flat arrays: entry i is a purchase day of the person at index `customer[i]`. */
export interface PurchaseDayTable {
  customer: Int32Array<ArrayBuffer>;
  day: Int32Array<ArrayBuffer>;
  amount: Float64Array<ArrayBuffer>;
}

export class PurchaseDays {
  /** By person index: day, amount, day, amount... in day order (one array each: most buyers have few days). */
  private readonly _by = new Map<number, number[]>();
  private _entries = 0;

  get entries(): number {
    return this._entries;
  }

  /** An order's revenue on its day. */
  add(c: number, day: number, amount: number): void {
    let own = this._by.get(c);
    if (!own) this._by.set(c, (own = []));
    // Orders arrive in time order almost always: look from the end.
    let i = own.length;
    while (i > 0 && own[i - 2] > day) i -= 2;
    if (i > 0 && own[i - 2] === day) own[i - 1] += amount;
    else {
      own.splice(i, 0, day, amount);
      this._entries++;
      if (own.length > 2 * MAX_DAYS_KEPT) {
        own.splice(0, 2);
        this._entries--;
      }
    }
  }

  /** A customer's purchase days, sorted. */
  daysOf(c: number): number[] {
    const own = this._by.get(c);
    return own ? own.filter((_, i) => i % 2 === 0) : [];
  }

  /** Moves `from`'s days into `into`'s (an anonymous buyer who turned out to be a known user). */
  merge(from: number, into: number): void {
    const own = this._by.get(from);
    if (!own) return;
    this.remove(from);
    for (let i = 0; i < own.length; i += 2) this.add(into, own[i], own[i + 1]);
  }

  remove(c: number): void {
    const own = this._by.get(c);
    if (!own) return;
    this._entries -= own.length / 2;
    this._by.delete(c);
  }

  /** Every kept day of every buyer, for a fit in a worker (the arrays move without a copy). */
  table(): PurchaseDayTable {
    const out = { customer: new Int32Array(this._entries), day: new Int32Array(this._entries), amount: new Float64Array(this._entries) };
    let k = 0;
    for (const [c, own] of this._by) {
      for (let i = 0; i < own.length; i += 2, k++) {
        out.customer[k] = c;
        out.day[k] = own[i];
        out.amount[k] = own[i + 1];
      }
    }
    return out;
  }
}
