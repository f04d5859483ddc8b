// Per-customer behaviour accumulated event by event, turned into the feature rows that segments cluster and
// the purchase histories the CLV models fit.

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

// Most customers seen never touch a category (a flood of made-up visitors, none): they share one empty map, and
// a map of their own is made at their first category (a map is about 200 bytes a customer).
const NO_CATEGORIES = new Map<string, number>();

function addCategory(c: CustomerActivity, category: string, n: number): void {
  if (c.categories === NO_CATEGORIES) c.categories = new Map();
  c.categories.set(category, (c.categories.get(category) ?? 0) + n);
}

export class CustomerLedger {
  private readonly _customers = new Map<string, CustomerActivity>();
  private readonly _visitGapMs: number;

  constructor(visitGapMinutes = 30) {
    this._visitGapMs = visitGapMinutes * 60_000;
  }

  get size(): number {
    return this._customers.size;
  }

  get(customerId: string): CustomerActivity | undefined {
    return this._customers.get(customerId);
  }

  view(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    c.views++;
    if (category) addCategory(c, category, 1);
  }

  cartAdd(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    c.cartAdds++;
    c.visitCart = true;
    if (category) addCategory(c, category, 1);
  }

  order(customerId: string, at: number, revenue: number, categories: readonly string[] = []): void {
    const c = this._touch(customerId, at);
    c.orders++;
    c.revenue += revenue;
    c.visitOrder = true;
    c.lastOrderAt = Math.max(c.lastOrderAt, at);
    const day = Math.floor(at / DAY_MS);
    if (c.orderDays === 0) {
      c.firstOrderDay = c.lastOrderDay = day;
      c.orderDays = 1;
      c.firstDayRevenue = revenue;
    } else if (day === c.firstOrderDay) {
      c.firstDayRevenue += revenue;
    } else if (day === c.lastOrderDay) {
      c.repeatRevenue += revenue;
    } else if (day < c.firstOrderDay) {
      // An older order arrived late: the old first day becomes a repeat day.
      c.repeatRevenue += c.firstDayRevenue;
      c.firstDayRevenue = revenue;
      c.firstOrderDay = day;
      c.orderDays++;
    } else {
      // A later day (or, arriving late, one between: counted as a new day, as no set of days is kept).
      c.orderDays++;
      c.repeatRevenue += revenue;
      c.lastOrderDay = Math.max(c.lastOrderDay, day);
    }
    for (const category of categories) addCategory(c, category, 1);
  }

  /** Any other activity (a page view): counts toward recency and visits only. */
  seen(customerId: string, at: number): void {
    this._touch(customerId, at);
  }

  /** Moves one customer's history into another's (an anonymous visitor who turned out to be a known user). */
  merge(fromId: string, intoId: string): void {
    const from = this._customers.get(fromId);
    if (!from || fromId === intoId) return;
    const into = this._customers.get(intoId);
    this._customers.delete(fromId);
    if (!into) {
      this._customers.set(intoId, from);
      return;
    }
    into.firstAt = Math.min(into.firstAt, from.firstAt);
    into.lastAt = Math.max(into.lastAt, from.lastAt);
    into.orders += from.orders;
    into.revenue += from.revenue;
    into.views += from.views;
    into.cartAdds += from.cartAdds;
    into.visits += from.visits;
    into.abandonedCarts += from.abandonedCarts;
    if (from.orderDays > 0) {
      if (into.orderDays === 0) {
        Object.assign(into, pick(from, ['firstOrderDay', 'lastOrderDay', 'orderDays', 'firstDayRevenue', 'repeatRevenue', 'lastOrderAt']));
      } else {
        // Both bought: the earlier first day stays the first; the other side's days become repeat days.
        const [early, late] = from.firstOrderDay < into.firstOrderDay ? [from, into] : [into, from];
        into.repeatRevenue = early.repeatRevenue + late.firstDayRevenue + late.repeatRevenue;
        into.firstDayRevenue = early.firstDayRevenue;
        into.firstOrderDay = early.firstOrderDay;
        into.lastOrderDay = Math.max(from.lastOrderDay, into.lastOrderDay);
        into.orderDays += from.orderDays;
        into.lastOrderAt = Math.max(from.lastOrderAt, into.lastOrderAt);
      }
    }
    for (const [category, n] of from.categories) addCategory(into, category, n);
  }

  /** The feature table at time `now`, with the `maxCategories` most common categories as share columns. */
  table(now: number, maxCategories = 8): FeatureTable {
    const totals = new Map<string, number>();
    for (const c of this._customers.values()) for (const [k, n] of c.categories) totals.set(k, (totals.get(k) ?? 0) + n);
    const categories = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxCategories)
      .map(([k]) => k);
    const customerIds: string[] = [];
    const rows: number[][] = [];
    for (const [id, c] of this._customers) {
      const touched = [...c.categories.values()].reduce((a, b) => a + b, 0);
      customerIds.push(id);
      rows.push([
        Math.max(0, (now - c.lastAt) / DAY_MS),
        c.orders,
        c.revenue,
        c.views,
        c.cartAdds,
        c.visits,
        c.abandonedCarts + (c.visitCart && !c.visitOrder && now - c.lastAt > this._visitGapMs ? 1 : 0),
        ...categories.map((k) => (touched ? (c.categories.get(k) ?? 0) / touched : 0)),
      ]);
    }
    return { customerIds, rows, features: [...FEATURES, ...categories.map((k) => `share:${k}`)], categories };
  }

  /** Each customer who ordered, as the CLV models (in days) and RFM see them at time `now`. */
  buyers(now: number): BuyerHistory[] {
    const today = Math.floor(now / DAY_MS);
    const out: BuyerHistory[] = [];
    for (const [id, c] of this._customers) {
      if (c.orderDays === 0) continue;
      out.push({
        id,
        frequency: c.orderDays - 1,
        recency: c.lastOrderDay - c.firstOrderDay,
        T: Math.max(today - c.firstOrderDay, c.lastOrderDay - c.firstOrderDay),
        monetary: c.orderDays > 1 ? c.repeatRevenue / (c.orderDays - 1) : 0,
        revenue: c.revenue,
        orders: c.orders,
        recencyDays: Math.max(0, (now - c.lastOrderAt) / DAY_MS),
      });
    }
    return out;
  }

  private _touch(customerId: string, at: number): CustomerActivity {
    let c = this._customers.get(customerId);
    if (!c) {
      c = {
        firstAt: at,
        lastAt: at,
        orders: 0,
        revenue: 0,
        views: 0,
        cartAdds: 0,
        visits: 1,
        abandonedCarts: 0,
        visitCart: false,
        visitOrder: false,
        firstOrderDay: 0,
        lastOrderDay: 0,
        orderDays: 0,
        firstDayRevenue: 0,
        repeatRevenue: 0,
        lastOrderAt: 0,
        categories: NO_CATEGORIES,
      };
      this._customers.set(customerId, c);
      return c;
    }
    if (at - c.lastAt > this._visitGapMs) {
      c.visits++;
      if (c.visitCart && !c.visitOrder) c.abandonedCarts++;
      c.visitCart = c.visitOrder = false;
    }
    c.firstAt = Math.min(c.firstAt, at);
    c.lastAt = Math.max(c.lastAt, at);
    return c;
  }
}

function pick<T, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}
