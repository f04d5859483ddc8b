// The durable event queue: every event is written to IndexedDB (idb-keyval) before it is sent and deleted
// only once the collector acknowledged it, so a reload, a closed tab or a dropped connection loses nothing.
// Each stored event names the tab that owns it: a tab sends only its own events, so two tabs never send
// the same one, and adopts those of tabs that are gone (a closed tab, the page before a reload).

import { delMany, entries, set, setMany, type UseStore } from 'idb-keyval';
import type { Liveness } from './lease';
import type { WireEvent } from './wire';

/** ok: delivered; drop: refused for good (4xx); retry: try again later (network, 5xx), after `after` ms if the collector said so. */
export type SendResult = 'ok' | 'drop' | { retry: true; after?: number };

export interface QueueOptions {
  store: UseStore;
  tabId: string;
  liveness: Liveness;
  /** Sends events, with the number of events this browser dropped since the last delivery. */
  send: (events: WireEvent[], dropped: number) => Promise<SendResult>;
  /** Hands events to the browser for delivery after the page is gone; false if it would not take them. */
  beacon: (events: WireEvent[], dropped: number) => boolean;
  flushAt: number;
  flushInterval: number;
  baseRetryDelay: number;
  maxRetryDelay: number;
  /** Caps on what waits: past them the oldest events go (and are counted). */
  maxEvents: number;
  maxBytes: number;
  /** The count of dropped events, shared by the browser's tabs (localStorage). */
  dropped: { get(): number; add(n: number): void };
  random: () => number;
}

/** Events per request. */
const MAX_BATCH = 100;
/** sendBeacon's payload limit is 64 KB for all pending beacons of a page; stay below it. */
export const BEACON_BYTES = 60_000;
const ADOPT_EVERY_MS = 5000;

const noop = () => {};

interface Queued {
  /** IndexedDB key: sorts in the order events were tracked, across pages too. */
  key: string;
  event: WireEvent;
  bytes: number;
}

/** What is stored under each key: the owning tab and the event. */
interface Stored {
  o: string;
  e: WireEvent;
}

let sequence = 0;
const keyOf = (event: WireEvent) => `${Date.now().toString(36).padStart(9, '0')}${(sequence++ % 1e6).toString(36).padStart(4, '0')}:${event.messageId}`;

export class EventQueue {
  private _pending: Queued[] = [];
  private _bytes = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _sending: Promise<void> | undefined;
  private _attempt = 0;
  private _stopped = false;
  private _adopter: ReturnType<typeof setInterval>;
  readonly _loaded: Promise<void>;

  constructor(private readonly _o: QueueOptions) {
    this._loaded = this.adopt();
    this._adopter = setInterval(() => void this.adopt(), ADOPT_EVERY_MS);
  }

  get size(): number {
    return this._pending.length;
  }

  push(event: WireEvent): Promise<void> {
    const q = { key: keyOf(event), event, bytes: JSON.stringify(event).length };
    this._pending.push(q);
    this._bytes += q.bytes;
    this._enforceCaps();
    const written = set(q.key, { o: this._o.tabId, e: event } satisfies Stored, this._o.store).catch(noop);
    this._schedule();
    return written;
  }

  /**
   * Takes over the events of tabs that are gone, under an exclusive lock so two tabs never take the same.
   * Events left by an earlier page go ahead of this page's.
   */
  adopt(): Promise<void> {
    if (this._stopped) return Promise.resolve();
    return this._o.liveness
      .exclusive(async () => {
        const alive = await this._o.liveness.alive();
        const mine = new Set(this._pending.map((q) => q.key));
        const orphans = (await entries<string, Stored>(this._o.store)).filter(([key, v]) => v && v.e && v.e.messageId && !mine.has(key) && !alive.has(v.o));
        if (!orphans.length) return;
        await setMany(orphans.map(([key, v]) => [key, { o: this._o.tabId, e: v.e }]), this._o.store);
        const adopted = orphans.map(([key, v]) => ({ key, event: v.e, bytes: JSON.stringify(v.e).length }));
        this._pending = adopted.concat(this._pending).sort((a, b) => (a.key < b.key ? -1 : 1));
        this._bytes += adopted.reduce((sum, q) => sum + q.bytes, 0);
        this._enforceCaps();
        this._schedule();
      })
      .catch(noop);
  }

