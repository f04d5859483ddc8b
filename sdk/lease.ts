// Which tabs are alive, so a tab can adopt the queued events of one that closed. With Web Locks each tab
// holds a lock named after it for its lifetime and adoption runs under an exclusive lock; without them
// (older browsers), tabs write heartbeats to localStorage and a closing tab signs off.

import { readJson, type SafeStorage } from './ids';

/** Takes over what the tabs gone left behind, given the ids of the tabs alive (this one included). */
export type Adoption = (alive: Set<string>) => Promise<void>;

export interface Liveness {
  /** Runs an adoption while no other tab runs one. */
  _adopt(adoption: Adoption): Promise<void>;
  /** This tab is going away. */
  _stop(): void;
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
      _adopt: (adoption) =>
        locks.request('patron-adopt', async () => {
          const { held = [] } = await locks.query();
          return adoption(new Set(held.map((l) => l.name ?? '').filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length)).concat(tabId)));
        }),
      _stop: () => release(),
    };
  }
  /** The heartbeats of tabs alive: writing back only these sweeps out tabs that closed without signing off. */
  const fresh = () => Object.entries(readJson<Record<string, number>>(storage, TABS) ?? {}).filter(([, at]) => Date.now() - at <= STALE_MS);
  const write = (tabs: [string, number][]) => storage._set(TABS, JSON.stringify(Object.fromEntries(tabs)));
  const beat = () => write([...fresh(), [tabId, Date.now()]]);
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  let chain = Promise.resolve();
  return {
    // Without Web Locks, tabs can only be kept apart best-effort; within this tab, adoptions run one by one.
    _adopt(adoption) {
      const run = () => adoption(new Set(fresh().map(([id]) => id).concat(tabId)));
      return (chain = chain.then(run, run));
    },
    _stop() {
      clearInterval(timer);
      write(fresh().filter(([id]) => id !== tabId));
    },
  };
}
