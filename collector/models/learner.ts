// Keeps the in-memory models fresh from the event stream: interactions (co-occurrences, popularity, each
// shopper's history), each customer's features for segments and value, and the event log the analysts'
// reports read. Rebuilt from every stored event at start-up, then updated as each event arrives.

import { CustomerLedger, EventLog, IdIndex, InteractionModel, type InteractionOptions } from '../../recommender';
import type { Catalog } from '../catalog/catalog';
import type { StoredEvent } from '../domain/stored-event';
import { idOnEvent, type Identities } from '../identity/identities';

// A large overlay of co-occurrence increments makes a large heap (long GC pauses): it is folded in, in slices,
// early, and every ten minutes whatever its size.
const COMPACT_AFTER_INCREMENTS = 1_000_000;
const COMPACT_EVERY_MS = 10 * 60_000;
// Learning runs in slices of about this long, the rest after the event loop has served what waits: a request of
// thousands of events is acknowledged once stored, and learnt from over the next moments, never all at once.
const SLICE_MS = 4;

/**
 * Records a stored event in the event log: the id on the event (identities are applied when a report is asked
 * for, so a late identify counts at once), revenue as the store's column holds it.
 */
export function logEvent(log: EventLog, e: StoredEvent): void {
  log.add(idOnEvent(e), e.event, e.timestamp, e.properties.revenue ?? e.properties.total ?? null, e.properties.category);
}

/** What an order is worth: its revenue, else its total, else the sum of its lines. */
export function orderRevenue(p: StoredEvent['properties']): number {
  return p.revenue ?? p.total ?? (p.products ?? []).reduce((sum, x) => sum + (x.price ?? 0) * (x.quantity ?? 1), 0);
}

/** A model kept beside the learner's own, fed the same events in the same order (experiments' exposures). */
export interface EventFollower {
  /** One event of `person` (as identities say now). */
  learn(e: StoredEvent, person: string): void;
  /** `from`'s history is now `into`'s. */
  merge(from: string, into: string): void;
  /** These ids' person was deleted on request: nothing of theirs may count any more. */
  forget?(ids: readonly string[]): void;
}

/** What one event tells the recommendation model about `customer`'s interactions with products. */
export function learnInteraction(interactions: InteractionModel, e: StoredEvent, customer: string): void {
  const p = e.properties;
  const productId = p.product_id ?? p.sku;
  switch (e.type === 'track' ? e.event : null) {
    case 'Product Viewed':
      return interactions.view(customer, productId!, e.timestamp, e.sessionId ?? undefined);
    case 'Product Added':
      return interactions.cartAdd(customer, productId!, e.timestamp);
    case 'Product Removed':
      return interactions.cartRemove(customer, productId!);
    case 'Order Completed':
      return interactions.purchase(
        customer,
        (p.products ?? []).map((x) => (x.product_id ?? x.sku)!),
        e.timestamp,
      );
  }
}

const earlierOf = (e: StoredEvent) => (e.type === 'alias' ? (e.properties.previous_id as string | undefined) : e.anonymousId);
const byTime = (a: StoredEvent, b: StoredEvent) => a.timestamp - b.timestamp || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);

/**
 * What a person's events added to the recommendation model, counted on their own, replayed into a model of the
 * same options as the learner learnt them: those it rebuilt from at start (received by `rebuiltUntil`) in time
 * order, each under the person its ties made it then (every tie known: no history moved); those learnt since in
 * the order stored (`events` is), an anonymous history moved to its user when the event that ties them came.
 */
export function interactionsOf(events: readonly StoredEvent[], options: InteractionOptions, rebuiltUntil = -Infinity): InteractionModel {
  const part = new InteractionModel(options);
  const users = new Map<string, string>();
  const rebuilt = events.filter((e) => e.receivedAt <= rebuiltUntil).sort(byTime);
  for (const e of rebuilt) {
    const earlier = earlierOf(e);
    if (earlier && e.userId && earlier !== e.userId) users.set(earlier, e.userId);
  }
  for (const e of rebuilt) if (e.type !== 'alias') learnInteraction(part, e, e.userId ?? users.get(e.anonymousId!) ?? e.anonymousId!);
  for (const e of events) {
    if (e.receivedAt <= rebuiltUntil) continue;
    const earlier = earlierOf(e);
    if (earlier && e.userId && earlier !== e.userId && users.get(earlier) !== e.userId) {
      users.set(earlier, e.userId);
      part.alias(earlier, e.userId);
    }
    if (e.type !== 'alias') learnInteraction(part, e, e.userId ?? users.get(e.anonymousId!) ?? e.anonymousId!);
  }
  return part;
}

