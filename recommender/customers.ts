// Per-customer behaviour accumulated event by event, turned into the feature rows that segments cluster and
// the purchase histories the CLV models fit.

import { IdIndex } from './ids';
import { float64Column, int32Column, uint8Column, type PagedColumn } from './paged';
import { PurchaseDays, type PurchaseDayTable } from './purchase-days';
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

/**
 * The feature table as one flat array, row i at values[width * i ...]: what a worker is handed, moved rather than
 * copied; with each row's customer as an index among the people (their ids need not be gathered).
 */
export interface FeatureMatrix {
  indices: Int32Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  width: number;
  features: string[];
  categories: string[];
}

export function tableOf(m: Omit<FeatureMatrix, 'indices'> & { customerIds?: string[] }): FeatureTable {
  const rows: number[][] = [];
  for (let o = 0; o < m.values.length; o += m.width) rows.push(Array.from(m.values.subarray(o, o + m.width)));
  return { customerIds: m.customerIds ?? [], rows, features: m.features, categories: m.categories };
}

const DAY_MS = 86_400_000;
/** People looked at per slice of a matrix made in slices (about 5 ms). */
const PEOPLE_PER_SLICE = 16_384;

interface MatrixDraft {
  indices: Int32Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  width: number;
  categories: string[];
  /** Rows filled so far, and the next person to look at, below `end`. */
  rows: number;
  next: number;
  end: number;
}

/** The matrix of a filled draft (cut to the rows filled, should a customer have gone meanwhile: a merge). */
function done({ indices, values, width, categories, rows }: MatrixDraft): FeatureMatrix {
  const whole = rows === indices.length;
  return {
    indices: whole ? indices : indices.slice(0, rows),
    values: whole ? values : values.slice(0, rows * width),
    width,
    features: [...FEATURES, ...categories.map((k) => `share:${k}`)],
    categories,
  };
}

// Columns, not an object per customer: a million customers are about 90 MB the garbage collector never traces
// (an object and its boxed numbers were about 250 bytes each, every one traced at each full collection), in
// pages, so that growing never copies them. Who a customer is comes from an id index, shared with the other
// per-person models when given one.
const PRESENT = 1;
/** Whether the current visit added to the cart, and ordered. */
const VISIT_CART = 2;
const VISIT_ORDER = 4;

/** Times (ms) and money, then counts and UTC day numbers, by customer index. */
const F64 = ['firstAt', 'lastAt', 'lastOrderAt', 'revenue', 'firstDayRevenue', 'repeatRevenue'] as const;
const I32 = ['orders', 'views', 'cartAdds', 'visits', 'abandonedCarts', 'orderDays', 'firstOrderDay', 'lastOrderDay'] as const;
type Column = (typeof F64)[number] | (typeof I32)[number];
const COLUMNS = [...F64, ...I32];

export class CustomerLedger {
  private readonly _ids: IdIndex;
  private readonly _visitGapMs: number;
  private readonly _c = {} as Record<Column, PagedColumn>;
  private readonly _flags = uint8Column();
  /** Categories by customer index, for the customers who touched one (most of a flood of made-up visitors never do). */
  private readonly _categories = new Map<number, Map<string, number>>();
  private readonly _days = new PurchaseDays();
  /** The earliest purchase day an order or a merge touched since `takeEarliestChangedDay` was last called. */
  private _earliestChanged = Infinity;
  private _size = 0;

  constructor(visitGapMinutes = 30, ids: IdIndex = new IdIndex()) {
    this._visitGapMs = visitGapMinutes * 60_000;
    this._ids = ids;
    for (const k of F64) this._c[k] = float64Column();
    for (const k of I32) this._c[k] = int32Column();
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
    const flags = this._flags.get(c);
    const activity = { visitCart: (flags & VISIT_CART) !== 0, visitOrder: (flags & VISIT_ORDER) !== 0, categories: new Map(this._categories.get(c)) } as CustomerActivity;
    for (const k of COLUMNS) activity[k] = this._c[k].get(c);
    return activity;
  }

