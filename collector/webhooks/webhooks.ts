// The merchant's webhook subscriptions, kept in memory beside the store, and what becomes a delivery: each event
// about a customer goes to every subscription that wants its type and whose filters the customer matches, as a
// Standard Webhooks payload with the customer's ids, the traits the merchant allowed, the old and new values and
// where to read the customer in the API. A delivery's id comes from the subscription and the event itself, so an
// event found twice (a refit redone after a crash) is queued once.

import { hash, randomBytes } from 'node:crypto';
import type { CustomerValue, Segment } from '../../recommender';
import { type SubscriptionDefinition, type SubscriptionRecord, type WebhookEvent } from '../domain/webhook';
import { HttpError } from '../http/errors';
import type { Delivery, WebhookStore } from '../store/store';
import { startDispatch, type Dispatch, type DispatchSite } from './dispatch';
import type { DispatcherOptions, SubscriptionChange } from './dispatcher';
import { refusedUrl } from './outbound';
import { newSecret } from './signature';

/** The most subscriptions kept (each event is matched against every one). */
export const MAX_SUBSCRIPTIONS = 100;

/** Something that happened to a customer (or, without one, to the shop), found by a refit or at ingest. */
export interface CustomerEvent {
  type: WebhookEvent;
  customerId: string | null;
  /** When it happened (ms). */
  at: number;
  from: unknown;
  to: unknown;
  /** What makes it this event and no other: with the subscription, the delivery's id. */
  key: string;
  /** More of the event (an order's id and revenue, an experiment's decision). */
  data?: Record<string, unknown>;
}

/** What a subscription's filters and a payload's traits read of a customer now. */
export interface CustomerFacts {
  value(customerId: string): CustomerValue | undefined;
  segmentOf(customerId: string): Segment | undefined;
  stageOf(customerId: string): string | null;
}

export interface WebhookOptions extends DispatcherOptions {
  /** The collector's public address, for the customer's URL in a payload (a path alone without it). */
  publicUrl?: string;
  /** Where the dispatcher runs (on this thread unless a store setting names an outbox another thread can open). */
  dispatch?: DispatchSite;
}

export class Webhooks {
  private readonly _subscriptions = new Map<string, SubscriptionRecord>();
  private _dispatch: Dispatch | null = null;

  constructor(
    private readonly _store: WebhookStore,
    private readonly _facts: CustomerFacts,
    private readonly _options: WebhookOptions = {},
  ) {}

  private get _now() {
    return (this._options.now ?? Date.now)();
  }

  async load(): Promise<void> {
    for (const r of await this._store.listSubscriptions()) this._subscriptions.set(r.id, r);
    const keeper = { get: (id: string) => this._subscriptions.get(id), list: () => this.list(), change: (c: SubscriptionChange) => this._change(c) };
    this._dispatch = startDispatch(this._store, keeper, this._options.dispatch ?? { store: null }, this._options);
    this._dispatch.kick();
  }

  /** Whether any subscription that may send wants events of this type. */
  wants(type: WebhookEvent): boolean {
    return this.list().some((s) => s.state !== 'disabled' && s.definition.events.includes(type));
  }

  /** Where a payload says a resource is read: absolute with the collector's public address. */
  urlOf(path: string): string {
    return `${this._options.publicUrl ?? ''}${path}`;
  }

  /** Sends what is due now (deliveries were replayed, say). */
  kick(): void {
    this._dispatch?.kick();
  }

  list(): SubscriptionRecord[] {
    return [...this._subscriptions.values()];
  }

  get(id: string): SubscriptionRecord {
    const record = this._subscriptions.get(id);
    if (!record) throw new HttpError(404, 'not_found', `No webhook subscription ${id}`);
    return record;
  }

  /** A new subscription, with its secret (which only this answer shows). */
  async create(input: SubscriptionDefinition): Promise<SubscriptionRecord> {
    const definition = this._checked(input);
    if (this._subscriptions.size >= MAX_SUBSCRIPTIONS) throw new HttpError(409, 'conflict', `At most ${MAX_SUBSCRIPTIONS} webhook subscriptions`);
    const now = this._now;
    const record: SubscriptionRecord = {
      id: `wh_${randomBytes(12).toString('base64url').replace(/[-_]/g, '')}`,
      definition,
      secrets: [{ secret: newSecret(), createdAt: now, expiresAt: null }],
      state: definition.enabled ? 'enabled' : 'paused',
      reason: null,
      failures: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this._save(record);
    return record;
  }

  async replace(id: string, input: SubscriptionDefinition): Promise<SubscriptionRecord> {
    const current = this.get(id);
    const definition = this._checked(input);
    return this._save({ ...current, definition, updatedAt: this._now });
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    await this._store.deleteSubscription(id);
    this._subscriptions.delete(id);
    this._dispatch?.subscriptionsChanged();
  }

  /** Pause (deliveries wait, pending), or resume (a paused or disabled subscription sends again, its backlog first). */
  async setState(id: string, state: 'enabled' | 'paused'): Promise<SubscriptionRecord> {
    const record = await this._save({ ...this.get(id), state, reason: state === 'paused' ? 'paused by the merchant' : null, failures: 0, updatedAt: this._now });
    return record;
  }

  /** A new secret (shown once); the old one signs too until the grace period ends, so receivers can switch over. */
  async rotate(id: string, graceMs: number): Promise<SubscriptionRecord> {
    const current = this.get(id);
    const now = this._now;
    const kept = current.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => (s.expiresAt === null ? { ...s, expiresAt: now + graceMs } : s));
    return this._save({ ...current, secrets: [{ secret: newSecret(), createdAt: now, expiresAt: null }, ...kept], updatedAt: now });
  }

