// Per-customer behaviour accumulated event by event, turned into the feature rows that segments cluster.

export interface CustomerActivity {
  firstAt: number;
  lastAt: number;
  orders: number;
  revenue: number;
  views: number;
  cartAdds: number;
  visits: number;
  categories: Map<string, number>;
}

export const FEATURES = ['recencyDays', 'orders', 'revenue', 'views', 'cartAdds', 'visits'] as const;
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
    if (category) c.categories.set(category, (c.categories.get(category) ?? 0) + 1);
  }

  cartAdd(customerId: string, at: number, category?: string): void {
    const c = this._touch(customerId, at);
    c.cartAdds++;
    if (category) c.categories.set(category, (c.categories.get(category) ?? 0) + 1);
  }

  order(customerId: string, at: number, revenue: number, categories: readonly string[] = []): void {
    const c = this._touch(customerId, at);
    c.orders++;
    c.revenue += revenue;
    for (const category of categories) c.categories.set(category, (c.categories.get(category) ?? 0) + 1);
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
    for (const [category, n] of from.categories) into.categories.set(category, (into.categories.get(category) ?? 0) + n);
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
        ...categories.map((k) => (touched ? (c.categories.get(k) ?? 0) / touched : 0)),
      ]);
    }
    return { customerIds, rows, features: [...FEATURES, ...categories.map((k) => `share:${k}`)], categories };
  }

  private _touch(customerId: string, at: number): CustomerActivity {
    let c = this._customers.get(customerId);
    if (!c) {
      c = { firstAt: at, lastAt: at, orders: 0, revenue: 0, views: 0, cartAdds: 0, visits: 1, categories: new Map() };
      this._customers.set(customerId, c);
      return c;
    }
    if (at - c.lastAt > this._visitGapMs) c.visits++;
    c.firstAt = Math.min(c.firstAt, at);
    c.lastAt = Math.max(c.lastAt, at);
    return c;
  }
}
