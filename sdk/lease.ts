// Which tabs are alive, so a tab can adopt the queued events of one that closed. With Web Locks each tab
// holds a lock named after it for its lifetime and adoption runs under an exclusive lock; without them
// (older browsers), tabs write heartbeats to localStorage and a closing tab signs off.

import type { SafeStorage } from './ids';

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
  const read = (): Record<string, number> => {
    try {
      return JSON.parse(storage.get(TABS) ?? '{}') ?? {};
    } catch {
      return {};
    }
  };
  const beat = () => {
    const tabs = read();
    const now = Date.now();
    for (const [id, at] of Object.entries(tabs)) if (now - at > STALE_MS) delete tabs[id];
    tabs[tabId] = now;
    storage.set(TABS, JSON.stringify(tabs));
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  let chain = Promise.resolve() as Promise<unknown>;
  return {
    async alive() {
      const now = Date.now();
      return new Set(Object.entries(read()).filter(([, at]) => now - at <= STALE_MS).map(([id]) => id).concat(tabId));
    },
    // Without Web Locks, tabs can only be kept apart best-effort; within this tab, tasks run one by one.
    exclusive: (task) => (chain = chain.then(task, task)) as ReturnType<typeof task>,
    stop() {
      clearInterval(timer);
      const tabs = read();
      delete tabs[tabId];
      storage.set(TABS, JSON.stringify(tabs));
    },
  };
}