  /** A customer's revenue and orders by their index among the people (0 for one never seen). */
  revenueAt(c: number): number {
    return this._present(c) ? this._c.revenue.get(c) : 0;
  }

  ordersAt(c: number): number {
    return this._present(c) ? this._c.orders.get(c) : 0;
  }

  view(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    this._c.views.add(c, 1);
    if (category) this._addCategory(c, category, 1);
  }

  cartAdd(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    this._c.cartAdds.add(c, 1);
    this._flags.set(c, this._flags.get(c) | VISIT_CART);
    if (category) this._addCategory(c, category, 1);
  }

  order(customerId: string, at: number, revenue: number, categories: readonly string[] = []): void {
    const c = this._touch(customerId, at);
    const { orders, orderDays, firstOrderDay, lastOrderDay, firstDayRevenue, repeatRevenue, lastOrderAt } = this._c;
    orders.add(c, 1);
    this._c.revenue.add(c, revenue);
    this._flags.set(c, this._flags.get(c) | VISIT_ORDER);
    lastOrderAt.set(c, Math.max(lastOrderAt.get(c), at));
    const day = Math.floor(at / DAY_MS);
    this._days.add(c, day, revenue);
    this._earliestChanged = Math.min(this._earliestChanged, day);
    if (orderDays.get(c) === 0) {
      firstOrderDay.set(c, day);
      lastOrderDay.set(c, day);
      orderDays.set(c, 1);
      firstDayRevenue.set(c, revenue);
    } else if (day === firstOrderDay.get(c)) {
      firstDayRevenue.add(c, revenue);
    } else if (day === lastOrderDay.get(c)) {
      repeatRevenue.add(c, revenue);
    } else if (day < firstOrderDay.get(c)) {
      // An older order arrived late: the old first day becomes a repeat day.
      repeatRevenue.add(c, firstDayRevenue.get(c));
      firstDayRevenue.set(c, revenue);
      firstOrderDay.set(c, day);
      orderDays.add(c, 1);
    } else {
      // A later day (or, arriving late, one between: counted as a new day, as no set of days is kept).
      orderDays.add(c, 1);
      repeatRevenue.add(c, revenue);
      lastOrderDay.set(c, Math.max(lastOrderDay.get(c), day));
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
    const moved = this._days.daysOf(from)[0];
    if (moved !== undefined) this._earliestChanged = Math.min(this._earliestChanged, moved);
    this._days.merge(from, into);
    this._clear(from);
  }

  /** Forgets a customer (deleted on request): their activity, categories and purchase days. */
  forget(customerId: string): void {
    const c = this._ids.get(customerId);
    if (c !== undefined && this._present(c)) this._clear(c);
  }

  /** The feature table at time `now`, with the `maxCategories` most common categories as share columns. */
  table(now: number, maxCategories = 8): FeatureTable {
    const m = this.matrix(now, maxCategories);
    return tableOf({ ...m, customerIds: Array.from(m.indices, (c) => this._ids.id(c)) });
  }

  /**
   * The feature table as one flat array: a million customers' rows in one flat array, handed to a worker without
   * a copy (as arrays of rows they took over half a second to make, and as long again to send).
   */
  matrix(now: number, maxCategories = 8): FeatureMatrix {
    const draft = this._draft(now, maxCategories);
    this._fill(draft, now, draft.end);
    return done(draft);
  }

  /** The same, made `PEOPLE_PER_SLICE` people at a time with `pause()` awaited between: at a million, 0.4 s at once. */
  async matrixInSlices(now: number, maxCategories = 8, pause = () => new Promise<void>((resolve) => setImmediate(resolve))): Promise<FeatureMatrix> {
    const draft = this._draft(now, maxCategories);
    while (draft.next < draft.end) {
      this._fill(draft, now, draft.next + PEOPLE_PER_SLICE);
      await pause();
    }
    return done(draft);
  }

  /** The index the ledger's rows are by: the people's, shared with the other per-person models when given one. */
  get people(): IdIndex {
    return this._ids;
  }

  /** An empty matrix with room for the customers there are now, the most active categories its columns. */
  private _draft(now: number, maxCategories: number): MatrixDraft {
    const totals = new Map<string, number>();
    for (const own of this._categories.values()) for (const [k, n] of own) totals.set(k, (totals.get(k) ?? 0) + n);
    const categories = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxCategories)
      .map(([k]) => k);
    const width = FEATURES.length + categories.length;
    return { indices: new Int32Array(this._size), values: new Float64Array(this._size * width), width, categories, rows: 0, next: 0, end: this._flags.length };
  }