export class Learner {
  readonly interactions: InteractionModel;
  readonly customers: CustomerLedger;
  /** Who did what when, for the cohort, funnel and event reports. */
  readonly events: EventLog;
  private _timer: NodeJS.Timeout | null = null;
  private _closed = false;
  /** Stored events not learnt yet, in the order stored; `_next` is the first of `_queue[0]` to learn. */
  private readonly _queue: (readonly StoredEvent[])[] = [];
  private _next = 0;
  private _scheduled = false;
  /** Events given to learn() so far, and learnt so far: a settled() waits for the count at its call. */
  private _given = 0;
  private _learnt = 0;
  private readonly _waiting: { until: number; resolve: () => void }[] = [];
  private readonly _log: (message: string) => void;
  private readonly _followers: EventFollower[] = [];
  /** The latest arrival among the events rebuilt from at start: those learnt so, the later ones live. */
  private _rebuiltUntil = -Infinity;

  constructor(
    private readonly _identities: Identities,
    private readonly _catalog: Catalog,
    options: { interactions?: Partial<InteractionOptions>; log?: (message: string) => void } = {},
  ) {
    this._log = options.log ?? (() => {});
    // One index of people for the three models: each id is kept once, not three times.
    const people = new IdIndex();
    this.events = new EventLog(people);
    this.interactions = new InteractionModel(options.interactions, people);
    this.customers = new CustomerLedger(this.interactions.options.visitGapMinutes, people);
    // Only the catalog's products can be served: popular and trending rank only them.
    this.interactions.rankOnly((id) => _catalog.get(id) !== undefined);
    _catalog.onChange((ids) => this.interactions.servableChanged(ids));
  }

  /** Feeds `follower` every event from now on, rebuilds included, after the learner's own models. */
  follow(follower: EventFollower): void {
    this._followers.push(follower);
  }

  /** The people's index the per-person models share. */
  get people(): IdIndex {
    return this.customers.people;
  }

  /** Whether the models know a customer (has the identify call of a new user arrived yet?). */
  readonly knows = (customerId: string): boolean => this.customers.has(customerId);

  /**
   * A full rebuild from pages of stored events in time order (`expected` of them: the log of interactions is
   * sized once, and room not touched costs no memory). Shoppers' entries are made and co-occurrences counted
   * once at the end; `alsoEach` sees every page too.
   */
  async rebuild(pages: AsyncIterable<StoredEvent[]>, expected: number, alsoEach: (page: StoredEvent[]) => void = () => {}): Promise<void> {
    this.interactions.beginBulk(expected);
    for await (const page of pages) {
      for (const e of page) {
        this._learnOne(e);
        if (e.receivedAt > this._rebuiltUntil) this._rebuiltUntil = e.receivedAt;
      }
      alsoEach(page);
    }
    this.interactions.endBulk();
    this._timer = setInterval(() => this._compactInSlices(), COMPACT_EVERY_MS);
    this._timer.unref();
  }

  /**
   * Feeds newly stored events to the models, in the order given: at once as far as a slice goes (all of an
   * ordinary request), the rest in slices between which requests are served.
   */
  learn(events: readonly StoredEvent[]): void {
    if (events.length === 0 || this._closed) return;
    this._queue.push(events);
    this._given += events.length;
    this._learnSlice();
  }

  /**
   * Resolves once every event given to learn() before the call has been learnt (what a report waits for, to
   * count them all), however many arrive meanwhile; at once after close().
   */
  settled(): Promise<void> {
    if (this._learnt >= this._given || this._closed) return Promise.resolve();
    return new Promise((resolve) => this._waiting.push({ until: this._given, resolve }));
  }