  /** Queues the deliveries of these events for every subscription that wants them, then sends what is due. */
  async emit(events: readonly CustomerEvent[]): Promise<number> {
    const deliveries: Delivery[] = [];
    const now = this._now;
    const timestamps = new Map<number, string>();
    const timestampOf = (at: number) => timestamps.get(at) ?? timestamps.set(at, new Date(at).toISOString()).get(at)!;
    for (const sub of this._subscriptions.values()) {
      if (sub.state === 'disabled') continue;
      for (const e of events) {
        if (!sub.definition.events.includes(e.type) || !this._matches(sub.definition, e)) continue;
        const payload = this._payload(sub.definition, e, timestampOf(e.at));
        const id = `msg_${hash('sha256', `${sub.id}|${e.type}|${e.key}`, 'base64url').slice(0, 27)}`;
        deliveries.push({ id, subscriptionId: sub.id, customerId: e.customerId, type: e.type, payload, createdAt: now, dueAt: now, attempts: 0, state: 'pending' });
      }
    }
    if (!deliveries.length) return 0;
    await this._store.enqueueDeliveries(deliveries);
    this.kick();
    return deliveries.length;
  }

  async close(): Promise<void> {
    await this._dispatch?.close();
  }

  private _matches(d: SubscriptionDefinition, e: CustomerEvent): boolean {
    if (e.type === 'customer.value_dropped') {
      const { from, to } = e as { from: number; to: number };
      if (!(from > 0) || (from - to) / from <= d.valueDropShare) return false;
    }
    const { segment, stage, minClv } = d.filters;
    if (segment === undefined && stage === undefined && minClv === undefined) return true;
    if (e.customerId === null) return false;
    const s = this._facts.segmentOf(e.customerId);
    if (segment !== undefined && !(s && (s.slug === segment || String(s.id) === segment))) return false;
    if (stage !== undefined && this._facts.stageOf(e.customerId) !== stage) return false;
    if (minClv !== undefined && !((this._facts.value(e.customerId)?.clv ?? -1) >= minClv)) return false;
    return true;
  }

  /** Standard Webhooks' payload: type, timestamp, data; the customer with the traits the merchant allowed. */
  private _payload(d: SubscriptionDefinition, e: CustomerEvent, timestamp: string): string {
    const data: Record<string, unknown> = {};
    if (e.customerId !== null) data.customer = { id: e.customerId, ...this._traits(d, e.customerId), url: this.urlOf(`/v1/customers/${encodeURIComponent(e.customerId)}/history`) };
    data.from = e.from;
    data.to = e.to;
    if (e.data) Object.assign(data, e.data);
    return JSON.stringify({ type: e.type, timestamp, data });
  }

  /** Only the traits asked for are read (a refit's 100,000 payloads are built on the requests' thread). */
  private _traits(d: SubscriptionDefinition, customerId: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const t of d.traits) out[t] = this._trait(t, customerId);
    return out;
  }

  private _trait(trait: SubscriptionDefinition['traits'][number], customerId: string): unknown {
    if (trait === 'segment') return this._facts.segmentOf(customerId)?.slug ?? null;
    if (trait === 'stage') return this._facts.stageOf(customerId);
    const v = this._facts.value(customerId);
    if (trait === 'rfmGroup') return v?.rfm.group ?? null;
    return v?.[trait] ?? null;
  }

  /** The URL is checked as deliveries will be: https, or http to a host the operator allows. */
  private _checked(d: SubscriptionDefinition): SubscriptionDefinition {
    const refused = refusedUrl(d.url, this._options.allowHosts);
    if (refused) throw new HttpError(400, 'invalid_request', `Invalid subscription: url ${refused}`, [{ path: 'url', message: refused }]);
    return d;
  }

  /** What the dispatcher changed of a subscription, onto the record as it is now (a rotation meanwhile is kept). */
  private async _change(change: SubscriptionChange): Promise<void> {
    const current = this._subscriptions.get(change.id);
    if (current) await this._save({ ...current, ...change });
  }

  /** Saves a subscription; the dispatcher sends with it from now on (a resumed one's backlog first). */
  private async _save(record: SubscriptionRecord): Promise<SubscriptionRecord> {
    await this._store.saveSubscription(record);
    this._subscriptions.set(record.id, record);
    this._dispatch?.subscriptionsChanged();
    return record;
  }
}
