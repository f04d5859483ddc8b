// Keeps Patron's models fresh from the event stream: interactions and customer features are updated as each
// event arrives; segments are refitted in a worker thread on a schedule or after enough new events.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  ClickLedger,
  composeSlot,
  CustomerLedger,
  eligible,
  EventLog,
  fitSegments,
  InteractionModel,
  valueCustomers,
  type CustomerValue,
  type ValueModel,
  type ValueOptions,
  type ItemFacts,
  type SlotContext,
  type SlotRules,
  type InteractionOptions,
  type Recommendation,
  type Segment,
  type SegmentModel,
  type SegmentOptions,
  type Similarity,
} from '../recommender';
import type { RecommendationResponse, SegmentInfo, Strategy } from '../sdk/wire';
import { eventsFromLog, funnelFromLog, logEvent, retentionFromLog } from './reports/event-reports';
import { slotConfigSchema, type SlotConfig } from './domain/slot-config';
import { type CatalogItem } from './domain/catalog-item';
import type { RefitJob } from './customers/refit-worker';
import type { AttributedOrder, EventQuery, EventQueryRow, FunnelQuery, RetentionQuery, RetentionRow, SlotStats, Store, StoredValues } from './store/store';
import type { StoredEvent } from './domain/stored-event';

/** What a batch of new events adds to the slot reports. */
export interface ReportDeltas {
  stats: SlotStats[];
  attributions: AttributedOrder[];
}

export interface PersonalizerOptions {
  interactions?: Partial<InteractionOptions>;
  segments?: SegmentOptions & {
    /** Refit at most this often (ms); 0 turns scheduled refits off. */
    refreshIntervalMs?: number;
    /** Refit after this many new events... */
    refreshAfterEvents?: number;
    /** ...but not sooner than this after the last refit (ms): a busy shop does not refit back to back. */
    minRefreshIntervalMs?: number;
  };
  /** CLV horizon and discount rate, the expected-purchases horizon, churn-risk thresholds. */
  value?: ValueOptions;
  /** The built worker script that fits segments and CLV off the main thread (made by `npm run build`). */
  segmentWorker?: string;
  log?: (message: string) => void;
}

export interface RecommendQuery {
  /** A merchant's slot (its configuration), or an ad-hoc strategy. */
  slot?: SlotConfig;
  strategy?: Strategy;
  item?: string;
  anonymousId?: string;
  userId?: string;
  limit?: number;
  similarity?: Similarity;
  /** Cart contents as the page knows them, added to what the collector inferred. */
  cart?: string[];
}

export class Personalizer {
  readonly interactions: InteractionModel;
  readonly customers: CustomerLedger;
  /** Who did what when, for the cohort and funnel reports. */
  readonly events = new EventLog();
  private readonly _catalog = new Map<string, CatalogItem>();
  /** What slot rules look at, per catalog item: made once per catalog change, not per candidate. */
  private readonly _itemFacts = new Map<string, ItemFacts>();
  private readonly _identities = new Map<string, string>();
  private _segments: Segment[] = [];
  private _assignments = new Map<string, number>();
  /** Each buyer's CLV, P(alive), churn risk and RFM, and the models they came from, as of the last refit. */
  private _values = new Map<string, CustomerValue>();
  private _valueModel: StoredValues['model'] | null = null;
  private _valuesAt = 0;
  /** Best sellers within each segment, recomputed at each refit. */
  private _segmentTop = new Map<number, Recommendation[]>();
  private readonly _slots = new Map<string, { config: SlotConfig; updatedAt: number }>();
  private readonly _clicks = new ClickLedger();
  private readonly _adHocConfigs = new Map<Strategy, SlotConfig>();
  private _eventsSinceRefit = 0;
  private _lastRefitAt = -Infinity;
  private _refit: Promise<void> | null = null;
  private _timer: NodeJS.Timeout | null = null;
  private _worker: Worker | null = null;
  private _jobs = 0;
  private _closed = false;
  private readonly _options: PersonalizerOptions;
  private readonly _log: (message: string) => void;

  constructor(
    private readonly _store: Store,
    options: PersonalizerOptions = {},
  ) {
    this._options = options;
    this._log = options.log ?? (() => {});
    this.interactions = new InteractionModel(options.interactions);
    this.customers = new CustomerLedger(this.interactions.options.visitGapMinutes);
  }