  private _learnSlice(): void {
    const until = performance.now() + SLICE_MS;
    for (let n = 1; this._queue.length > 0 && !this._closed; n++) {
      const batch = this._queue[0];
      const e = batch[this._next++];
      if (this._next === batch.length) {
        this._queue.shift();
        this._next = 0;
      }
      this._learnt++;
      try {
        this._learnOne(e);
      } catch (error) {
        // One event the models cannot take must not stop them learning the next (nor take the process down).
        this._log(`could not learn from event ${e.messageId}: ${(error as Error).message}`);
      }
      // The clock is read every few events: one event's work is bounded (interactions.ts's caps).
      if (n % 8 === 0 && performance.now() > until) break;
    }
    this._resolveSettled();
    if (this.interactions.pendingIncrements > COMPACT_AFTER_INCREMENTS && !this.interactions.compacting) this._compactInSlices();
    if (this._queue.length > 0 && !this._closed && !this._scheduled) {
      this._scheduled = true;
      setImmediate(() => {
        this._scheduled = false;
        this._learnSlice();
      });
    }
  }

  /**
   * Forgets a person (every id linked to them, deleted on request), given their stored events in time order, once
   * everything given to learn() is learnt: what they added to co-occurrences and popularity is taken away, their own
   * history, activity and log entries go, and every follower forgets them too.
   */
  async forget(ids: readonly string[], events: readonly StoredEvent[]): Promise<void> {
    await this.settled();
    this.interactions.forget(ids, interactionsOf(events, this.interactions.options, this._rebuiltUntil));
    for (const id of ids) this.customers.forget(id);
    for (const f of this._followers) f.forget?.(ids);
    await this.events.forget(ids);
  }

  /**
   * Retention: `person`'s events before a time are gone from the store. Their model entries are forgotten (given
   * every event of theirs as the models had them, in time order) and learnt again from the kept ones.
   */
  async relearn(person: string, events: readonly StoredEvent[], kept: readonly StoredEvent[]): Promise<void> {
    const ids = [...new Set([person, ...events.map(idOnEvent)])];
    await this.forget(ids, events);
    for (const e of kept) this._learnOne(e);
  }

  close(): void {
    this._closed = true;
    if (this._timer) clearInterval(this._timer);
    this._resolveSettled();
  }

  private _resolveSettled(): void {
    for (let i = this._waiting.length - 1; i >= 0; i--) {
      const w = this._waiting[i];
      if (w.until <= this._learnt || this._closed) {
        this._waiting.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Folds live increments into the compact rows in slices of a few milliseconds, between which requests are served. */
  private _compactInSlices(): void {
    if (this.interactions.compacting) return;
    this.interactions.startCompaction();
    const step = () => {
      if (!this._closed && !this.interactions.compactStep(4)) setImmediate(step);
    };
    step();
  }

  /** Updates the models with one event. */
  private _learnOne(e: StoredEvent): void {
    const { interactions, customers } = this;
    logEvent(this.events, e);
    // The first event that names both ties the anonymous history to the user; alias ties any earlier id.
    const tie = this._identities.tieOf(e);
    if (tie) {
      this._identities.tie(tie.earlier, tie.userId);
      interactions.alias(tie.earlier, tie.userId);
      customers.merge(tie.earlier, tie.userId);
      for (const f of this._followers) f.merge(tie.earlier, tie.userId);
    }
    if (e.type === 'alias') return;
    const customer = this._identities.personOf(e.anonymousId, e.userId)!;
    this._learnModels(e, customer);
    for (const f of this._followers) f.learn(e, customer);
  }

  private _learnModels(e: StoredEvent, customer: string): void {
    const { customers } = this;
    const p = e.properties;
    const at = e.timestamp;
    const productId = p.product_id ?? p.sku;
    learnInteraction(this.interactions, e, customer);
    switch (e.type === 'track' ? e.event : null) {
      case 'Product Viewed':
        return customers.view(customer, at, this._catalog.categoryOf(productId, p.category));
      case 'Product Added':
        return customers.cartAdd(customer, at, this._catalog.categoryOf(productId, p.category));
      case 'Product Removed':
        return customers.seen(customer, at);
      case 'Order Completed': {
        const products = p.products ?? [];
        const categories = products.map((x) => this._catalog.categoryOf(x.product_id ?? x.sku, x.category)).filter((c): c is string => c !== undefined);
        return customers.order(customer, at, orderRevenue(p), categories);
      }
      default:
        customers.seen(customer, at);
    }
  }
}
