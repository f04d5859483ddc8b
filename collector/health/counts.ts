// What /health counts (the stored events, the events clients dropped), cheap to ask for however often: /health
// needs no key and monitors ask it every few seconds, while a count waits for the tables to catch up with the
// journal (behind during a flood, or for as long as a full disk lasts) and then reads every row of an index (a
// million rows read afresh after each write: a tenth of a second or more, on the journal's worker thread).
// - A check waits a moment for a new count; if none comes, it answers with the last one (it says when it was
//   made), and the count goes on for the next check. With no count yet, it waits up to 2 s. A count that fails
//   is told (as a problem) until one succeeds.
// - From 100,000 events, a count of n events is reused for up to n / 200 ms (5 s at a million), so that asking
//   often cannot keep the collector counting.

import type { Store } from '../store/store';

const WAIT_FOR_NEW_MS = 5;
/** With no count to fall back on, a check waits this long before saying it has none. */
const WAIT_FOR_ANY_MS = 2000;
const HELD_FROM_EVENTS = 100_000;
const HOLD_MS_PER_EVENT = 1 / 200;
const MAX_HOLD_MS = 5000;

export interface EventCounts {
  events: number;
  droppedByClients: number;
  /** When the count was made (ms since the epoch). */
  at: number;
}

export class HealthCounts {
  private _last: EventCounts | null = null;
  /** Why the latest count failed, until one succeeds: told with the last counts, which are then not current. */
  private _failure: string | null = null;
  private _counting: Promise<EventCounts> | null = null;

  constructor(private readonly _store: Store) {}

  /** The freshest counts to be had at once, or why there are none. */
  async read(): Promise<EventCounts | string> {
    const last = this._last;
    if (last && last.events >= HELD_FROM_EVENTS && Date.now() - last.at < Math.min(MAX_HOLD_MS, last.events * HOLD_MS_PER_EVENT)) return last;
    // Forgotten once settled, after it is kept (a store throwing at once settles it before `??=` assigns).
    const counting = (this._counting ??= this._count().finally(() => (this._counting = null)));
    let timer: NodeJS.Timeout | undefined;
    const wait = last ? WAIT_FOR_NEW_MS : WAIT_FOR_ANY_MS;
    const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, wait, null)));
    try {
      const counted = await Promise.race([counting, late]);
      if (counted) return counted;
      return this._failure ?? last ?? `no answer within ${wait / 1000} s`;
    } catch (error) {
      return (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
  }

  private async _count(): Promise<EventCounts> {
    try {
      const [events, droppedByClients] = await Promise.all([this._store.countEvents(), this._store.clientDropped()]);
      this._last = { events, droppedByClients, at: Date.now() };
      this._failure = null;
      return this._last;
    } catch (error) {
      this._failure = (error as Error).message;
      throw error;
    }
  }
}