  /** Loads the catalog, identities, segments and every stored event, then starts the refit schedule. */
  async start(): Promise<void> {
    this.setItems(await this._store.listItems());
    for (const [anonymousId, userId] of await this._store.listIdentities()) this._identities.set(anonymousId, userId);
    const saved = await this._store.loadSegments();
    if (saved) {
      this._segments = saved.segments;
      this._assignments = saved.assignments;
    }
    const values = await this._store.loadValues();
    if (values) this._setValues(values);
    for (const slot of await this._store.listSlots()) this._slots.set(slot.name, { config: slot.config, updatedAt: slot.updatedAt });
    // A full rebuild: shoppers' entries are made and co-occurrences counted once at the end. The count of
    // stored events sizes the log of interactions at once (room not touched costs no memory).
    this.interactions.beginBulk(await this._store.countEvents());
    for await (const page of this._store.scanEvents()) for (const e of page) this._learnOne(e);
    this.interactions.endBulk();
    this._computeSegmentTop();
    const interval = this._options.segments?.refreshIntervalMs ?? 10 * 60_000;
    if (interval > 0) {
      this._timer = setInterval(() => {
        this._compactInSlices();
        void this.refitSegments();
      }, interval);
      this._timer.unref();
    }
    if ((!saved || !values) && this.customers.size > 0) void this.refitSegments();
  }

  /** Feeds newly stored events to the models, in the order given; returns what they add to the slot reports. */
  learn(events: readonly StoredEvent[]): ReportDeltas {
    // Made only when a slot event or an attributed order arrives: most batches have neither.
    let stats: Map<string, SlotStats> | undefined;
    let attributions: AttributedOrder[] | undefined;
    for (const e of events) {
      const attributed = this._learnOne(e);
      const slot = e.type === 'track' && typeof e.properties.slot === 'string' ? e.properties.slot : undefined;
      if (slot && (e.event === 'Recommendation Viewed' || e.event === 'Recommendation Clicked')) {
        const s = statsOf((stats ??= new Map()), dayOf(e.timestamp), slot);
        if (e.event === 'Recommendation Viewed') s.impressions++;
        else s.clicks++;
      }
      if (attributed.length === 0) continue;
      const day = dayOf(e.timestamp);
      for (const a of attributed) {
        const s = statsOf((stats ??= new Map()), day, a.slot);
        s.orders++;
        s.revenue += a.revenue;
        (attributions ??= []).push({ orderId: e.properties.order_id ?? null, slot: a.slot, recommendationIds: a.recommendationIds, products: a.products, revenue: a.revenue, at: e.timestamp });
      }
    }
    this._eventsSinceRefit += events.length;
    // A large overlay of increments makes a large heap (long GC pauses): fold it in, in slices, early.
    if (this.interactions.pendingIncrements > 1_000_000 && !this.interactions.compacting) this._compactInSlices();
    const seg = this._options.segments;
    const due = this._eventsSinceRefit >= (seg?.refreshAfterEvents ?? 1000) && performance.now() - this._lastRefitAt >= (seg?.minRefreshIntervalMs ?? 60_000);
    if (due) void this.refitSegments();
    return { stats: stats ? [...stats.values()] : [], attributions: attributions ?? [] };
  }

  setItems(items: readonly CatalogItem[]): void {
    for (const item of items) {
      this._catalog.set(item.id, item);
      this._itemFacts.set(item.id, { category: item.category, price: item.price, inStock: item.in_stock, attributes: item.attributes });
    }
  }

  /** Deleted products are never served again, from any strategy or fallback. */
  deleteItems(ids: readonly string[]): void {
    for (const id of ids) {
      this._catalog.delete(id);
      this._itemFacts.delete(id);
    }
  }

  slot(name: string): { config: SlotConfig; updatedAt: number } | undefined {
    return this._slots.get(name);
  }

