// Which tabs are alive, so a tab can adopt the queued events of one that closed. With Web Locks each tab
// holds a lock named after it for its lifetime and adoption runs under an exclusive lock; without them
// (older browsers), tabs write heartbeats to localStorage and a closing tab signs off.

import { readJson, type SafeStorage } from './ids';

export interface Liveness {
  /** The tabs alive now (this one included). */
  alive(): Promise<Set<string>>;
  /** Runs `task` while no other tab runs one. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** This tab is going away. */
  stop(): void;
}

/** The part of the Web Locks API Patron uses (navigator.locks). */
export interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

const PREFIX = 'patron-tab-';
const TABS = 'patron.tabs';
const HEARTBEAT_MS = 2000;
const STALE_MS = 10_000;

export function createLiveness(tabId: string, storage: SafeStorage, locks?: Locks): Liveness {
  if (locks) {
    let release: () => void = () => {};
    void locks.request(PREFIX + tabId, () => new Promise<void>((resolve) => (release = resolve))).catch(() => {});
    return {
      async alive() {
        const { held = [] } = await locks.query();
        return new Set(held.map((l) => l.name ?? '').filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length)).concat(tabId));
      },
      exclusive: (task) => locks.request('patron-adopt', task),
      stop: () => release(),
    };
  }
  const read = () => readJson<Record<string, number>>(storage, TABS) ?? {};
  const write = (change: (tabs: Record<string, number>) => void) => {
    const tabs = read();
    change(tabs);
    storage.set(TABS, JSON.stringify(tabs));
  };
  const fresh = ([, at]: [string, number]) => Date.now() - at <= STALE_MS;
  // Each tab also sweeps out the heartbeats of tabs that closed without signing off.
  const beat = () =>
    write((tabs) => {
      for (const entry of Object.entries(tabs)) if (!fresh(entry)) delete tabs[entry[0]];
      tabs[tabId] = Date.now();
    });
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  let chain = Promise.resolve() as Promise<unknown>;
  return {
    alive: async () => new Set(Object.entries(read()).filter(fresh).map(([id]) => id).concat(tabId)),
    // Without Web Locks, tabs can only be kept apart best-effort; within this tab, tasks run one by one.
    exclusive: (task) => (chain = chain.then(task, task)) as ReturnType<typeof task>,
    stop() {
      clearInterval(timer);
      write((tabs) => delete tabs[tabId]);
    },
  };
}
