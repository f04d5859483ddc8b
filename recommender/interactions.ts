// The recommendation model fed one interaction at a time: co-occurrence within orders (also bought), within
// visits (also viewed) and within each shopper's history (for you, as SAR), plus decayed popularity.
// Every update touches only the rows of the items involved: nothing is rebuilt per event.

import { CachedRanking } from './cached-ranking';
import { uint8Column } from './paged';
import { CooccurrenceMatrix, Groups, grownInts, type Similarity } from './cooccurrence';
import { DecayedScores } from './decayed';
import { IdIndex } from './ids';
import { byScore, type Scored } from './ranking';
import { ScoreBoard } from './scoreboard';
import { IN_CART, ShopperItems, VIEWED } from './shopper-items';
import { BOUGHT, CART_ADD, CART_CLEAR, CART_REMOVE, RATED, ShopperLog, VIEW } from './shopper-log';

const NONE = -1;

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
  /**
   * The most distinct products of one visit, of one order and of one shopper's history counted together (the
   * first ones): every pair of them is counted, so without a bound one request of 2,500 products would cost
   * three million counts. Each product still counts for popularity and in the shopper's own history.
   */
  maxItemsPerVisit: number;
  maxItemsPerOrder: number;
  maxItemsPerHistory: number;
}

/** How many of a shopper's most recent products a view looks through for the others of its visit. */
const VISIT_LOOKBACK = 1000;

export const DEFAULT_INTERACTION_OPTIONS: InteractionOptions = {
  weights: { view: 1, cartAdd: 3, purchase: 5 },
  halfLifeDays: 30,
  visitGapMinutes: 30,
  trendingRecentHours: 24,
  trendingBaselineDays: 14,
  maxItemsPerVisit: 50,
  maxItemsPerOrder: 50,
  maxItemsPerHistory: 100,
};

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

export class InteractionModel {
  readonly options: InteractionOptions;
  private readonly _items = new IdIndex();
  /** Shoppers by index: the model's own, or one shared with the other per-person models (one copy of each id). */
  private readonly _users: IdIndex;
  /** Items in the same order. */
  private _bought = new CooccurrenceMatrix();
  /** Items viewed in the same visit. */
  private _viewed = new CooccurrenceMatrix();
  /** Items in the same shopper's history: SAR's item-item co-occurrence. */
  private _shared = new CooccurrenceMatrix();
  /**
   * During a bulk load: orders, and each first view of a product in a visit, counted at the end; what each
   * shopper did, played into the shopper entries at the end (or when one shopper's state is asked for); per
   * product, the entry of the shopper being played (when stamp[item] is the shopper's turn).
   */
  private _bulk: {
    orders: Groups;
    visitViews: Int32Array<ArrayBuffer>;
    viewedItems: Int32Array<ArrayBuffer>;
    views: number;
    log: ShopperLog;
    stamp: Int32Array<ArrayBuffer>;
    entryOf: Int32Array<ArrayBuffer>;
    turn: number;
    /** Some shopper was played before the end (their visits' views may not be side by side). */
    playedInParts: boolean;
  } | null = null;
  /** What each shopper did with each product: affinity, orders, cart, views. */
  private readonly _shoppers: ShopperItems;
  /** Per shopper: at 2u the current visit's number (NONE before the first), at 2u + 1 when it was last active; its key. */
  private _visits = new Float64Array(0);
  private readonly _visitKey: (string | undefined)[] = [];
  private _visitCount = 0;
  private readonly _popularity: DecayedScores;
  private readonly _popularRanking = new CachedRanking(
    () => this._rankPopular(),
    () => this._popularity.size,
  );
  /** Decayed view-and-purchase rates per item: recent (hours) and baseline (days), for trending. */
  private readonly _recent: DecayedScores;
  private readonly _baseline: DecayedScores;
  private readonly _trendingRanking = new CachedRanking(
    () => this._rankTrending(),
    () => this._recent.size,
  );
  /** Whether an item may be recommended (is in the catalog), by index, when a test was given (rankOnly). */
  private _servable: ((id: string) => boolean) | null = null;
  private _servableFlags = uint8Column();
  /** Scratch space for similarity queries, reused between them. */
  private readonly _board = new ScoreBoard();
  private _latestAt = 0;
  private _interactions = 0;

