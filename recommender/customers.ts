// Per-customer behaviour accumulated event by event, turned into the feature rows that segments cluster and
// the purchase histories the CLV models fit.

import { IdIndex } from './ids';
import type { BuyerHistory } from './value/customer-value';

export interface CustomerActivity {
  firstAt: number;
  lastAt: number;
  orders: number;
  revenue: number;
  views: number;
  cartAdds: number;
  visits: number;
  /** Visits that put something in the cart and ended without an order. */
  abandonedCarts: number;
  /** Whether the current visit added to the cart, and ordered. */
  visitCart: boolean;
  visitOrder: boolean;
  /** Purchase days (UTC) as the CLV models count them: the first and last, how many, and their revenue. */
  firstOrderDay: number;
  lastOrderDay: number;
  orderDays: number;
  firstDayRevenue: number;
  repeatRevenue: number;
  lastOrderAt: number;
  categories: Map<string, number>;
}

export const FEATURES = ['recencyDays', 'orders', 'revenue', 'views', 'cartAdds', 'visits', 'abandonedCarts'] as const;
export type Feature = (typeof FEATURES)[number];
/** Counts and money are long-tailed: they are clustered as log(1 + x). */
export const SKEWED: readonly Feature[] = FEATURES;

export interface FeatureTable {
  customerIds: string[];
  /** One row per customer: FEATURES in order, then the share of their activity in each of `categories`. */
  rows: number[][];
  features: string[];
  categories: string[];
}

const DAY_MS = 86_400_000;

// Columns, not an object per customer: a million customers are about 90 MB the garbage collector never traces
// (an object and its boxed numbers were about 250 bytes each, every one traced at each full collection). Who a
// customer is comes from an id index, shared with the other per-person models when given one.
const PRESENT = 1;
/** Whether the current visit added to the cart, and ordered. */
const VISIT_CART = 2;
const VISIT_ORDER = 4;

/** Times (ms) and money, by customer index. */
const F64 = ['firstAt', 'lastAt', 'lastOrderAt', 'revenue', 'firstDayRevenue', 'repeatRevenue'] as const;
/** Counts and UTC day numbers, by customer index. */
const I32 = ['orders', 'views', 'cartAdds', 'visits', 'abandonedCarts', 'orderDays', 'firstOrderDay', 'lastOrderDay'] as const;
type F64Column = (typeof F64)[number];
type I32Column = (typeof I32)[number];

export class CustomerLedger {
  private readonly _ids: IdIndex;
  private readonly _visitGapMs: number;
  private _f = {} as Record<F64Column, Float64Array<ArrayBuffer>>;
  private _i = {} as Record<I32Column, Int32Array<ArrayBuffer>>;
  private _flags = new Uint8Array(0);
  /** Categories by customer index, for the customers who touched one (most of a flood of made-up visitors never do). */
  private readonly _categories = new Map<number, Map<string, number>>();
  private _size = 0;

  constructor(visitGapMinutes = 30, ids: IdIndex = new IdIndex()) {
    this._visitGapMs = visitGapMinutes * 60_000;
    this._ids = ids;
    for (const k of F64) this._f[k] = new Float64Array(0);
    for (const k of I32) this._i[k] = new Int32Array(0);
  }

  get size(): number {
    return this._size;
  }

  has(customerId: string): boolean {
    const c = this._ids.get(customerId);
    return c !== undefined && this._present(c);
  }

  /** A copy of what is known of a customer. */
  get(customerId: string): CustomerActivity | undefined {
    const c = this._ids.get(customerId);
    if (c === undefined || !this._present(c)) return undefined;
    const activity = { visitCart: (this._flags[c] & VISIT_CART) !== 0, visitOrder: (this._flags[c] & VISIT_ORDER) !== 0, categories: new Map(this._categories.get(c)) } as CustomerActivity;
    for (const k of F64) activity[k] = this._f[k][c];
    for (const k of I32) activity[k] = this._i[k][c];
    return activity;
  }

  view(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    this._i.views[c]++;
    if (category) this._addCategory(c, category, 1);
  }

  cartAdd(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    this._i.cartAdds[c]++;
    this._flags[c] |= VISIT_CART;
    if (category) this._addCategory(c, category, 1);
  }

