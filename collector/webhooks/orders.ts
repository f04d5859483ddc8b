// order.completed webhooks, followed from the event stream with the models: each order acknowledged after the
// watermark (the latest receivedAt whose deliveries are queued, kept in the store) is queued for the subscriptions
// that want it. The models are rebuilt from every stored event at start, so an order acknowledged just before a
// crash, whose delivery was not queued yet, is queued then; the older ones, already queued, are not again.

import type { StoredEvent } from '../domain/stored-event';
import { orderRevenue, type EventFollower } from '../models/learner';
import type { WebhookStore } from '../store/store';
import type { CustomerEvent, Webhooks } from './webhooks';

/** How long a refused flush waits before it is tried again. */
const RETRY_MS = 1000;

export class OrderWebhooks implements EventFollower {
  private _watermark = Number.POSITIVE_INFINITY;
  private _pending: { event: CustomerEvent; receivedAt: number }[] = [];
  private _flushing: Promise<void> | null = null;

  constructor(
    private readonly _webhooks: Webhooks,
    private readonly _store: WebhookStore,
    private readonly _log: (message: string) => void = () => {},
  ) {}

  /** The watermark kept; from now on the first time (a shop's past orders are not sent to a new subscriber). */
  async load(now = Date.now()): Promise<void> {
    const kept = await this._store.orderWatermark();
    if (kept === null) await this._store.setOrderWatermark(now);
    this._watermark = kept ?? now;
  }

  learn(e: StoredEvent, person: string): void {
    if (e.type !== 'track' || e.event !== 'Order Completed' || e.receivedAt <= this._watermark) return;
    const p = e.properties;
    const order = { id: typeof p.order_id === 'string' ? p.order_id : null, revenue: orderRevenue(p), currency: typeof p.currency === 'string' ? p.currency : null, messageId: e.messageId };
    this._pending.push({ receivedAt: e.receivedAt, event: { type: 'order.completed', customerId: person, at: e.timestamp, from: undefined, to: undefined, key: e.messageId, data: { order } } });
    this._flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this._flush());
  }

  merge(): void {}

  /** A person deleted on request: their orders not queued yet are not sent. */
  forget(ids: readonly string[]): void {
    const gone = new Set(ids);
    this._pending = this._pending.filter((p) => p.event.customerId === null || !gone.has(p.event.customerId));
  }

  /** Resolves once every order learnt so far is queued. */
  async settled(): Promise<void> {
    while (this._flushing) await this._flushing;
  }

  private async _flush(): Promise<void> {
    const batch = this._pending;
    this._pending = [];
    let wait = 0;
    try {
      await this._webhooks.emit(batch.map((b) => b.event));
      const latest = batch.reduce((m, b) => Math.max(m, b.receivedAt), this._watermark);
      await this._store.setOrderWatermark(latest);
      this._watermark = latest;
    } catch (error) {
      // The store refused (a full disk, say): the orders go back in front and are tried again in a second.
      this._log(`webhooks: ${batch.length} orders not queued yet (${(error as Error).message}); trying again`);
      this._pending = batch.concat(this._pending);
      wait = RETRY_MS;
    } finally {
      this._flushing = this._pending.length ? new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => this._flush()) : null;
    }
  }
}
