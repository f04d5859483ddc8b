// The durable event queue: every event is written to IndexedDB before it is sent and deleted only once the
// collector acknowledged it, so a reload, a closed tab or a dropped connection loses nothing.
// Each stored event names the tab that owns it: a tab sends only its own events, so two tabs never send
// the same one, and adopts those of tabs that are gone (a closed tab, the page before a reload).

import { promisifyRequest, type UseStore } from 'idb-keyval';
import type { PatronOptions } from './api';
import type { SafeStorage } from './ids';
import type { Liveness } from './lease';
import type { WireEvent } from './wire';

/** ok: delivered; drop: refused for good (4xx); a number: try again later (network, 5xx), not sooner than that many ms. */
export type SendResult = 'ok' | 'drop' | number;
/** Sends events, with the number of events this browser dropped since the last delivery. */
export type Send = (events: WireEvent[], dropped: number) => Promise<SendResult>;
/** Hands events to the browser for delivery after the page is gone; false if it would not take them. */
export type Beacon = (events: WireEvent[], dropped: number) => boolean;

export interface Queue {
  /** Resolves once the events left by earlier pages and closed tabs are loaded. */
  readonly _loaded: Promise<void>;
  _push(event: WireEvent): void;
  /** Sends everything pending now; resolves when the queue is empty or a retry has been scheduled. */
  _flush(): Promise<void>;
  /** The page is going away: hand what is pending to sendBeacon, in chunks under its size limit. */
  _unload(): void;
  /** Stops sending; what is pending stays in IndexedDB, for the next page or another tab. */
  _stop(): void;
  /** Sends again after _stop() (consent granted again). */
  _resume(): void;
  /** Stops, and forgets what is stored and the dropped count (consent denied). */
  _forget(): void;
}

/** Events per request. */
const MAX_BATCH = 100;
/**
 * Characters of JSON per request: the collector takes 500 KB a batch, and a character is at most 3 bytes of
 * UTF-8. Batched by count alone, 100 large events would be refused (413) and lost.
 */
const BATCH_CHARS = 160_000;
/** sendBeacon's payload limit is 64 KB for all pending beacons of a page; stay below it. */
export const BEACON_BYTES = 60_000;
const ADOPT_EVERY_MS = 5000;
/** The count of dropped events, shared by the browser's tabs (localStorage). */
const DROPPED_KEY = 'patron.dropped';

const noop = () => {};

interface Queued {
  /** IndexedDB key: sorts in the order events were tracked, across pages too. */
  _key: string;
  _event: WireEvent;
  _bytes: number;
}

/** What is stored under each key: the owning tab and the event. Short names: they outlive SDK versions. */
interface Stored {
  o: string;
  e: WireEvent;
}

let sequence = 0;
// The event's own ISO time, then a counter for events of the same millisecond. Keys of SDK versions that
// wrote the time in base 36 begin with 0 and still sort first.
const keyOf = (event: WireEvent) => `${event.timestamp}${(sequence++ % 1e6).toString(36).padStart(4, '0')}:${event.messageId}`;
const queued = (key: string, event: WireEvent): Queued => ({ _key: key, _event: event, _bytes: JSON.stringify(event).length });

// idb-keyval's store and promises, with the queue's few operations each in one transaction. Its own
// helpers would bring their default store along, and a cursor fallback for browsers without getAll
// that could not run this bundle's syntax anyway.
const write = (store: UseStore, change: (s: IDBObjectStore) => void) =>
  store('readwrite', (s) => {
    change(s);
    return promisifyRequest(s.transaction);
  });
const readAll = (store: UseStore) => store('readonly', (s) => Promise.all([promisifyRequest(s.getAllKeys()), promisifyRequest<Stored[]>(s.getAll())]));

