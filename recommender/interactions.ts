// The recommendation model fed one interaction at a time: co-occurrence within orders (also bought), within
// visits (also viewed) and within each shopper's history (for you, as SAR), plus decayed popularity.
// Every update touches only the rows of the items involved: nothing is rebuilt per event.

import { CooccurrenceMatrix, byScore, score, type Scored, type Similarity } from './cooccurrence';
import { DecayedScores } from './decayed';
import { IdIndex } from './ids';

export type Interaction = 'view' | 'cartAdd' | 'purchase';

export interface InteractionOptions {
  /** How much each kind of interaction says about a shopper's taste (a purchase says more than a view). */
  weights: Record<Interaction, number>;
  /** Interest halves every this many days (SAR's time_decay_coefficient). */
  halfLifeDays: number;
  /** A visit ends after this long without activity. */
  visitGapMinutes: number;
  /** Trending compares an item's rate over this many hours (half-life)... */
  trendingRecentHours: number;
  /** ...with its own baseline over this many days (half-life). */
  trendingBaselineDays: number;
}

export const DEFAULT_INTERACTION_OPTIONS: InteractionOptions = {
  weights: { view: 1, cartAdd: 3, purchase: 5 },
  halfLifeDays: 30,
  visitGapMinutes: 30,
  trendingRecentHours: 24,
  trendingBaselineDays: 14,
};

/** Recently viewed items kept per shopper. */
const RECENT_VIEWS = 50;

export interface Recommendation {
  id: string;
  score: number;
}

export interface QueryOptions {
  limit: number;
  measure?: Similarity;
  /** Leave out pairs seen together fewer times than this. */
  minSupport?: number;
  /** Items the caller cannot serve (not in the catalog, out of stock, already shown). */
  accept?: (id: string) => boolean;
}

interface Visit {
  key: string | undefined;
  lastAt: number;
  /** Distinct items viewed in the visit: few, so an array is cheaper than a Set. */
  items: number[];
}

export class InteractionModel {
  readonly options: InteractionOptions;
  private readonly _items = new IdIndex();
  private readonly _users = new IdIndex();
  /** Items in the same order. */
  private _bought = new CooccurrenceMatrix();
  /** Items viewed in the same visit. */
  private _viewed = new CooccurrenceMatrix();
  /** Items in the same shopper's history: SAR's item-item co-occurrence. */
  private _shared = new CooccurrenceMatrix();
  /** During a bulk load: the groups whose pairs are counted at the end, in one sort each. */
  private _bulk: { orders: number[][]; visits: number[][] } | null = null;
  /** Each shopper's products, pointing at their slot in the affinity pool. */
  private readonly _affinity = new Map<number, Map<number, number>>();
  private readonly _affinityPool: DecayedScores;
  private readonly _visits = new Map<number, Visit>();
  private readonly _popularity: DecayedScores;
  private _popularRanking: number[] | null = null;
  /** Decayed view-and-purchase rates per item: recent (hours) and baseline (days), for trending. */
  private readonly _recent: DecayedScores;
  private readonly _baseline: DecayedScores;
  private _trendingRanking: Scored[] | null = null;
  /** Scratch space for for-you, reused between queries. */
  private _scores = new Float64Array(0);
  private readonly _recentViews = new Map<number, number[]>();
  private readonly _purchased = new Map<number, Map<number, number>>();
  private readonly _cart = new Map<number, Set<number>>();
  private _latestAt = 0;
  private _interactions = 0;

  constructor(options: Partial<InteractionOptions> = {}) {
    this.options = { ...DEFAULT_INTERACTION_OPTIONS, ...options, weights: { ...DEFAULT_INTERACTION_OPTIONS.weights, ...options.weights } };
    this._affinityPool = new DecayedScores(this.options.halfLifeDays, 1024);
    this._popularity = new DecayedScores(this.options.halfLifeDays);
    this._recent = new DecayedScores(this.options.trendingRecentHours / 24);
    this._baseline = new DecayedScores(this.options.trendingBaselineDays);
  }

  get interactions(): number {
    return this._interactions;
  }

  /**
   * Starts a bulk load (a full rebuild from stored events): shoppers' state is kept as events arrive, but
   * co-occurrences are counted once, in endBulk(), by sorting: far faster than pair by pair.
   */
  beginBulk(): void {
    this._bulk = { orders: [], visits: [] };
  }

  /** Folds live increments into the co-occurrence rows at once (a pause proportional to the matrices). */
  compact(): void {
    this._bought.compact();
    this._viewed.compact();
    this._shared.compact();
  }

  /** Begins folding live increments into the rows, to go on in compactStep() slices. */
  startCompaction(): void {
    for (const m of [this._bought, this._viewed, this._shared]) m.startCompaction();
  }

