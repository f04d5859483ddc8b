// The webhook dispatcher on a thread of its own, with a connection of its own to the outbox: its requests,
// signatures and writes never take the requests' thread, and on Linux it runs at the lowest priority, so a
// backlog of 100,000 is sent beside ingest, not ahead of it. The main thread keeps the subscriptions: it sends
// them here whenever they change, and saves what the dispatcher changes of one (a pause after a spent delivery).
// Built to dist/webhook-worker.mjs by rollup: Node 20 cannot apply tsx's loader inside a worker.

import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { SubscriptionRecord } from '../domain/webhook';
import { openWebhookStore } from '../store/open';
import { Dispatcher, type SubscriptionChange } from './dispatcher';
import type { OutboundOptions } from './outbound';

export interface DispatcherWorkerData {
  /** The store setting (sqlite:FILE) the outbox is opened from. */
  store: string;
  options: OutboundOptions;
}

/** main -> worker: the subscriptions now; deliveries were queued or replayed; stop (then `closed`). */
export type ToDispatcherWorker = { subscriptions: SubscriptionRecord[] } | { kick: true } | { close: true };
/** worker -> main: a subscription the dispatcher changed; a line for the log; stopped. */
export type FromDispatcherWorker = { change: SubscriptionChange } | { log: string } | { closed: true };

if (process.platform === 'linux') {
  try {
    os.setPriority(0, 19);
  } catch {
    // not allowed here: it runs at the process's priority
  }
}

const { store: setting, options } = workerData as DispatcherWorkerData;
const post = (message: FromDispatcherWorker) => parentPort!.postMessage(message);
const store = openWebhookStore(setting);
const subscriptions = new Map<string, SubscriptionRecord>();
let known = false;
const dispatcher = new Dispatcher(
  store,
  {
    get: (id) => subscriptions.get(id),
    async change(change) {
      const current = subscriptions.get(change.id);
      if (current) subscriptions.set(change.id, { ...current, ...change });
      post({ change });
    },
  },
  { ...options, log: (line) => post({ log: line }) },
);

parentPort!.on('message', (message: ToDispatcherWorker) => {
  if ('subscriptions' in message) {
    subscriptions.clear();
    for (const r of message.subscriptions) subscriptions.set(r.id, r);
    known = true;
    void dispatcher.kick();
  } else if ('kick' in message) {
    // Nothing is sent before the subscriptions are known: their secrets sign it.
    if (known) void dispatcher.kick();
  } else {
    void dispatcher.close().then(() => {
      store.close();
      post({ closed: true });
    });
  }
});