// One closure rather than a class, and longer than most functions here: the queue's state and steps are
// local names the minifier shortens, where a class's members would stay spelled out in the bundle.
export function createQueue(options: PatronOptions, store: UseStore, tabId: string, liveness: Liveness, local: SafeStorage, send: Send, beacon: Beacon): Queue {
  const flushAt = options.flushAt ?? 20;
  let pending: Queued[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> | undefined;
  let attempt = 0;
  let stopped = false;
  let adopter: ReturnType<typeof setInterval>;

  const dropped = () => +local._get(DROPPED_KEY)! || 0;
  /** Writes events to IndexedDB as this tab's. */
  const keep = (events: Queued[]) => write(store, (s) => events.forEach((q) => s.put({ o: tabId, e: q._event } satisfies Stored, q._key)));
  /** Takes events off the queue, in memory and in IndexedDB, and moves the dropped count by `droppedChange`. */
  const settle = (done: Queued[], droppedChange: number) => {
    if (droppedChange) local._set(DROPPED_KEY, String(Math.max(0, dropped() + droppedChange)));
    pending = pending.filter((q) => !done.includes(q));
    write(store, (s) => done.forEach((q) => s.delete(q._key))).catch(noop);
  };
  /** Past a cap, the oldest events go, and are counted so the collector learns of the loss. */
  const enforceCaps = () => {
    let bytes = pending.reduce((sum, q) => sum + q._bytes, 0);
    let count = 0;
    while (pending.length - count > (options.maxQueueEvents ?? 1000) || (bytes > (options.maxQueueBytes ?? 1_000_000) && pending.length - count > 1)) bytes -= pending[count++]._bytes;
    if (count) settle(pending.slice(0, count), count);
  };
  /** The oldest events that fit in `chars` (a beacon's, a request's); the first goes even if larger. */
  const oldest = (chars: number) => {
    let bytes = 0;
    return pending.filter((q, i) => ((bytes += q._bytes + 1) <= chars && i < MAX_BATCH) || !i);
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- flush() never rejects (drain catches a failed send)
  const flushIn = (ms: number) => (timer = setTimeout(flush, ms));
  const schedule = () => {
    if (stopped) return;
    if (pending.length >= flushAt) void flush();
    else if (pending.length && !timer && !sending) flushIn(options.flushInterval ?? 1000);
  };
  /** New events join the queue in the order they were tracked: those of an earlier page go first. */
  const take = (events: Queued[]) => {
    pending = pending.concat(events).sort((a, b) => (a._key < b._key ? -1 : 1));
    enforceCaps();
    schedule();
  };
  // Takes over the events of tabs that are gone, under an exclusive lock so two tabs never take the same.
  const adopt = async (): Promise<void> => {
    if (stopped) return;
    await liveness
      ._adopt(async (alive) => {
        const [keys, values] = await readAll(store);
        const orphans: Queued[] = [];
        // This tab's own events are stored as its own (adopted ones too, before they join), and it is alive.
        values.forEach((v, i) => v?.e?.messageId && !alive(v.o) && orphans.push(queued(keys[i] as string, v.e)));
        if (!orphans.length) return;
        await keep(orphans);
        take(orphans);
      })
      .catch(noop);
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- adopt() never rejects (it catches)
  const adoptEvery = () => (adopter = setInterval(adopt, ADOPT_EVERY_MS));
  const drain = async () => {
    await loaded;
    while (pending.length && !stopped) {
      const batch = oldest(BATCH_CHARS);
      const count = dropped();
      const result = await send(
        batch.map((q) => q._event),
        count,
      ).catch(() => 0);
      if (typeof result === 'number') {
        if (stopped) return;
        // Exponential backoff with jitter, so a recovering collector is not hit by every shop at once;
        // never sooner than the collector's Retry-After.
        const backoff = Math.min(options.maxRetryDelay ?? 60_000, (options.baseRetryDelay ?? 1000) * 2 ** attempt++) * (0.5 + (options.random ?? Math.random)() / 2);
        return void flushIn(Math.max(backoff, result));
      }
      attempt = 0;
      settle(batch, result === 'ok' ? -count : 0);
    }
  };
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    return (sending ??= drain().finally(() => (sending = undefined)));
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(adopter);
  };
  const loaded = adopt();
  adoptEvery();

  return {
    _loaded: loaded,
    _push(event) {
      const q = [queued(keyOf(event), event)];
      keep(q).catch(noop);
      take(q);
    },
    _flush: flush,
    _unload() {
      for (let batch; (batch = oldest(BEACON_BYTES)).length;) {
        const count = dropped();
        if (
          !beacon(
            batch.map((q) => q._event),
            count,
          )
        )
          break; // the rest stays in IndexedDB for the next page
        settle(batch, -count);
      }
    },
    _stop: stop,
    _resume() {
      if (!stopped) return;
      stopped = false;
      adoptEvery();
      schedule();
    },
    _forget() {
      stop();
      pending = [];
      write(store, (s) => s.clear()).catch(noop);
      local._remove(DROPPED_KEY);
    },
  };
}
