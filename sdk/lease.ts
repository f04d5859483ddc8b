// Which tabs are alive, so a tab can adopt the queued events of one that closed: each tab holds a Web Lock
// named after it for its lifetime, and adoption runs under an exclusive lock.

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

export function createLiveness(tabId: string, locks?: Locks): Liveness {
  // Without Web Locks (browsers before 2022) a tab cannot tell the others alive from gone, so it sends what
  // every tab queued: an event two tabs send is stored once, by the collector's dedup (messageId, timestamp).
  if (!locks) return { _adopt: (adoption) => adoption(new Set([tabId])), _stop() {} };
  let release: () => void = () => {};
  void locks.request(PREFIX + tabId, () => new Promise<void>((resolve) => (release = resolve))).catch(() => {});
  return {
    _adopt: (adoption) =>
      locks.request('patron-adopt', async () => {
        const { held = [] } = await locks.query();
        return adoption(
          new Set(
            held
              .map((l) => l.name ?? '')
              .filter((n) => n.startsWith(PREFIX))
              .map((n) => n.slice(PREFIX.length))
              .concat(tabId),
          ),
        );
      }),
    _stop: () => release(),
  };
}
