// How events travel: batches POSTed to the collector (fetch while the page lives, sendBeacon as it goes),
// the durable queue behind them, and the page's moments to send (hidden, closed, back online).

import { createStore } from 'idb-keyval';
import type { Patron } from './api';
import type { Core } from './core';
import { uuid } from './ids';
import { createLiveness, type Locks } from './lease';
import { createQueue, type Beacon, type Send } from './queue';
import type { WireEvent } from './wire';

export function delivery(core: Core): Pick<Patron, 'flush' | 'ready' | 'destroy'> {
  const { _options: options, _win: win, _doc: doc, _nav: nav } = core;
  const url = `${core._endpoint}/v1/batch`;
  const sendBeacon = options.sendBeacon ?? nav?.sendBeacon?.bind(nav);
  const body = (batch: WireEvent[], dropped: number) => JSON.stringify({ batch, writeKey: options.writeKey, sentAt: new Date().toISOString(), dropped: dropped || undefined });
  // text/plain with the write key in the body is a "simple" CORS request: no preflight on every send.
  // A string body is sent as text/plain (the Fetch standard): a simple request, which needs no CORS preflight.
  const post = (batch: WireEvent[], dropped: number, keepalive: boolean) => core._fetch(url, { method: 'POST', body: body(batch, dropped), keepalive });

  const send: Send = async (batch, dropped) => {
    const res = await post(batch, dropped, false);
    if (res.ok) return 'ok';
    if ([408, 429].includes(res.status) || res.status >= 500) return Number(res.headers.get('Retry-After')) * 1000 || 0;
    core._debug('refused', res.status);
    return 'drop';
  };
  const beacon: Beacon = (batch, dropped) => {
    try {
      if (sendBeacon) return sendBeacon(url, body(batch, dropped));
      void post(batch, dropped, true).catch(() => {});
      return true;
    } catch {
      return false;
    }
  };

  const tabId = uuid();
  const liveness = createLiveness(tabId, options.locks ?? (nav as { locks?: Locks } | undefined)?.locks);
  const queue = (core._queue = createQueue(options, options.idbStore ?? createStore('patron', 'queue'), tabId, liveness, core._local, send, beacon));
  const moments: [EventTarget | undefined, string, () => void][] = [
    [win, 'pagehide', () => queue._unload()],
    [win, 'online', () => void queue._flush()],
    [doc, 'visibilitychange', () => doc!.visibilityState === 'hidden' && queue._unload()],
  ];
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    for (const [target, type, listener] of moments) target?.[method](type, listener);
  };
  listen('addEventListener');

  return {
    flush: () => queue._flush(),
    ready: (callback) =>
      queue._loaded.then(() => {
        try {
          callback?.(core);
        } catch (error) {
          core._debug('ready', error);
        }
        return core;
      }),
    destroy() {
      queue._stop();
      liveness._stop();
      listen('removeEventListener');
    },
  };
}