  slots(): { name: string; config: SlotConfig; updatedAt: number }[] {
    return [...this._slots.entries()].map(([name, s]) => ({ name, ...s })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  setSlot(name: string, config: SlotConfig, updatedAt: number): void {
    this._slots.set(name, { config, updatedAt });
  }

  removeSlot(name: string): void {
    this._slots.delete(name);
  }

  item(id: string): CatalogItem | undefined {
    return this._catalog.get(id);
  }

  get catalogSize(): number {
    return this._catalog.size;
  }

  /** An events query from the event log, or null when the store's SQL must answer it (event-reports.ts). */
  queryEvents(q: EventQuery): EventQueryRow[] | null {
    return eventsFromLog(this.events, q, (id) => this._identities.get(id));
  }

  /** Cohort retention, as the store's SQL computes it, from the event log. */
  retention(q: RetentionQuery): RetentionRow[] {
    return retentionFromLog(this.events, q, (id) => this._identities.get(id));
  }

  /** An ordered funnel, as the store's SQL computes it, from the event log; `groupOf` a person's id. */
  funnel(q: FunnelQuery, groupOf?: (person: string) => string): Map<string, number[]> {
    return funnelFromLog(this.events, q, (id) => this._identities.get(id), groupOf);
  }

  /** The user an anonymous id has been tied to, if any. */
  linkedUser(anonymousId: string): string | undefined {
    return this._identities.get(anonymousId);
  }

  /** Whose history an event or a request belongs to: the user once known, the anonymous visitor until then. */
  customerOf(anonymousId?: string | null, userId?: string | null): string | undefined {
    return userId ?? (anonymousId ? (this._identities.get(anonymousId) ?? anonymousId) : undefined);
  }

  /**
   * Whose history a request is about. A userId the models have not seen yet (the identify call is still on
   * its way) must not hide the visitor's anonymous history.
   */
  viewerOf(anonymousId?: string, userId?: string): string | undefined {
    if (userId && (this.customers.get(userId) || !anonymousId)) return userId;
    return this.customerOf(anonymousId, null) ?? userId;
  }

  /**
   * Recommends for a slot (or an ad-hoc strategy, whose only fallback is best sellers): the strategy, then
   * its fallback chain, through the slot's filters, boosters, pins and diversity cap.
   */
  recommend(query: RecommendQuery): RecommendationResponse['items'] {
    const config = query.slot ?? this._adHoc(query.strategy ?? 'popular');
    const limit = query.limit ?? config.limit;
    const viewer = this.viewerOf(query.anonymousId, query.userId);
    const rules: SlotRules = { limit, filters: config.filters, boosters: config.boosters, pinned: config.pinned, maxPerCategory: config.maxPerCategory };
    const cart = new Set([...(viewer ? this.interactions.cart(viewer) : []), ...(query.cart ?? [])]);
    const ctx: SlotContext = { anchor: query.item, purchased: viewer ? this.interactions.purchased(viewer) : undefined, cart };
    const factsOf = (id: string) => this._itemFacts.get(id);
    // Deep enough that filters, boosters and the diversity cap still leave a full slot.
    const q = {
      limit: limit * 5 + config.pinned.length + 10,
      measure: (query.similarity ?? config.similarity) as Similarity,
      minSupport: config.minSupport,
      accept: (id: string) => eligible(id, factsOf(id), rules, ctx),
    };
    const m = this.interactions;
    const run = (strategy: Strategy): Recommendation[] => {
      switch (strategy) {
        case 'also-bought':
          return query.item ? m.alsoBought(query.item, q) : [];
        case 'also-viewed':
          return query.item ? m.alsoViewed(query.item, q) : [];
        case 'for-you':
          return viewer ? m.forYou(viewer, q) : [];
        case 'recently-viewed':
          return viewer ? m.recentlyViewed(viewer, q) : [];
        case 'trending':
          return m.trending(q);
        case 'segment-top': {
          const segment = viewer === undefined ? undefined : this._assignments.get(viewer);
          return (segment === undefined ? [] : (this._segmentTop.get(segment) ?? [])).filter((r) => q.accept(r.id)).slice(0, q.limit);
        }
        case 'popular':
          return m.popular(q);
      }
    };
    const chain = [config.strategy, ...config.fallback.filter((s) => s !== config.strategy)];
    const lists: { source: string; items: Recommendation[] }[] = [];
    let composed: ReturnType<typeof composeSlot> = [];
    for (const strategy of chain) {
      lists.push({ source: strategy, items: run(strategy) });
      composed = composeSlot(lists, factsOf, rules, ctx);
      if (composed.length >= limit) break;
    }
    if (composed.length === 0) composed = composeSlot(lists, factsOf, rules, ctx); // only pins
    return composed.map((r, position) => {
      const item = this._catalog.get(r.id)!;
      return {
        id: item.id,
        name: item.name,
        ...(item.url !== undefined ? { url: item.url } : {}),
        ...(item.image !== undefined ? { image: item.image } : {}),
        ...(item.price !== undefined ? { price: item.price } : {}),
        ...(item.currency !== undefined ? { currency: item.currency } : {}),
        ...(item.category !== undefined ? { category: item.category } : {}),
        score: r.score,
        position,
        source: r.source as Strategy | 'pinned',
      };
    });
  }

  /** A request naming a strategy rather than a slot: 10 products, best sellers as the only fallback. */
  private _adHoc(strategy: Strategy): SlotConfig {
    let config = this._adHocConfigs.get(strategy);
    if (!config) this._adHocConfigs.set(strategy, (config = slotConfigSchema.parse({ strategy, limit: 10, fallback: ['popular'] })));
    return config;
  }

  private _computeSegmentTop(): void {
    const members = new Map<number, string[]>();
    for (const [customer, segment] of this._assignments) members.set(segment, [...(members.get(segment) ?? []), customer]);
    this._segmentTop = new Map(
      [...members].map(([segment, ids]) => [
        segment,
        [...this.interactions.salesAmong(ids)].map(([id, n]) => ({ id, score: n })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)),
      ]),
    );
  }

  segmentOf(anonymousId?: string, userId?: string): SegmentInfo | null {
    return this.segmentInfoOf(this.viewerOf(anonymousId, userId));
  }

  /** A customer's segment (id, slug, label), as of the last refit. */
  segmentInfoOf(customerId: string | undefined): SegmentInfo | null {
    const id = customerId === undefined ? undefined : this._assignments.get(customerId);
    const segment = id === undefined ? undefined : this._segments.find((s) => s.id === id);
    return segment ? { id: segment.id, slug: segment.slug, label: segment.label } : null;
  }

  get segments(): readonly Segment[] {
    return this._segments;
  }

  /** The segment id of each customer, as of the last refit. */
  segmentIdOf(customerId: string): number | undefined {
    return this._assignments.get(customerId);
  }

  /** A buyer's CLV, P(alive), churn risk and RFM, as of the last refit. */
  valueOf(customerId: string): CustomerValue | undefined {
    return this._values.get(customerId);
  }

  /** Every buyer's value, the models they came from, and when. */
  get values(): { customers: Iterable<CustomerValue>; model: StoredValues['model'] | null; updatedAt: number; count: number } {
    return { customers: this._values.values(), model: this._valueModel, updatedAt: this._valuesAt, count: this._values.size };
  }

  /** What the shop may know about a visitor: their segment and, once they have bought, their value. */
  profileOf(anonymousId?: string, userId?: string): { customerId?: string; segment: SegmentInfo | null; value?: CustomerValue } {
    const customerId = this.viewerOf(anonymousId, userId);
    return { customerId, segment: this.segmentInfoOf(customerId), value: customerId === undefined ? undefined : this._values.get(customerId) };
  }

  private _setValues(values: StoredValues): void {
    const before = this._valueModel?.errors.join();
    this._values = new Map(values.customers.map((c) => [c.id, c]));
    this._valueModel = values.model;
    this._valuesAt = values.updatedAt;
    if (values.model.errors.join() !== before) for (const error of values.model.errors) this._log(`customer value: ${error}`);
  }

  /**
   * Folds live co-occurrence increments into the compact rows, in slices of a few milliseconds between which
   * requests are served: never one long pause.
   */
  private _compactInSlices(): void {
    if (this.interactions.compacting) return;
    this.interactions.startCompaction();
    const step = () => {
      if (!this._closed && !this.interactions.compactStep(4)) setImmediate(step);
    };
    step();
  }

  /** Refits segments in a worker thread; concurrent calls share one refit. */
  refitSegments(): Promise<void> {
    if (this._closed) return Promise.resolve();
    this._refit ??= this._doRefit().finally(() => (this._refit = null));
    return this._refit;
  }

  async close(): Promise<void> {
    this._closed = true;
    if (this._timer) clearInterval(this._timer);
    await this._refit?.catch(() => {});
    await this._worker?.terminate();
    this._worker = null;
  }

  private async _doRefit(): Promise<void> {
    this._eventsSinceRefit = 0;
    this._lastRefitAt = performance.now();
    const now = Date.now();
    const table = this.customers.table(now);
    if (table.rows.length === 0) return;
    const buyers = this.customers.buyers(now);
    const { refreshIntervalMs: _i, refreshAfterEvents: _e, minRefreshIntervalMs: _m, ...fitOptions } = this._options.segments ?? {};
    const started = performance.now();
    try {
      const { model, value } = await this._fitInWorker({ id: 0, table, options: { ...fitOptions, previous: this._segments }, buyers, valueOptions: this._options.value ?? {} });
      if (this._closed) return;
      const { customers, ...valueModel } = value;
      const values: StoredValues = { model: valueModel, customers, updatedAt: now };
      this._setValues(values);
      await this._store.saveValues(values);
      const assignments = new Map(table.customerIds.map((id, i) => [id, model.assignments[i]]));
      const changed = model.segments.map((s) => s.label).join() !== this._segments.map((s) => s.label).join();
      this._segments = model.segments;
      this._assignments = assignments;
      this._computeSegmentTop();
      await this._store.saveSegments({ segments: model.segments, assignments, updatedAt: now });
      if (changed) this._log(`segments: ${model.segments.map((s) => `${s.label} (${s.size})`).join(', ')}; fitted on ${table.rows.length} customers in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      if (!this._closed) this._log(`segments: refit failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  private _fitInWorker(job: RefitJob): Promise<{ model: SegmentModel; value: ValueModel }> {
    const script = this._options.segmentWorker ?? DEFAULT_SEGMENT_WORKER;
    if (!this._worker && !fs.existsSync(script)) {
      this._log(`segments: ${script} is not built (npm run build); fitting on the main thread`);
      return Promise.resolve({ model: fitSegments(job.table, job.options), value: valueCustomers(job.buyers, job.valueOptions) });
    }
    const worker = (this._worker ??= spawnSegmentWorker(script));
    const id = ++this._jobs;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { id: number; model?: SegmentModel; value?: ValueModel; error?: string }) => {
        if (reply.id !== id) return;
        cleanup();
        if (reply.model && reply.value) resolve({ model: reply.model, value: reply.value });
        else reject(new Error(reply.error));
      };
      const onError = (error: Error) => {
        cleanup();
        this._worker = null;
        reject(error);
      };
      const onExit = () => onError(new Error('segment worker exited'));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ ...job, id });
    });
  }

  private _categoryOf(id: string | undefined, fallback?: string): string | undefined {
    return fallback ?? (id ? this._catalog.get(id)?.category : undefined);
  }

  /** Updates the models with one event; returns the slots an order is attributed to. */
  private _learnOne(e: StoredEvent): ReturnType<ClickLedger['attribute']> {
    logEvent(this.events, e);
    // The first event that names both ties the anonymous history to the user; alias ties any earlier id.
    const earlier = e.type === 'alias' ? (e.properties.previous_id as string | undefined) : e.anonymousId;
    if (earlier && e.userId && earlier !== e.userId && this._identities.get(earlier) !== e.userId) {
      this._identities.set(earlier, e.userId);
      this.interactions.alias(earlier, e.userId);
      this.customers.merge(earlier, e.userId);
    }
    if (e.type === 'alias') return [];
    const customer = this.customerOf(e.anonymousId, e.userId)!;
    const p = e.properties;
    const at = e.timestamp;
    const productId = p.product_id ?? p.sku;
    // Attribution works per visit: the SDK's session id, else the shopper.
    const visit = e.sessionId ?? customer;
    switch (e.type === 'track' ? e.event : null) {
      case 'Product Viewed':
        this.interactions.view(customer, productId!, at, e.sessionId ?? undefined);
        this.customers.view(customer, at, this._categoryOf(productId, p.category));
        return [];
      case 'Product Added':
        this.interactions.cartAdd(customer, productId!, at);
        this.customers.cartAdd(customer, at, this._categoryOf(productId, p.category));
        return [];
      case 'Product Removed':
        this.interactions.cartRemove(customer, productId!);
        this.customers.seen(customer, at);
        return [];
      case 'Recommendation Clicked':
        if (typeof p.slot === 'string') this._clicks.click(visit, productId!, { slot: p.slot, recommendationId: p.recommendation_id, at });
        this.customers.seen(customer, at);
        return [];
      case 'Order Completed': {
        const products = p.products ?? [];
        const ids = products.map((x) => (x.product_id ?? x.sku)!);
        const revenue = p.revenue ?? p.total ?? products.reduce((sum, x) => sum + (x.price ?? 0) * (x.quantity ?? 1), 0);
        this.interactions.purchase(customer, ids, at);
        const categories = products.map((x, i) => this._categoryOf(ids[i], x.category)).filter((c): c is string => c !== undefined);
        this.customers.order(customer, at, revenue, categories);
        const lines = products.map((x, i) => ({ productId: ids[i], revenue: (x.price ?? 0) * (x.quantity ?? 1) }));
        return this._clicks.attribute(visit, lines, at);
      }
      default:
        this.customers.seen(customer, at);
        return [];
    }
  }
}

// Built from segment-worker.ts by rollup: Node 20 cannot apply tsx's loader inside a worker thread.
export const DEFAULT_SEGMENT_WORKER = fileURLToPath(new URL('../dist/segment-worker.mjs', import.meta.url));

/** The report day (UTC, YYYY-MM-DD) of a time. */
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

function statsOf(stats: Map<string, SlotStats>, day: string, slot: string): SlotStats {
  const key = `${day} ${slot}`;
  let s = stats.get(key);
  if (!s) stats.set(key, (s = { day, slot, impressions: 0, clicks: 0, orders: 0, revenue: 0 }));
  return s;
}

function spawnSegmentWorker(script: string): Worker {
  const worker = new Worker(script);
  worker.unref();
  return worker;
}