  /**
   * Fills the draft's rows with the customers among the people up to index `until`. A customer who arrived since
   * the draft was made is left for the next matrix once its room is taken.
   */
  private _fill(d: MatrixDraft, now: number, until: number): void {
    const { lastAt, revenue, orders, views, cartAdds, visits, abandonedCarts } = this._c;
    const { values, indices, width, categories } = d;
    const end = Math.min(until, d.end);
    for (let c = d.next; c < end && d.rows < indices.length; c++) {
      if (!this._present(c)) continue;
      const openCart = (this._flags.get(c) & (VISIT_CART | VISIT_ORDER)) === VISIT_CART && now - lastAt.get(c) > this._visitGapMs;
      let o = d.rows * width;
      indices[d.rows++] = c;
      values[o++] = Math.max(0, (now - lastAt.get(c)) / DAY_MS);
      values[o++] = orders.get(c);
      values[o++] = revenue.get(c);
      values[o++] = views.get(c);
      values[o++] = cartAdds.get(c);
      values[o++] = visits.get(c);
      values[o++] = abandonedCarts.get(c) + (openCart ? 1 : 0);
      const own = this._categories.get(c);
      const touched = own ? [...own.values()].reduce((a, b) => a + b, 0) : 0;
      for (const k of categories) values[o++] = touched ? (own!.get(k) ?? 0) / touched : 0;
    }
    d.next = end;
  }

  /** The ids of the customers who ordered. */
  buyerIds(): string[] {
    const ids: string[] = [];
    for (let c = 0; c < this._flags.length; c++) if (this._present(c) && this._c.orderDays.get(c) > 0) ids.push(this._ids.id(c));
    return ids;
  }

  /** A customer's purchase days (UTC day numbers), sorted; the latest MAX_DAYS_KEPT of them. */
  purchaseDaysOf(customerId: string): number[] {
    const c = this._ids.get(customerId);
    return c === undefined ? [] : this._days.daysOf(c);
  }

  /**
   * The earliest purchase day that orders or merges have touched since the last call (Infinity if none), and a
   * fresh start: a refit records stage changes from there, so an imported or late history's are not skipped.
   */
  takeEarliestChangedDay(): number {
    const day = this._earliestChanged;
    this._earliestChanged = Infinity;
    return day;
  }

  /** Marks purchase days from `day` on as touched again (a refit that took them failed). */
  markChangedFrom(day: number): void {
    this._earliestChanged = Math.min(this._earliestChanged, day);
  }

  /** Every buyer as buyers(now) has them, with their purchase days as flat arrays by position among them. */
  buyersWithDays(now: number): { buyers: BuyerHistory[]; days: PurchaseDayTable } {
    const buyers = this.buyers(now);
    const position = new Map<number, number>();
    buyers.forEach((b, i) => position.set(this._ids.get(b.id)!, i));
    const days = this._days.table();
    // Kept days of a customer no longer present (merged away) do not occur: merge and clear remove them.
    for (let i = 0; i < days.customer.length; i++) days.customer[i] = position.get(days.customer[i]) ?? -1;
    return { buyers, days };
  }

