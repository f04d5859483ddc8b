// Where the dispatcher runs: on a thread of its own when the outbox can be opened there (a database file), so
// sending never slows the requests; beside them otherwise (an in-memory database). The thread is started again
// if it dies: what it was sending is pending in the outbox still.

import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { SubscriptionRecord } from '../domain/webhook';
import type { WebhookStore } from '../store/store';
import { Dispatcher, type DispatcherOptions, type DispatcherSubscriptions, type SubscriptionChange } from './dispatcher';
import type { DispatcherWorkerData, FromDispatcherWorker, ToDispatcherWorker } from './dispatcher-worker';

export const DEFAULT_DISPATCHER_WORKER = fileURLToPath(new URL('../../dist/webhook-worker.mjs', import.meta.url));

export interface Dispatch {
  /** The subscriptions changed (the thread is told them all). */
  subscriptionsChanged(): void;
  /** Deliveries were queued, replayed or resumed: send what is due. */
  kick(): void;
  close(): Promise<void>;
}

export interface DispatchSite {
  /** The store setting another thread opens the outbox from; null keeps the dispatcher on this thread. */
  store: string | null;
  /** The built worker. */
  script?: string;
}

interface Keeper extends DispatcherSubscriptions {
  list(): SubscriptionRecord[];
}

export function startDispatch(store: WebhookStore, keeper: Keeper, site: DispatchSite, options: DispatcherOptions): Dispatch {
  if (site.store === null) {
    const dispatcher = new Dispatcher(store, keeper, options);
    return { subscriptionsChanged: () => void dispatcher.kick(), kick: () => void dispatcher.kick(), close: () => dispatcher.close() };
  }
  return new DispatchThread({ store: site.store, options: { timeoutMs: options.timeoutMs, allowHosts: options.allowHosts } }, site.script ?? DEFAULT_DISPATCHER_WORKER, keeper, options.log);
}

class DispatchThread implements Dispatch {
  private _worker!: Worker;
  private _exited = false;
  private _restart: NodeJS.Timeout | null = null;
  private _closing: Promise<void> | null = null;

  constructor(
    private readonly _data: DispatcherWorkerData,
    private readonly _script: string,
    private readonly _keeper: Keeper,
    private readonly _log: (line: string) => void = () => {},
  ) {
    this._start();
  }

  subscriptionsChanged(): void {
    this._post({ subscriptions: this._keeper.list() });
  }

  kick(): void {
    this._post({ kick: true });
  }

  close(): Promise<void> {
    if (this._restart) clearTimeout(this._restart);
    this._closing ??= new Promise<void>((resolve) => {
      // Dead already (waiting to be started again): nothing to stop.
      if (this._exited) return resolve();
      this._worker.once('exit', () => resolve());
      this._worker.on('message', (m: FromDispatcherWorker) => 'closed' in m && void this._worker.terminate());
      this._worker.postMessage({ close: true } satisfies ToDispatcherWorker);
    });
    return this._closing;
  }

  private _start(): void {
    const worker = new Worker(this._script, { workerData: this._data });
    worker.on('message', (m: FromDispatcherWorker) => this._receive(m));
    worker.on('error', (error) => this._log(`webhooks: the dispatcher's thread failed: ${error.stack ?? error}`));
    worker.on('exit', () => {
      this._exited = true;
      if (this._closing) return;
      this._log('webhooks: the dispatcher stopped; starting it again in a second');
      this._restart = setTimeout(() => {
        if (!this._closing) this._start();
      }, 1000);
      this._restart.unref();
    });
    this._worker = worker;
    this._exited = false;
    this.subscriptionsChanged();
  }

  private _receive(m: FromDispatcherWorker): void {
    if ('change' in m) void this._apply(m.change);
    else if ('log' in m) this._log(m.log);
  }

  private async _apply(change: SubscriptionChange): Promise<void> {
    try {
      await this._keeper.change(change);
    } catch (error) {
      this._log(`webhooks: could not save ${change.id}'s state ${change.state}: ${(error as Error).message}`);
    }
  }

  private _post(message: ToDispatcherWorker): void {
    if (!this._closing) this._worker.postMessage(message);
  }
}