  constructor(options: Partial<InteractionOptions> = {}, users: IdIndex = new IdIndex()) {
    this._users = users;
    this.options = { ...DEFAULT_INTERACTION_OPTIONS, ...options, weights: { ...DEFAULT_INTERACTION_OPTIONS.weights, ...options.weights } };
    this._shoppers = new ShopperItems(this.options.halfLifeDays);
    // An item's popularity and trending rates change together: one cache line for the three.
    [this._popularity, this._recent, this._baseline] = DecayedScores.together([this.options.halfLifeDays, this.options.trendingRecentHours / 24, this.options.trendingBaselineDays]);
  }

  get interactions(): number {
    return this._interactions;
  }

  /**
   * Starts a bulk load (a full rebuild from stored events): popularity and visits are kept as events arrive,
   * shoppers' entries are made in endBulk() a shopper at a time, and co-occurrences are counted once there, by
   * sorting: far faster than event by event and pair by pair. Reads of a shopper meanwhile see all of it.
   * `expected`: about how many interactions will be loaded (the stored events), to make room once.
   */
  beginBulk(expected = 0): void {
    if (this._bulk) return;
    this._bulk = {
      orders: new Groups(),
      visitViews: new Int32Array(1024),
      viewedItems: new Int32Array(1024),
      views: 0,
      log: new ShopperLog(expected),
      stamp: new Int32Array(0),
      entryOf: new Int32Array(0),
      turn: 0,
      playedInParts: false,
    };
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

  /**
   * Makes the shoppers' entries and counts the co-occurrences of the bulk load; returns how long each took (ms)
   * and the matrices' bytes.
   */
  endBulk(): { shoppersMs: number; ms: number; bytes: number } {
    const bulk = this._bulk;
    if (!bulk) return { shoppersMs: 0, ms: 0, bytes: 0 };
    const playing = performance.now();
    // Every entry made is new: room for them at once, then each shopper's history played in turn.
    this._shoppers.reserve(bulk.log.size);
    const { played, start: first } = bulk.log.takeAll(this._users.size);
    for (let user = 0; user < this._users.size; user++) if (first[user + 1] > first[user]) this._playShopper(user, played, null, first[user], first[user + 1]);
    this._shoppers.settle();
    this._bulk = null;
    const started = performance.now();
    this._bought = CooccurrenceMatrix.build(bulk.orders);
    this._viewed = CooccurrenceMatrix.build(this._visitGroups(bulk));
    const histories = new Groups();
    const history: number[] = [];
    for (let user = 0; user < this._users.size; user++) {
      // A shopper's entries are newest first: their first products, as counted live, are the last ones.
      history.length = 0;
      for (let e = this._shoppers.first(user); e !== NONE; e = this._shoppers.next(e)) history.push(this._shoppers.item(e));
      for (let k = history.length - 1; k >= Math.max(0, history.length - this.options.maxItemsPerHistory); k--) histories.add(history[k]);
      histories.close();
    }
    this._shared = CooccurrenceMatrix.build(histories);
    this._shoppers.trim();
    return { shoppersMs: started - playing, ms: performance.now() - started, bytes: this._bought.bytes + this._viewed.bytes + this._shared.bytes };
  }

  /**
   * Each visit's products, from the first views of a product in a visit as the shoppers were played. A shopper's
   * visits only move forward, so played whole each visit's views are side by side; if some shopper was played
   * in parts (a read or an alias during the load) they are brought together by a counting sort on the visit.
   */
  private _visitGroups(bulk: NonNullable<InteractionModel['_bulk']>): Groups {
    const { visitViews, viewedItems, views } = bulk;
    const visits = new Groups();
    if (!bulk.playedInParts) {
      for (let i = 0; i < views; i++) {
        if (i > 0 && visitViews[i] !== visitViews[i - 1]) visits.close();
        if (visits.open < this.options.maxItemsPerVisit) visits.add(viewedItems[i]);
      }
      visits.close();
      return visits;
    }
    const start = new Int32Array(this._visitCount + 1);
    for (let i = 0; i < views; i++) start[visitViews[i] + 1]++;
    for (let v = 0; v < this._visitCount; v++) start[v + 1] += start[v];
    const byVisit = new Int32Array(views);
    for (let i = 0; i < views; i++) byVisit[start[visitViews[i]]++] = viewedItems[i];
    for (let v = 0, i = 0; v < this._visitCount; v++) {
      for (; i < start[v]; i++) if (visits.open < this.options.maxItemsPerVisit) visits.add(byVisit[i]);
      visits.close();
    }
    return visits;
  }

  get itemCount(): number {
    return this._items.size;
  }

  view(userId: string, itemId: string, at: number, visitKey?: string): void {
    const user = this._users.intern(userId);
    const item = this._item(itemId);
    const visit = this._visitOf(user, at, visitKey);
    const weight = this.options.weights.view;
    this._trend(item, 1, at);
    this._count(item, weight, at);
    if (this._bulk) {
      this._bulk.log.add(user, VIEW, item, at, weight, visit);
      return;
    }
    const shoppers = this._shoppers;
    const e = shoppers.entry(user, item);
    if (shoppers.visit(e) !== visit) {
      // Only the visit's first products are counted together (the bound on a visit's work), looked for among the
      // shopper's most recent products (newest first): a shopper of a million products costs no more.
      const cap = this.options.maxItemsPerVisit;
      const others: number[] = [];
      let walked = 0;
      for (let o = shoppers.first(user); o !== NONE && others.length < cap && walked++ < VISIT_LOOKBACK; o = shoppers.next(o)) {
        if (o !== e && shoppers.visit(o) === visit) others.push(shoppers.item(o));
      }
      if (others.length < cap) this._viewed.join(others, item);
      shoppers.setVisit(e, visit);
    }
    shoppers.set(e, VIEWED, true);
    this._interactWeighted(user, e, weight, at);
  }

  cartAdd(userId: string, itemId: string, at: number): void {
    const user = this._users.intern(userId);
    const item = this._item(itemId);
    const weight = this.options.weights.cartAdd;
    this._count(item, weight, at);
    if (this._bulk) {
      this._bulk.log.add(user, CART_ADD, item, at, weight, NONE);
      return;
    }
    const e = this._shoppers.entry(user, item);
    this._shoppers.set(e, IN_CART, true);
    this._interactWeighted(user, e, weight, at);
  }

  cartRemove(userId: string, itemId: string): void {
    const user = this._users.get(userId);
    const item = this._items.get(itemId);
    if (user === undefined || item === undefined) return;
    if (this._bulk) {
      this._bulk.log.add(user, CART_REMOVE, item, 0, 0, NONE);
      return;
    }
    const e = this._shoppers.find(user, item);
    if (e !== NONE) this._shoppers.set(e, IN_CART, false);
  }

  purchase(userId: string, itemIds: readonly string[], at: number): void {
    const user = this._users.intern(userId);
    const items = itemIds.map((id) => this._item(id));
    const weight = this.options.weights.purchase;
    const bulk = this._bulk;
    // Only the order's first products are counted together (the bound on an order's work).
    const together = [...new Set(items)].slice(0, this.options.maxItemsPerOrder);
    if (bulk) {
      for (const item of together) bulk.orders.add(item);
      bulk.orders.close();
      // The cart became an order.
      bulk.log.add(user, CART_CLEAR, NONE, at, 0, NONE);
    } else {
      this._bought.addGroup(together);
      this._shoppers.emptyCart(user);
    }
    for (const item of items.length > 1 ? new Set(items) : items) {
      this._trend(item, weight / this.options.weights.view, at);
      this._count(item, weight, at);
      if (bulk) bulk.log.add(user, BOUGHT, item, at, weight, NONE);
      else {
        const e = this._shoppers.entry(user, item);
        this._shoppers.addBought(e);
        this._interactWeighted(user, e, weight, at);
      }
    }
  }

  /** Items the shopper viewed, most recent first. */
  recentlyViewed(userId: string, query: QueryOptions): Recommendation[] {
    const viewed = this._entries(userId).filter((e) => this._shoppers.has(e, VIEWED));
    viewed.sort((a, b) => this._shoppers.at(b) - this._shoppers.at(a));
    return this._take(
      viewed.map((e, i) => ({ item: this._shoppers.item(e), score: viewed.length - i })),
      query,
    );
  }

  /** What the shopper has bought. */
  purchased(userId: string): Set<string> {
    return new Set(
      this._entries(userId)
        .filter((e) => this._shoppers.bought(e) > 0)
        .map((e) => this._items.id(this._shoppers.item(e))),
    );
  }

  /** What is in the shopper's cart now: added, not removed, not yet ordered. */
  cart(userId: string): Set<string> {
    return new Set(
      this._entries(userId)
        .filter((e) => this._shoppers.has(e, IN_CART))
        .map((e) => this._items.id(this._shoppers.item(e))),
    );
  }

  /** Orders containing each item, for the shoppers given (best sellers within a segment). */
  salesAmong(userIds: Iterable<string>): Map<string, number> {
    const sales = new Map<string, number>();
    for (const id of userIds) {
      for (const e of this._entries(id)) {
        const n = this._shoppers.bought(e);
        if (n === 0) continue;
        const item = this._items.id(this._shoppers.item(e));
        sales.set(item, (sales.get(item) ?? 0) + n);
      }
    }
    return sales;
  }

  /**
   * Items whose recent rate of views and purchases rises fastest against their own baseline: the ratio of a
   * rate decaying over hours to one decaying over days, with a prior that keeps a handful of views of a cold
   * item from topping the list.
   */
  trending(query: QueryOptions): Recommendation[] {
    return this._take(this._trendingRanking.get(), query);
  }

  private _rankTrending(): Scored[] {
    const now = this._latestAt;
    const recentScale = this.options.trendingRecentHours / 24;
    const baselineScale = this.options.trendingBaselineDays;
    const prior = 2;
    const ranked: Scored[] = [];
    for (let item = 0; item < this._recent.size; item++) {
      if (!this._recent.has(item) || !this._rankable(item)) continue;
      const recent = this._recent.value(item, now) / recentScale;
      const baseline = this._baseline.value(item, now) / baselineScale;
      if (recent > 0) ranked.push({ item, score: (recent + prior / recentScale) / (baseline + prior / recentScale) });
    }
    return ranked.sort(byScore);
  }

  /**
   * Ranks popular and trending items among those `servable` accepts (the catalog's) rather than among every
   * product events named: made-up products (a flood of them costs nothing to send) would make each ranking a
   * sort of all of them, and a walk past them on every request. servableChanged() tells of a change to it.
   */
  rankOnly(servable: (id: string) => boolean): void {
    this._servable = servable;
    this._servableFlags = uint8Column();
    for (let item = 0; item < this._items.size; item++) this._markServable(item, this._items.id(item));
    this._popularRanking.reset();
    this._trendingRanking.reset();
  }

  /** These products were added to or removed from what rankOnly's test accepts. */
  servableChanged(ids: Iterable<string>): void {
    if (!this._servable) return;
    let changed = false;
    for (const id of ids) {
      const item = this._items.get(id);
      const flag = this._servable(id) ? 1 : 0;
      if (item === undefined || this._servableFlags.get(item) === flag) continue;
      this._servableFlags.set(item, flag);
      changed = true;
    }
    // A price or stock update of a listed product changes no flag: the rankings stand.
    if (!changed) return;
    this._popularRanking.reset();
    this._trendingRanking.reset();
  }

  private _rankable(item: number): boolean {
    return this._servable === null || (item < this._servableFlags.length && this._servableFlags.get(item) === 1);
  }

  /** The index of an item, interned; a new one is tested once for whether it may be ranked. */
  private _item(id: string): number {
    const known = this._items.size;
    const item = this._items.intern(id);
    if (item === known && this._servable) this._markServable(item, id);
    return item;
  }

  private _markServable(item: number, id: string): void {
    this._servableFlags.ensure(item);
    this._servableFlags.set(item, this._servable!(id) ? 1 : 0);
  }

  /**
   * Moves one shopper's history into another's: an anonymous visitor who logged in. Items only one side had
   * now co-occur; an item both sides had keeps the occurrence each counted (a small over-count).
   */
  alias(fromId: string, intoId: string): void {
    const from = this._users.get(fromId);
    if (from === undefined) return;
    this._shopperNow(from);
    if (this._shoppers.first(from) === NONE) return;
    const into = this._users.intern(intoId);
    if (into === from) return;
    this._shopperNow(into);
    const fromItems = new Set(this._entries(fromId).map((e) => this._shoppers.item(e)));
    const intoOnly = this._entries(intoId)
      .map((e) => this._shoppers.item(e))
      .filter((item) => !fromItems.has(item));
    this._shoppers.move(from, into, (item) => {
      if (!this._bulk) for (const other of intoOnly) this._shared.pair(item, other);
    });
    this._ensureShopper(into);
    const visits = this._visits;
    if (visits[2 * into] === NONE) {
      visits[2 * into] = visits[2 * from];
      visits[2 * into + 1] = visits[2 * from + 1];
      this._visitKey[into] = this._visitKey[from];
    }
    visits[2 * from] = NONE;
    this._visitKey[from] = undefined;
  }

  /**
   * Forgets shoppers (the ids of one person, deleted on request). `part` is a model with these options fed
   * only their events: what it counted is taken from the co-occurrences and the popularity (each person's orders,
   * visits and history are counted apart, so the sums come apart exactly), and their own entries go.
   */
  forget(userIds: readonly string[], part: InteractionModel): void {
    if (this._bulk) throw new Error('InteractionModel.forget: not during a bulk load');
    const itemOf = (i: number) => (i < part._items.size ? this._items.get(part._items.id(i)) : undefined);
    this._bought.subtract(part._bought, itemOf);
    this._viewed.subtract(part._viewed, itemOf);
    this._shared.subtract(part._shared, itemOf);
    const scores = [
      [this._popularity, part._popularity],
      [this._recent, part._recent],
      [this._baseline, part._baseline],
    ] as const;
    for (let i = 0; i < part._items.size; i++) {
      const mine = itemOf(i);
      if (mine === undefined) continue;
      for (const [own, theirs] of scores) if (theirs.has(i)) own.subtract(mine, theirs.value(i, theirs.at(i)), theirs.at(i));
    }
    this._interactions = Math.max(0, this._interactions - part._interactions);
    for (const id of userIds) {
      const user = this._users.get(id);
      if (user === undefined) continue;
      this._shoppers.drop(user);
      if (2 * user < this._visits.length) this._visits[2 * user] = NONE;
      if (user < this._visitKey.length) this._visitKey[user] = undefined;
    }
    this._popularRanking.reset();
    this._trendingRanking.reset();
  }

  /** An interaction of any weight (a rating, in an offline evaluation): counts toward for-you and popularity. */
  rate(userId: string, itemId: string, weight: number, at: number): void {
    const user = this._users.intern(userId);
    const item = this._item(itemId);
    this._count(item, weight, at);
    if (this._bulk) this._bulk.log.add(user, RATED, item, at, weight, NONE);
    else this._interactWeighted(user, this._shoppers.entry(user, item), weight, at);
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
    const entries = this._entries(userId);
    if (entries.length === 0) return [];
    const shoppers = this._shoppers;
    const measure = query.measure ?? 'jaccard';
    let latest = -Infinity;
    for (const e of entries) latest = Math.max(latest, shoppers.at(e));
    const board = this._board;
    board.begin(this._items.size);
    for (const e of entries) board.block(shoppers.item(e));
    for (const e of entries) this._shared.accumulate(shoppers.item(e), shoppers.affinity(e, latest), measure, board);
    return this._best(board, query);
  }

  /** Items with the most decayed, weighted interactions. */
  popular(query: QueryOptions): Recommendation[] {
    const now = this._latestAt;
    const out: Recommendation[] = [];
    for (const item of this._popularRanking.get()) {
      if (out.length >= query.limit) break;
      const id = this._items.id(item);
      if (!query.accept || query.accept(id)) out.push({ id, score: this._popularity.value(item, now) });
    }
    return out;
  }

  /** The items a shopper has interacted with, most recent first. */
  history(userId: string): string[] {
    return this._entries(userId)
      .sort((a, b) => this._shoppers.at(b) - this._shoppers.at(a))
      .map((e) => this._items.id(this._shoppers.item(e)));
  }

  /** The shopper's entries, newest first. */
  private _entries(userId: string): number[] {
    const user = this._users.get(userId);
    const out: number[] = [];
    if (user === undefined) return out;
    this._shopperNow(user);
    for (let e = this._shoppers.first(user); e !== NONE; e = this._shoppers.next(e)) out.push(e);
    return out;
  }

  /** A shopper's interaction with entry `e`, live: a product new to the shopper joins their history. */
  private _interactWeighted(user: number, e: number, weight: number, at: number): void {
    const shoppers = this._shoppers;
    if (Number.isNaN(shoppers.at(e))) {
      const item = shoppers.item(e);
      // Only the shopper's first products are counted together (the bound on a history's work): past them,
      // the walk stops as soon as it knows.
      const cap = this.options.maxItemsPerHistory;
      const others: number[] = [];
      for (let o = shoppers.first(user); o !== NONE && others.length < cap; o = shoppers.next(o)) if (o !== e) others.push(shoppers.item(o));
      if (others.length < cap) this._shared.join(others, item);
    }
    shoppers.addAffinity(e, weight, at);
  }

  /** An interaction of `weight` with `item`, for popularity. */
  private _count(item: number, weight: number, at: number): void {
    this._interactions++;
    this._popularity.add(item, weight, at);
    if (at > this._latestAt) this._latestAt = at;
    this._popularRanking.changed();
  }

  /** Every item with a popularity, most popular first (decay at one rate for all keeps their order as time passes). */
  private _rankPopular(): number[] {
    const now = this._latestAt;
    const ranked: Scored[] = [];
    for (let item = 0; item < this._popularity.size; item++) if (this._popularity.has(item) && this._rankable(item)) ranked.push({ item, score: this._popularity.value(item, now) });
    return ranked.sort(byScore).map((s) => s.item);
  }

  /** During a bulk load, plays what the shopper did so far into their entries, which a read is about to see. */
  private _shopperNow(user: number): void {
    if (!this._bulk) return;
    const { taken, count } = this._bulk.log.take(user);
    if (count === 0) return;
    this._bulk.playedInParts = true;
    this._playShopper(user, this._bulk.log, taken, 0, count);
    this._shoppers.settle();
  }

  /**
   * Plays the shopper's logged interactions (records taken[from..to) of the log, or its records from..to, oldest
   * first) into their entries, with the same effect as each had live: the shopper's products found through
   * bulk.entryOf, new entries appended for settle() to hash.
   */
  private _playShopper(user: number, log: ShopperLog, taken: Int32Array | null, from: number, to: number): void {
    const bulk = this._bulk!;
    const shoppers = this._shoppers;
    if (bulk.stamp.length < this._items.size) {
      const n = Math.ceil(this._items.size * 1.25) + 64;
      const stamp = new Int32Array(n);
      stamp.set(bulk.stamp);
      bulk.stamp = stamp;
      bulk.entryOf = new Int32Array(n);
    }
    const { stamp, entryOf } = bulk;
    const turn = ++bulk.turn;
    for (let e = shoppers.first(user); e !== NONE; e = shoppers.next(e)) {
      stamp[shoppers.item(e)] = turn;
      entryOf[shoppers.item(e)] = e;
    }
    for (let i = from; i < to; i++) {
      const r = taken ? taken[i] : i;
      const kind = log.kind(r);
      if (kind === CART_CLEAR) {
        shoppers.emptyCart(user);
        continue;
      }
      const item = log.item(r);
      let e: number;
      if (stamp[item] === turn) e = entryOf[item];
      else if (kind === CART_REMOVE) continue;
      else {
        e = shoppers.append(user, item);
        stamp[item] = turn;
        entryOf[item] = e;
      }
      if (kind === VIEW) {
        const visit = log.visit(r);
        if (shoppers.visit(e) !== visit) {
          if (bulk.views === bulk.visitViews.length) {
            bulk.visitViews = grownInts(bulk.visitViews);
            bulk.viewedItems = grownInts(bulk.viewedItems);
          }
          bulk.visitViews[bulk.views] = visit;
          bulk.viewedItems[bulk.views++] = item;
          shoppers.setVisit(e, visit);
        }
        shoppers.set(e, VIEWED, true);
      } else if (kind === CART_ADD) shoppers.set(e, IN_CART, true);
      else if (kind === CART_REMOVE) {
        shoppers.set(e, IN_CART, false);
        continue;
      } else if (kind === BOUGHT) shoppers.addBought(e);
      shoppers.addAffinity(e, log.weight(r), log.at(r));
    }
  }

  /** The shopper's current visit (a number), a new one after a long enough pause or with a new key. */
  private _visitOf(user: number, at: number, key: string | undefined): number {
    this._ensureShopper(user);
    const gap = this.options.visitGapMinutes * 60_000;
    const visits = this._visits;
    const visit = visits[2 * user];
    const known = this._visitKey[user];
    const sameVisit = visit !== NONE && (key !== undefined && known !== undefined ? key === known : Math.abs(at - visits[2 * user + 1]) <= gap);
    if (!sameVisit) {
      visits[2 * user] = this._visitCount++;
      visits[2 * user + 1] = at;
      if (key !== undefined || known !== undefined) this._visitKey[user] = key;
      return visits[2 * user];
    }
    if (at > visits[2 * user + 1]) visits[2 * user + 1] = at;
    return visit;
  }

  private _ensureShopper(user: number): void {
    if (2 * user < this._visits.length) return;
    const n = Math.max(user + 1, Math.ceil((this._visits.length / 2) * 1.5) + 64);
    const visits = new Float64Array(2 * n);
    for (let i = this._visits.length; i < visits.length; i += 2) visits[i] = NONE;
    visits.set(this._visits);
    this._visits = visits;
    // Dense, so that a key written far along (the people index is shared) never turns it into a dictionary.
    while (this._visitKey.length < n) this._visitKey.push(undefined);
  }

  private _similar(matrix: CooccurrenceMatrix, itemId: string, query: QueryOptions): Recommendation[] {
    const item = this._items.get(itemId);
    if (item === undefined) return [];
    const board = this._board;
    board.begin(this._items.size);
    matrix.accumulate(item, 1, query.measure ?? 'jaccard', board, query.minSupport ?? 1);
    return this._best(board, query);
  }

  /** Only the best of a long list are sorted; everything if the caller's filters leave too few of them. */
  private _best(board: ScoreBoard, query: QueryOptions): Recommendation[] {
    const { ranked, complete } = board.top(query.limit);
    const out = this._take(ranked, query);
    return out.length < query.limit && !complete ? this._take(board.all(), query) : out;
  }

  private _trend(item: number, weight: number, at: number): void {
    this._recent.add(item, weight, at);
    this._baseline.add(item, weight, at);
    this._trendingRanking.changed();
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