  /** Carries the compaction on for about `budgetMs`; true when it is done. */
  compactStep(budgetMs: number): boolean {
    const until = performance.now() + budgetMs;
    for (const m of [this._bought, this._viewed, this._shared]) {
      if (!m.compactStep(Math.max(0, until - performance.now()))) return false;
    }
    return true;
  }

  /** Co-occurrence increments waiting for compact(). */
  get pendingIncrements(): number {
    return this._bought.pending + this._viewed.pending + this._shared.pending;
  }

  get compacting(): boolean {
    return this._bought.compacting || this._viewed.compacting || this._shared.compacting;
  }

  /** Counts the co-occurrences of the bulk load; returns how long that took (ms) and the matrices' bytes. */
  endBulk(): { ms: number; bytes: number } {
    const bulk = this._bulk;
    if (!bulk) return { ms: 0, bytes: 0 };
    const started = performance.now();
    this._bulk = null;
    this._bought = CooccurrenceMatrix.build(bulk.orders);
    const openVisits = [...this._visits.values()].map((v) => v.items);
    this._viewed = CooccurrenceMatrix.build([...bulk.visits, ...openVisits]);
    this._shared = CooccurrenceMatrix.build([...this._affinity.values()].map((a) => a.keys()));
    return { ms: performance.now() - started, bytes: this._bought.bytes + this._viewed.bytes + this._shared.bytes };
  }

  get itemCount(): number {
    return this._items.size;
  }

  view(userId: string, itemId: string, at: number, visitKey?: string): void {
    const user = this._users.intern(userId);
    const item = this._items.intern(itemId);
    const visit = this._visitOf(user, at, visitKey);
    if (!visit.items.includes(item)) {
      if (!this._bulk) this._viewed.join(visit.items, item);
      visit.items.push(item);
    }
    const recent = this._recentViews.get(user) ?? [];
    const i = recent.indexOf(item);
    if (i !== -1) recent.splice(i, 1);
    recent.push(item);
    if (recent.length > RECENT_VIEWS) recent.shift();
    this._recentViews.set(user, recent);
    this._trend(item, 1, at);
    this._interact(user, item, 'view', at);
  }

  cartAdd(userId: string, itemId: string, at: number): void {
    const user = this._users.intern(userId);
    const item = this._items.intern(itemId);
    let cart = this._cart.get(user);
    if (!cart) this._cart.set(user, (cart = new Set()));
    cart.add(item);
    this._interact(user, item, 'cartAdd', at);
  }

  cartRemove(userId: string, itemId: string): void {
    const user = this._users.get(userId);
    const item = this._items.get(itemId);
    if (user !== undefined && item !== undefined) this._cart.get(user)?.delete(item);
  }

  purchase(userId: string, itemIds: readonly string[], at: number): void {
    const user = this._users.intern(userId);
    const items = itemIds.map((id) => this._items.intern(id));
    if (this._bulk) this._bulk.orders.push(items);
    else this._bought.addGroup(items);
    let bought = this._purchased.get(user);
    if (!bought) this._purchased.set(user, (bought = new Map()));
    for (const item of items.length > 1 ? new Set(items) : items) {
      bought.set(item, (bought.get(item) ?? 0) + 1);
      this._trend(item, this.options.weights.purchase / this.options.weights.view, at);
      this._interact(user, item, 'purchase', at);
    }
    this._cart.delete(user); // the cart became an order
  }

  /** Items the shopper viewed, most recent first. */
  recentlyViewed(userId: string, query: QueryOptions): Recommendation[] {
    const user = this._users.get(userId);
    const recent = user === undefined ? undefined : this._recentViews.get(user);
    if (!recent) return [];
    return this._take(recent.map((item, i) => ({ item, score: i + 1 })).reverse(), query);
  }

  /** What the shopper has bought. */
  purchased(userId: string): Set<string> {
    const user = this._users.get(userId);
    return new Set([...(user === undefined ? [] : (this._purchased.get(user)?.keys() ?? []))].map((i) => this._items.id(i)));
  }

  /** What is in the shopper's cart now: added, not removed, not yet ordered. */
  cart(userId: string): Set<string> {
    const user = this._users.get(userId);
    return new Set([...(user === undefined ? [] : (this._cart.get(user) ?? []))].map((i) => this._items.id(i)));
  }

  /** Orders containing each item, for the shoppers given (best sellers within a segment). */
  salesAmong(userIds: Iterable<string>): Map<string, number> {
    const sales = new Map<string, number>();
    for (const id of userIds) {
      const user = this._users.get(id);
      for (const [item, n] of (user === undefined ? undefined : this._purchased.get(user)) ?? []) sales.set(this._items.id(item), (sales.get(this._items.id(item)) ?? 0) + n);
    }
    return sales;
  }

