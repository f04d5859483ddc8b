// The quarantine kept within bounds: rejected events older than the age limit, and the oldest beyond the most
// it keeps, are dropped every minute (and counted), so however much invalid traffic arrives the table stays
// bounded: at most `maxEvents` events of at most LIMITS.quarantinedChars each.

import type { EventStore } from '../store/store';

export interface QuarantineLimits {
  /** The most rejected events kept (the oldest go first). */
  maxEvents: number;
  /** How long a rejected event is kept, in days. */
  maxAgeDays: number;
}

export const DEFAULT_QUARANTINE_LIMITS: QuarantineLimits = { maxEvents: 100_000, maxAgeDays: 7 };

const EVERY_MS = 60_000;
// Rows dropped per call: a call holds the database for a moment, and the next waits for the event loop.
const MOST = 5_000;

export class QuarantineKeeper {
  private _timer?: NodeJS.Timeout;
  private _running?: Promise<void>;

  readonly limits: QuarantineLimits;

  constructor(
    private readonly _store: EventStore,
    limits: Partial<QuarantineLimits>,
    private readonly _log: (message: string) => void,
  ) {
    // A limit left out (or undefined) is the default's.
    this.limits = { maxEvents: limits.maxEvents ?? DEFAULT_QUARANTINE_LIMITS.maxEvents, maxAgeDays: limits.maxAgeDays ?? DEFAULT_QUARANTINE_LIMITS.maxAgeDays };
  }

  start(): void {
    // A failed round is told and tried again at the next: it must never take the collector down.
    const round = () => void this.prune().catch((error: Error) => this._log(`quarantine: could not drop old events: ${error.message}`));
    this._timer = setInterval(round, EVERY_MS).unref();
    round();
  }

  /** Drops what is past the limits now; resolves when it has. */
  prune(now = Date.now()): Promise<void> {
    this._running ??= this._prune(now).finally(() => (this._running = undefined));
    return this._running;
  }

  private async _prune(now: number): Promise<void> {
    const before = now - this.limits.maxAgeDays * 86_400_000;
    let dropped = { expired: 0, overCap: 0 };
    for (;;) {
      const step = await this._store.pruneQuarantine({ before, keep: this.limits.maxEvents, most: MOST });
      dropped = { expired: dropped.expired + step.expired, overCap: dropped.overCap + step.overCap };
      if (step.expired + step.overCap < MOST) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (dropped.expired || dropped.overCap) this._log(`quarantine: dropped ${dropped.expired} older than ${this.limits.maxAgeDays} days and ${dropped.overCap} beyond ${this.limits.maxEvents} events`);
  }

  async close(): Promise<void> {
    clearInterval(this._timer);
    await this._running?.catch(() => {});
  }
}