  order(customerId: string, at: number, revenue: number, categories: readonly string[] = []): void {
    const c = this._touch(customerId, at);
    const f = this._f;
    const i = this._i;
    i.orders[c]++;
    f.revenue[c] += revenue;
    this._flags[c] |= VISIT_ORDER;
    f.lastOrderAt[c] = Math.max(f.lastOrderAt[c], at);
    const day = Math.floor(at / DAY_MS);
    if (i.orderDays[c] === 0) {
      i.firstOrderDay[c] = i.lastOrderDay[c] = day;
      i.orderDays[c] = 1;
      f.firstDayRevenue[c] = revenue;
    } else if (day === i.firstOrderDay[c]) {
      f.firstDayRevenue[c] += revenue;
    } else if (day === i.lastOrderDay[c]) {
      f.repeatRevenue[c] += revenue;
    } else if (day < i.firstOrderDay[c]) {
      // An older order arrived late: the old first day becomes a repeat day.
      f.repeatRevenue[c] += f.firstDayRevenue[c];
      f.firstDayRevenue[c] = revenue;
      i.firstOrderDay[c] = day;
      i.orderDays[c]++;
    } else {
      // A later day (or, arriving late, one between: counted as a new day, as no set of days is kept).
      i.orderDays[c]++;
      f.repeatRevenue[c] += revenue;
      i.lastOrderDay[c] = Math.max(i.lastOrderDay[c], day);
    }
    for (const category of categories) this._addCategory(c, category, 1);
  }

  /** Any other activity (a page view): counts toward recency and visits only. */
  seen(customerId: string, at: number): void {
    this._touch(customerId, at);
  }

  /** Moves one customer's history into another's (an anonymous visitor who turned out to be a known user). */
  merge(fromId: string, intoId: string): void {
    const from = this._ids.get(fromId);
    if (from === undefined || !this._present(from) || fromId === intoId) return;
    const into = this._ids.intern(intoId);
    this._ensure(into);
    if (!this._present(into)) this._copy(from, into);
    else this._combine(from, into);
    const categories = this._categories.get(from);
    if (categories) for (const [category, n] of categories) this._addCategory(into, category, n);
    this._clear(from);
  }