  /**
   * Items whose recent rate of views and purchases rises fastest against their own baseline: the ratio of a
   * rate decaying over hours to one decaying over days, with a prior that keeps a handful of views of a cold
   * item from topping the list.
   */
  trending(query: QueryOptions): Recommendation[] {
    if (!this._trendingRanking) {
      const now = this._latestAt;
      const recentScale = this.options.trendingRecentHours / 24;
      const baselineScale = this.options.trendingBaselineDays;
      const prior = 2;
      const ranked: Scored[] = [];
      for (let item = 0; item < this._recent.size; item++) {
        if (!this._recent.has(item)) continue;
        const recent = this._recent.value(item, now) / recentScale;
        const baseline = this._baseline.value(item, now) / baselineScale;
        if (recent > 0) ranked.push({ item, score: (recent + prior / recentScale) / (baseline + prior / recentScale) });
      }
      this._trendingRanking = ranked.sort(byScore);
    }
    return this._take(this._trendingRanking, query);
  }

  /**
   * Moves one shopper's history into another's: an anonymous visitor who logged in. Items only one side had
   * now co-occur; an item both sides had keeps the occurrence each counted (a small over-count).
   */
  alias(fromId: string, intoId: string): void {
    const from = this._users.get(fromId);
    const fromAffinity = from === undefined ? undefined : this._affinity.get(from);
    if (from === undefined || !fromAffinity) return;
    const into = this._users.intern(intoId);
    if (into === from) return;
    const intoAffinity = this._affinity.get(into) ?? new Map<number, number>();
    const intoOnly = [...intoAffinity.keys()].filter((item) => !fromAffinity.has(item));
    for (const [item, slot] of fromAffinity) {
      const existing = intoAffinity.get(item);
      if (existing !== undefined) {
        this._affinityPool.merge(slot, existing);
      } else {
        if (!this._bulk) for (const other of intoOnly) this._shared.pair(item, other);
        intoAffinity.set(item, slot);
      }
    }
    this._affinity.set(into, intoAffinity);
    this._affinity.delete(from);
    const visit = this._visits.get(from);
    if (visit && !this._visits.has(into)) this._visits.set(into, visit);
    this._visits.delete(from);
  }

  /** An interaction of any weight (a rating, in an offline evaluation): counts toward for-you and popularity. */
  rate(userId: string, itemId: string, weight: number, at: number): void {
    this._interactWeighted(this._users.intern(userId), this._items.intern(itemId), weight, at);
  }

  /** Items most often in the same order as `itemId`. */
  alsoBought(itemId: string, query: QueryOptions): Recommendation[] {
    return this._similar(this._bought, itemId, query);
  }

  /** Items most often viewed in the same visit as `itemId`. */
  alsoViewed(itemId: string, query: QueryOptions): Recommendation[] {
    return this._similar(this._viewed, itemId, query);
  }

  /**
   * SAR: the shopper's decayed affinity to each item they touched, times the item-item similarity, summed;
   * items they already interacted with are left out.
   */
  forYou(userId: string, query: QueryOptions): Recommendation[] {
    const user = this._users.get(userId);
    const affinity = user === undefined ? undefined : this._affinity.get(user);
    if (!affinity) return [];
    const measure = query.measure ?? 'jaccard';
    let latest = -Infinity;
    for (const slot of affinity.values()) latest = Math.max(latest, this._affinityPool.at(slot));
    // A dense buffer and the list of items it touched: far cheaper than a Map when rows are long.
    if (this._scores.length < this._items.size) this._scores = new Float64Array(this._items.size * 2);
    const scores = this._scores;
    const touched: number[] = [];
    for (const [item, slot] of affinity) {
      const weight = this._affinityPool.value(slot, latest);
      const own = this._shared.occurrences(item);
      this._shared.forEachNeighbour(item, (other, together) => {
        if (affinity.has(other)) return;
        if (scores[other] === 0) touched.push(other);
        scores[other] += weight * score(together, own, this._shared.occurrences(other), measure);
      });
    }
    const ranked = topScored(touched, scores, query.limit);
    let out = this._take(ranked, query);
    // Filters left too few of the best: rank everything (exactly what a full sort gives).
    if (out.length < query.limit && ranked.length < touched.length) out = this._take(touched.map((item) => ({ item, score: scores[item] })).sort(byScore), query);
    for (const item of touched) scores[item] = 0;
    return out;
  }

