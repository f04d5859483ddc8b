// Sends the outbox's due deliveries: a few at a time, each signed with the subscription's secrets in use, its
// attempt logged and its next one scheduled (the specification's schedule, Retry-After honoured) until a 2xx. A
// 410 disables the subscription; a delivery that spends every attempt pauses it, and the merchant is told (the
// log, /health, the dashboard). Runs when deliveries are queued and when the next one falls due.

import type { SubscriptionRecord } from '../domain/webhook';
import type { Delivery, WebhookStore } from '../store/store';
import { postWebhook, type OutboundOptions } from './outbound';
import { nextAttemptAt, retryAfterMs } from './schedule';
import { webhookHeaders } from './signature';

/** Deliveries attempted at once (several endpoints, never two about the same customer for one subscription). */
const IN_FLIGHT = 16;

export interface DispatcherOptions extends OutboundOptions {
  now?: () => number;
  log?: (message: string) => void;
}

/** What the dispatcher changes of a subscription: its state, why, and its count of spent deliveries. */
export type SubscriptionChange = Pick<SubscriptionRecord, 'id' | 'state' | 'reason' | 'failures' | 'updatedAt'>;

/** The subscriptions as the dispatcher sees them; it tells their keeper what it changed (applied at once). */
export interface DispatcherSubscriptions {
  get(id: string): SubscriptionRecord | undefined;
  change(change: SubscriptionChange): Promise<void>;
}

export class Dispatcher {
  private _running: Promise<void> | null = null;
  private _again = false;
  private _timer: NodeJS.Timeout | null = null;
  private _closed = false;

  constructor(
    private readonly _store: WebhookStore,
    private readonly _subscriptions: DispatcherSubscriptions,
    private readonly _options: DispatcherOptions = {},
  ) {}

  private get _now() {
    return (this._options.now ?? Date.now)();
  }

  /** Sends what is due now; called when deliveries were queued. Concurrent calls share one pass (and ask for another). */
  kick(): Promise<void> {
    if (this._closed) return Promise.resolve();
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._running = this._pass()
      .catch((error: Error) => {
        // The store refused (a full disk, say): what was sent and not recorded is sent again at the next pass.
        this._options.log?.(`webhooks: the dispatcher stopped a round: ${error.message}`);
      })
      .finally(() => {
        this._running = null;
        if (this._again) {
          this._again = false;
          void this.kick();
        } else void this._schedule();
      });
    return this._running;
  }

  async close(): Promise<void> {
    this._closed = true;
    if (this._timer) clearTimeout(this._timer);
    await this._running?.catch(() => {});
  }

  /** Wakes at the next due time (at most a minute away: a replay or a resumed subscription is found soon too). */
  private async _schedule(): Promise<void> {
    if (this._closed) return;
    const next = await this._store.nextDueAt().catch(() => this._now + 1000);
    if (this._timer) clearTimeout(this._timer);
    const wait = next === null ? 60_000 : Math.min(60_000, Math.max(0, next - this._now));
    this._timer = setTimeout(() => void this.kick(), wait);
    this._timer.unref();
  }

  private async _pass(): Promise<void> {
    for (;;) {
      if (this._closed) return;
      const due = await this._store.dueDeliveries(this._now, IN_FLIGHT);
      if (!due.length) return;
      const outcomes = (await Promise.all(due.map((d) => this._attempt(d)))).filter((o) => o !== null);
      // None of these may be sent now (their subscription was paused, or is not known here yet): stop until told.
      if (!outcomes.length) return;
      // One commit for the round: a sync per delivery held ingest up (the store's syncs are the costly part).
      await this._store.recordAttempts(outcomes.map(({ attempt, next }) => ({ attempt, next })));
      for (const o of outcomes) await this._settle(o);
      // Requests between rounds: a backlog of 100,000 is sent beside ingest, not ahead of it.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** One request; what it means for the delivery (written by the caller, with the round's others). */
  private async _attempt(d: Delivery) {
    const sub = this._subscriptions.get(d.subscriptionId);
    if (!sub || sub.state !== 'enabled') return null;
    const now = this._now;
    const secrets = sub.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
    const headers = webhookHeaders(secrets, d.id, Math.floor(now / 1000), d.payload);
    const res = await postWebhook(sub.definition.url, d.payload, headers, this._options);
    const attempts = d.attempts + 1;
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    const at = this._now;
    const dueAt = ok || res.status === 410 ? null : nextAttemptAt(attempts, at, retryAfterMs(res.retryAfter, at));
    const state: Delivery['state'] = ok ? 'delivered' : dueAt === null ? 'failed' : 'pending';
    return { d, sub, res, ok, attempt: { deliveryId: d.id, at, status: res.status, durationMs: res.durationMs, excerpt: res.error ?? res.excerpt }, next: { state, dueAt, attempts } };
  }

  /** The subscription after an attempt: failures reset by a success, disabled by a 410, paused when one is spent. */
  private async _settle(o: NonNullable<Awaited<ReturnType<Dispatcher['_attempt']>>>): Promise<void> {
    const current = this._subscriptions.get(o.sub.id) ?? o.sub;
    if (o.ok && current.failures > 0) await this._subscriptions.change({ id: current.id, state: current.state, reason: current.reason, failures: 0, updatedAt: o.attempt.at });
    if (o.res.status === 410) await this._stop(current, 'disabled', `the endpoint answered 410 Gone to ${o.d.id}`);
    else if (o.next.state === 'failed') await this._stop(current, 'paused', `${o.d.id} failed ${o.next.attempts} times over three days (last: ${o.res.status ?? o.res.error})`);
  }

  private async _stop(sub: SubscriptionRecord, state: 'paused' | 'disabled', reason: string): Promise<void> {
    const current = this._subscriptions.get(sub.id) ?? sub;
    await this._subscriptions.change({ id: current.id, state, reason, failures: current.failures + (state === 'paused' ? 1 : 0), updatedAt: this._now });
    this._options.log?.(`webhooks: ${sub.id} (${sub.definition.url}) ${state}: ${reason}`);
  }
}