  /** The feature table at time `now`, with the `maxCategories` most common categories as share columns. */
  table(now: number, maxCategories = 8): FeatureTable {
    const totals = new Map<string, number>();
    for (const own of this._categories.values()) for (const [k, n] of own) totals.set(k, (totals.get(k) ?? 0) + n);
    const categories = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxCategories)
      .map(([k]) => k);
    const customerIds: string[] = [];
    const rows: number[][] = [];
    const { lastAt, revenue } = this._f;
    const { orders, views, cartAdds, visits, abandonedCarts } = this._i;
    for (let c = 0; c < this._flags.length; c++) {
      if (!this._present(c)) continue;
      const own = this._categories.get(c);
      const touched = own ? [...own.values()].reduce((a, b) => a + b, 0) : 0;
      const openCart = (this._flags[c] & (VISIT_CART | VISIT_ORDER)) === VISIT_CART && now - lastAt[c] > this._visitGapMs;
      customerIds.push(this._ids.id(c));
      rows.push([
        Math.max(0, (now - lastAt[c]) / DAY_MS),
        orders[c],
        revenue[c],
        views[c],
        cartAdds[c],
        visits[c],
        abandonedCarts[c] + (openCart ? 1 : 0),
        ...categories.map((k) => (touched ? (own!.get(k) ?? 0) / touched : 0)),
      ]);
    }
    return { customerIds, rows, features: [...FEATURES, ...categories.map((k) => `share:${k}`)], categories };
  }

  /** Each customer who ordered, as the CLV models (in days) and RFM see them at time `now`. */
  buyers(now: number): BuyerHistory[] {
    const today = Math.floor(now / DAY_MS);
    const { revenue, repeatRevenue, lastOrderAt } = this._f;
    const { orders, orderDays, firstOrderDay, lastOrderDay } = this._i;
    const out: BuyerHistory[] = [];
    for (let c = 0; c < this._flags.length; c++) {
      if (!this._present(c) || orderDays[c] === 0) continue;
      out.push({
        id: this._ids.id(c),
        frequency: orderDays[c] - 1,
        recency: lastOrderDay[c] - firstOrderDay[c],
        T: Math.max(today - firstOrderDay[c], lastOrderDay[c] - firstOrderDay[c]),
        monetary: orderDays[c] > 1 ? repeatRevenue[c] / (orderDays[c] - 1) : 0,
        revenue: revenue[c],
        orders: orders[c],
        recencyDays: Math.max(0, (now - lastOrderAt[c]) / DAY_MS),
      });
    }
    return out;
  }

  private _present(c: number): boolean {
    return c < this._flags.length && (this._flags[c] & PRESENT) !== 0;
  }

  private _touch(customerId: string, at: number): number {
    const c = this._ids.intern(customerId);
    this._ensure(c);
    const f = this._f;
    const i = this._i;
    if (!this._present(c)) {
      this._flags[c] = PRESENT;
      f.firstAt[c] = f.lastAt[c] = at;
      i.visits[c] = 1;
      this._size++;
      return c;
    }
    if (at - f.lastAt[c] > this._visitGapMs) {
      i.visits[c]++;
      if ((this._flags[c] & (VISIT_CART | VISIT_ORDER)) === VISIT_CART) i.abandonedCarts[c]++;
      this._flags[c] = PRESENT;
    }
    f.firstAt[c] = Math.min(f.firstAt[c], at);
    f.lastAt[c] = Math.max(f.lastAt[c], at);
    return c;
  }

  private _addCategory(c: number, category: string, n: number): void {
    let own = this._categories.get(c);
    if (!own) this._categories.set(c, (own = new Map<string, number>()));
    own.set(category, (own.get(category) ?? 0) + n);
  }

  /** Room for customer index `c` in every column (grown by half, so that appending stays cheap). */
  private _ensure(c: number): void {
    if (c < this._flags.length) return;
    const length = Math.max(c + 1, Math.ceil(this._flags.length * 1.5), 1024);
    for (const k of F64) this._f[k] = grown(this._f[k], new Float64Array(length));
    for (const k of I32) this._i[k] = grown(this._i[k], new Int32Array(length));
    this._flags = grown(this._flags, new Uint8Array(length));
  }

  private _copy(from: number, into: number): void {
    for (const k of F64) this._f[k][into] = this._f[k][from];
    for (const k of I32) this._i[k][into] = this._i[k][from];
    this._flags[into] = this._flags[from];
    this._size++;
  }

  /** Adds `from`'s history to `into`'s, both present. */
  private _combine(from: number, into: number): void {
    const f = this._f;
    const i = this._i;
    f.firstAt[into] = Math.min(f.firstAt[into], f.firstAt[from]);
    f.lastAt[into] = Math.max(f.lastAt[into], f.lastAt[from]);
    f.revenue[into] += f.revenue[from];
    for (const k of ['orders', 'views', 'cartAdds', 'visits', 'abandonedCarts'] as const) i[k][into] += i[k][from];
    if (i.orderDays[from] === 0) return;
    if (i.orderDays[into] === 0) {
      for (const k of ['lastOrderAt', 'firstDayRevenue', 'repeatRevenue'] as const) f[k][into] = f[k][from];
      for (const k of ['orderDays', 'firstOrderDay', 'lastOrderDay'] as const) i[k][into] = i[k][from];
      return;
    }
    // Both bought: the earlier first day stays the first; the other side's days become repeat days.
    const [early, late] = i.firstOrderDay[from] < i.firstOrderDay[into] ? [from, into] : [into, from];
    f.repeatRevenue[into] = f.repeatRevenue[early] + f.firstDayRevenue[late] + f.repeatRevenue[late];
    f.firstDayRevenue[into] = f.firstDayRevenue[early];
    i.firstOrderDay[into] = i.firstOrderDay[early];
    i.lastOrderDay[into] = Math.max(i.lastOrderDay[from], i.lastOrderDay[into]);
    i.orderDays[into] += i.orderDays[from];
    f.lastOrderAt[into] = Math.max(f.lastOrderAt[from], f.lastOrderAt[into]);
  }

  private _clear(c: number): void {
    for (const k of F64) this._f[k][c] = 0;
    for (const k of I32) this._i[k][c] = 0;
    this._flags[c] = 0;
    this._categories.delete(c);
    this._size--;
  }
}

function grown<T extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(old: T, into: T): T {
  into.set(old);
  return into;
}
