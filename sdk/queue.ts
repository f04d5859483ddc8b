// The durable event queue: every event is written to IndexedDB (idb-keyval) before it is sent and deleted
// only once the collector acknowledged it, so a reload, a closed tab or a dropped connection loses nothing.

import { delMany, set, values, type UseStore } from 'idb-keyval';
import type { WireEvent } from './wire';

/** ok: delivered; drop: the collector refused it for good (4xx); retry: try again later (network, 5xx, 429). */
export type SendResult = 'ok' | 'drop' | 'retry';

export interface QueueOptions {
  store: UseStore;
  send: (events: WireEvent[]) => Promise<SendResult>;
  /** Hands events to the browser for delivery after the page is gone; false if it would not take them. */
  beacon: (events: WireEvent[]) => boolean;
  flushAt: number;
  flushInterval: number;
  baseRetryDelay: number;
  maxRetryDelay: number;
  random: () => number;
}

/** Events per request. */
const MAX_BATCH = 100;
/** sendBeacon's payload limit is 64 KB for all pending beacons of a page; stay below it. */
export const BEACON_BYTES = 60_000;

const noop = () => {};

export class EventQueue {
  private _pending: WireEvent[] = [];
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _sending: Promise<void> | undefined;
  private _attempt = 0;
  readonly _loaded: Promise<void>;

  constructor(private readonly _o: QueueOptions) {
    // Events left by an earlier page (a reload, a crash, an offline visit) go first.
    this._loaded = values<WireEvent>(_o.store)
      .then((stored) => {
        const known = new Set(this._pending.map((e) => e.messageId));
        const earlier = stored.filter((e) => e && e.messageId && !known.has(e.messageId));
        earlier.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
        this._pending = earlier.concat(this._pending);
        if (this._pending.length) this._schedule();
      })
      .catch(noop);
  }

  get size(): number {
    return this._pending.length;
  }

  push(event: WireEvent): Promise<void> {
    this._pending.push(event);
    const written = set(event.messageId, event, this._o.store).catch(noop);
    this._schedule();
    return written;
  }

  /** Sends everything pending now; resolves when the queue is empty or a retry has been scheduled. */
  flush(): Promise<void> {
    clearTimeout(this._timer);
    this._timer = undefined;
    return (this._sending ??= this._drain().finally(() => (this._sending = undefined)));
  }

  /** The page is going away: hand what is pending to sendBeacon, in chunks under its size limit. */
  unload(): void {
    const chunks: WireEvent[][] = [];
    let chunk: WireEvent[] = [];
    let bytes = 0;
    for (const e of this._pending) {
      const size = JSON.stringify(e).length + 1;
      if (chunk.length && bytes + size > BEACON_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(e);
      bytes += size;
    }
    if (chunk.length) chunks.push(chunk);
    for (const c of chunks) {
      if (!this._o.beacon(c)) break; // the rest stays in IndexedDB for the next page
      this._remove(c);
    }
  }

  private _schedule(): void {
    if (this._pending.length >= this._o.flushAt) void this.flush();
    else if (!this._timer && !this._sending) this._timer = setTimeout(() => void this.flush(), this._o.flushInterval);
  }

  private async _drain(): Promise<void> {
    await this._loaded;
    while (this._pending.length) {
      const batch = this._pending.slice(0, MAX_BATCH);
      let result: SendResult;
      try {
        result = await this._o.send(batch);
      } catch {
        result = 'retry';
      }
      if (result === 'retry') {
        // Exponential backoff with jitter, so a recovering collector is not hit by every shop at once.
        const delay = Math.min(this._o.maxRetryDelay, this._o.baseRetryDelay * 2 ** this._attempt++);
        this._timer = setTimeout(() => void this.flush(), delay * (0.5 + this._o.random() / 2));
        return;
      }
      this._attempt = 0;
      this._remove(batch);
    }
  }

  private _remove(events: WireEvent[]): void {
    const gone = new Set(events.map((e) => e.messageId));
    this._pending = this._pending.filter((e) => !gone.has(e.messageId));
    delMany([...gone], this._o.store).catch(noop);
  }
}