  /** Items with the most decayed, weighted interactions. */
  popular(query: QueryOptions): Recommendation[] {
    const now = this._latestAt;
    if (!this._popularRanking) {
      const ranked: Scored[] = [];
      for (let item = 0; item < this._popularity.size; item++) if (this._popularity.has(item)) ranked.push({ item, score: this._popularity.value(item, now) });
      this._popularRanking = ranked.sort(byScore).map((s) => s.item);
    }
    const out: Recommendation[] = [];
    for (const item of this._popularRanking) {
      if (out.length >= query.limit) break;
      const id = this._items.id(item);
      if (!query.accept || query.accept(id)) out.push({ id, score: this._popularity.value(item, now) });
    }
    return out;
  }

  /** The items a shopper has interacted with, most recent first. */
  history(userId: string): string[] {
    const user = this._users.get(userId);
    const affinity = user === undefined ? undefined : this._affinity.get(user);
    if (!affinity) return [];
    return [...affinity.entries()].sort((a, b) => this._affinityPool.at(b[1]) - this._affinityPool.at(a[1])).map(([item]) => this._items.id(item));
  }

  private _interact(user: number, item: number, kind: Interaction, at: number): void {
    this._interactWeighted(user, item, this.options.weights[kind], at);
  }

  private _interactWeighted(user: number, item: number, weight: number, at: number): void {
    this._interactions++;
    let affinity = this._affinity.get(user);
    if (!affinity) this._affinity.set(user, (affinity = new Map()));
    let slot = affinity.get(item);
    if (slot === undefined) {
      if (!this._bulk) this._shared.join(affinity.keys(), item);
      affinity.set(item, (slot = this._affinityPool.allocate()));
    }
    this._affinityPool.add(slot, weight, at);
    this._popularity.add(item, weight, at);
    this._latestAt = Math.max(this._latestAt, at);
    this._popularRanking = null;
  }

  private _visitOf(user: number, at: number, key: string | undefined): Visit {
    const gap = this.options.visitGapMinutes * 60_000;
    let visit = this._visits.get(user);
    const sameVisit = visit && (key !== undefined && visit.key !== undefined ? key === visit.key : Math.abs(at - visit.lastAt) <= gap);
    if (!visit || !sameVisit) {
      if (visit && this._bulk && visit.items.length > 0) this._bulk.visits.push(visit.items);
      this._visits.set(user, (visit = { key, lastAt: at, items: [] }));
    }
    visit.lastAt = Math.max(visit.lastAt, at);
    return visit;
  }

  private _similar(matrix: CooccurrenceMatrix, itemId: string, query: QueryOptions): Recommendation[] {
    const item = this._items.get(itemId);
    if (item === undefined) return [];
    const measure = query.measure ?? 'jaccard';
    const own = matrix.occurrences(item);
    const minSupport = query.minSupport ?? 1;
    if (this._scores.length < this._items.size) this._scores = new Float64Array(this._items.size * 2);
    const scores = this._scores;
    const touched: number[] = [];
    matrix.forEachNeighbour(item, (other, together) => {
      if (together < minSupport) return;
      const s = score(together, own, matrix.occurrences(other), measure);
      if (s <= 0) return;
      if (scores[other] === 0) touched.push(other);
      scores[other] = s;
    });
    // Only the best of a long row are sorted; everything if the caller's filters leave too few.
    const ranked = topScored(touched, scores, query.limit);
    let out = this._take(ranked, query);
    if (out.length < query.limit && ranked.length < touched.length) out = this._take(touched.map((i) => ({ item: i, score: scores[i] })).sort(byScore), query);
    for (const i of touched) scores[i] = 0;
    return out;
  }

  private _trend(item: number, weight: number, at: number): void {
    this._recent.add(item, weight, at);
    this._baseline.add(item, weight, at);
    this._trendingRanking = null;
  }

  private _take(ranked: Scored[], query: QueryOptions): Recommendation[] {
    const out: Recommendation[] = [];
    for (const { item, score } of ranked) {
      if (out.length >= query.limit) break;
      const id = this._items.id(item);
      if (!query.accept || query.accept(id)) out.push({ id, score });
    }
    return out;
  }
}

/**
 * The best-scored items, best first; when there are many, only those at or above the score of the
 * (want x 8)-th best are sorted. The caller ranks everything if its filters leave too few of them.
 */
function topScored(items: readonly number[], scores: Float64Array, want: number): Scored[] {
  const keep = Math.max(want * 8, 64);
  let chosen = items;
  if (items.length > keep * 4) {
    const values = Float64Array.from(items, (i) => scores[i]).sort();
    const threshold = values[values.length - keep];
    chosen = items.filter((i) => scores[i] >= threshold);
  }
  return chosen.map((item) => ({ item, score: scores[item] })).sort(byScore);
}