  /** Each customer who ordered, as the CLV models (in days) and RFM see them at time `now`. */
  buyers(now: number): BuyerHistory[] {
    const today = Math.floor(now / DAY_MS);
    const { revenue, repeatRevenue, lastOrderAt, orders, orderDays, firstOrderDay, lastOrderDay } = this._c;
    const out: BuyerHistory[] = [];
    for (let c = 0; c < this._flags.length; c++) {
      if (!this._present(c) || orderDays.get(c) === 0) continue;
      const days = orderDays.get(c);
      const span = lastOrderDay.get(c) - firstOrderDay.get(c);
      out.push({
        id: this._ids.id(c),
        frequency: days - 1,
        recency: span,
        T: Math.max(today - firstOrderDay.get(c), span),
        monetary: days > 1 ? repeatRevenue.get(c) / (days - 1) : 0,
        revenue: revenue.get(c),
        orders: orders.get(c),
        recencyDays: Math.max(0, (now - lastOrderAt.get(c)) / DAY_MS),
      });
    }
    return out;
  }

  private _present(c: number): boolean {
    return c < this._flags.length && (this._flags.get(c) & PRESENT) !== 0;
  }

  private _touch(customerId: string, at: number): number {
    const c = this._ids.intern(customerId);
    this._ensure(c);
    const { firstAt, lastAt, visits } = this._c;
    if (!this._present(c)) {
      this._flags.set(c, PRESENT);
      firstAt.set(c, at);
      lastAt.set(c, at);
      visits.set(c, 1);
      this._size++;
      return c;
    }
    if (at - lastAt.get(c) > this._visitGapMs) {
      visits.add(c, 1);
      if ((this._flags.get(c) & (VISIT_CART | VISIT_ORDER)) === VISIT_CART) this._c.abandonedCarts.add(c, 1);
      this._flags.set(c, PRESENT);
    }
    firstAt.set(c, Math.min(firstAt.get(c), at));
    lastAt.set(c, Math.max(lastAt.get(c), at));
    return c;
  }

  private _addCategory(c: number, category: string, n: number): void {
    let own = this._categories.get(c);
    if (!own) this._categories.set(c, (own = new Map<string, number>()));
    own.set(category, (own.get(category) ?? 0) + n);
  }

  /** Room for customer index `c` in every column. */
  private _ensure(c: number): void {
    if (c < this._flags.length) return;
    for (const k of COLUMNS) this._c[k].ensure(c);
    this._flags.ensure(c);
  }

  private _copy(from: number, into: number): void {
    for (const k of COLUMNS) this._c[k].set(into, this._c[k].get(from));
    this._flags.set(into, this._flags.get(from));
    this._size++;
  }

  /** Adds `from`'s history to `into`'s, both present. */
  private _combine(from: number, into: number): void {
    const c = this._c;
    c.firstAt.set(into, Math.min(c.firstAt.get(into), c.firstAt.get(from)));
    c.lastAt.set(into, Math.max(c.lastAt.get(into), c.lastAt.get(from)));
    for (const k of ['revenue', 'orders', 'views', 'cartAdds', 'visits', 'abandonedCarts'] as const) c[k].add(into, c[k].get(from));
    if (c.orderDays.get(from) === 0) return;
    if (c.orderDays.get(into) === 0) {
      for (const k of ['lastOrderAt', 'firstDayRevenue', 'repeatRevenue', 'orderDays', 'firstOrderDay', 'lastOrderDay'] as const) c[k].set(into, c[k].get(from));
      return;
    }
    // Both bought: the earlier first day stays the first; the other side's days become repeat days.
    const [early, late] = c.firstOrderDay.get(from) < c.firstOrderDay.get(into) ? [from, into] : [into, from];
    c.repeatRevenue.set(into, c.repeatRevenue.get(early) + c.firstDayRevenue.get(late) + c.repeatRevenue.get(late));
    c.firstDayRevenue.set(into, c.firstDayRevenue.get(early));
    c.firstOrderDay.set(into, c.firstOrderDay.get(early));
    c.lastOrderDay.set(into, Math.max(c.lastOrderDay.get(from), c.lastOrderDay.get(into)));
    c.orderDays.add(into, c.orderDays.get(from));
    c.lastOrderAt.set(into, Math.max(c.lastOrderAt.get(from), c.lastOrderAt.get(into)));
  }

  private _clear(c: number): void {
    for (const k of COLUMNS) this._c[k].set(c, 0);
    this._flags.set(c, 0);
    this._categories.delete(c);
    this._days.remove(c);
    this._size--;
  }
}
