// Which tabs are alive, so a tab can adopt the queued events of one that closed: each tab holds a Web Lock
// named after it for its lifetime, and adoption runs under an exclusive lock.

/** Takes over what the tabs gone left behind, given whether a tab (by id) is alive (this one is). */
export type Adoption = (alive: (tabId: string) => boolean) => Promise<void>;

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

export function createLiveness(tabId: string, locks?: Locks): Liveness {
  // Without Web Locks (browsers before 2022) a tab cannot tell the others alive from gone, so it sends what
  // every tab queued: an event two tabs send is stored once, by the collector's dedup (messageId, timestamp).
  if (!locks) return { _adopt: (adoption) => adoption((tab) => tab === tabId), _stop() {} };
  let release: () => void = () => {};
  void locks.request(PREFIX + tabId, () => new Promise<void>((resolve) => (release = resolve))).catch(() => {});
  return {
    _adopt: (adoption) =>
      locks.request('patron-adopt', async () => {
        const held = new Set((await locks.query()).held?.map((l) => l.name));
        return adoption((tab) => tab === tabId || held.has(PREFIX + tab));
      }),
    _stop: () => release(),
  };
}