  /** Sends everything pending now; resolves when the queue is empty or a retry has been scheduled. */
  flush(): Promise<void> {
    clearTimeout(this._timer);
    this._timer = undefined;
    return (this._sending ??= this._drain().finally(() => (this._sending = undefined)));
  }

  /** The page is going away: hand what is pending to sendBeacon, in chunks under its size limit. */
  unload(): void {
    const chunks: Queued[][] = [];
    let chunk: Queued[] = [];
    let bytes = 0;
    for (const q of this._pending) {
      if (chunk.length && bytes + q.bytes + 1 > BEACON_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(q);
      bytes += q.bytes + 1;
    }
    if (chunk.length) chunks.push(chunk);
    for (const c of chunks) {
      const dropped = this._o.dropped.get();
      if (!this._o.beacon(c.map((q) => q.event), dropped)) break; // the rest stays in IndexedDB for the next page
      this._o.dropped.add(-dropped);
      this._remove(c);
    }
  }

  /** Stops sending; what is pending stays in IndexedDB, for the next page or another tab. */
  stop(): void {
    this._stopped = true;
    clearTimeout(this._timer);
    clearInterval(this._adopter);
  }

  /** Sends again after stop() (consent granted again). */
  resume(): void {
    if (!this._stopped) return;
    this._stopped = false;
    this._adopter = setInterval(() => void this.adopt(), ADOPT_EVERY_MS);
    this._schedule();
  }

  private _schedule(): void {
    if (this._stopped) return;
    if (this._pending.length >= this._o.flushAt) void this.flush();
    else if (this._pending.length && !this._timer && !this._sending) this._timer = setTimeout(() => void this.flush(), this._o.flushInterval);
  }

  private async _drain(): Promise<void> {
    await this._loaded;
    while (this._pending.length && !this._stopped) {
      const batch = this._pending.slice(0, MAX_BATCH);
      const dropped = this._o.dropped.get();
      let result: SendResult;
      try {
        result = await this._o.send(
          batch.map((q) => q.event),
          dropped,
        );
      } catch {
        result = { retry: true };
      }
      if (typeof result === 'object') {
        if (this._stopped) return;
        // Exponential backoff with jitter, so a recovering collector is not hit by every shop at once;
        // never sooner than the collector's Retry-After.
        const backoff = Math.min(this._o.maxRetryDelay, this._o.baseRetryDelay * 2 ** this._attempt++) * (0.5 + this._o.random() / 2);
        this._timer = setTimeout(() => void this.flush(), Math.max(backoff, result.after ?? 0));
        return;
      }
      this._attempt = 0;
      if (result === 'ok') this._o.dropped.add(-dropped);
      this._remove(batch);
    }
  }

  /** Past a cap, the oldest events go, and are counted so the collector learns of the loss. */
  private _enforceCaps(): void {
    const gone: Queued[] = [];
    while (this._pending.length > this._o.maxEvents || (this._bytes > this._o.maxBytes && this._pending.length > 1)) gone.push(this._pending.shift()!);
    if (!gone.length) return;
    this._bytes -= gone.reduce((sum, q) => sum + q.bytes, 0);
    this._o.dropped.add(gone.length);
    delMany(
      gone.map((q) => q.key),
      this._o.store,
    ).catch(noop);
  }

  private _remove(done: Queued[]): void {
    const gone = new Set(done.map((q) => q.key));
    const kept: Queued[] = [];
    for (const q of this._pending) {
      if (gone.has(q.key)) this._bytes -= q.bytes;
      else kept.push(q);
    }
    this._pending = kept;
    delMany([...gone], this._o.store).catch(noop);
  }
}
