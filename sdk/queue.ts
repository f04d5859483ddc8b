// The durable event queue: every event is written to IndexedDB (idb-keyval) before it is sent and deleted
// only once the collector acknowledged it, so a reload, a closed tab or a dropped connection loses nothing.

import { delMany, entries, set, type UseStore } from 'idb-keyval';
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

interface Queued {
  /** IndexedDB key: sorts in the order events were tracked, across pages too. */
  key: string;
  event: WireEvent;
}

let sequence = 0;
const keyOf = (event: WireEvent) => `${Date.now().toString(36).padStart(9, '0')}${(sequence++ % 1e6).toString(36).padStart(4, '0')}:${event.messageId}`;

export class EventQueue {
  private _pending: Queued[] = [];
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _sending: Promise<void> | undefined;
  private _attempt = 0;
  private _stopped = false;
  readonly _loaded: Promise<void>;

  constructor(private readonly _o: QueueOptions) {
    // Events left by an earlier page (a reload, a crash, an offline visit) go first.
    this._loaded = entries<string, WireEvent>(_o.store)
      .then((stored) => {
        const known = new Set(this._pending.map((q) => q.key));
        const earlier = stored.filter(([key, event]) => event && event.messageId && !known.has(key)).map(([key, event]) => ({ key, event }));
        this._pending = earlier.concat(this._pending);
        if (this._pending.length) this._schedule();
      })
      .catch(noop);
  }

  get size(): number {
    return this._pending.length;
  }

  push(event: WireEvent): Promise<void> {
    const key = keyOf(event);
    this._pending.push({ key, event });
    const written = set(key, event, this._o.store).catch(noop);
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
    const chunks: Queued[][] = [];
    let chunk: Queued[] = [];
    let bytes = 0;
    for (const e of this._pending) {
      const size = JSON.stringify(e.event).length + 1;
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
      if (!this._o.beacon(c.map((q) => q.event))) break; // the rest stays in IndexedDB for the next page
      this._remove(c);
    }
  }

  /** Stops sending; what is pending stays in IndexedDB for the next page. */
  stop(): void {
    this._stopped = true;
    clearTimeout(this._timer);
  }

  private _schedule(): void {
    if (this._stopped) return;
    if (this._pending.length >= this._o.flushAt) void this.flush();
    else if (!this._timer && !this._sending) this._timer = setTimeout(() => void this.flush(), this._o.flushInterval);
  }

  private async _drain(): Promise<void> {
    await this._loaded;
    while (this._pending.length && !this._stopped) {
      const batch = this._pending.slice(0, MAX_BATCH);
      let result: SendResult;
      try {
        result = await this._o.send(batch.map((q) => q.event));
      } catch {
        result = 'retry';
      }
      if (result === 'retry') {
        if (this._stopped) return;
        // Exponential backoff with jitter, so a recovering collector is not hit by every shop at once.
        const delay = Math.min(this._o.maxRetryDelay, this._o.baseRetryDelay * 2 ** this._attempt++);
        this._timer = setTimeout(() => void this.flush(), delay * (0.5 + this._o.random() / 2));
        return;
      }
      this._attempt = 0;
      this._remove(batch);
    }
  }

  private _remove(done: Queued[]): void {
    const gone = new Set(done.map((q) => q.key));
    this._pending = this._pending.filter((q) => !gone.has(q.key));
    delMany([...gone], this._o.store).catch(noop);
  }
}
