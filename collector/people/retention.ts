// Retention: events older than the shop keeps them are removed on a schedule, a few hundred people at a time, and
// the models follow: each such person's model entries are forgotten and learnt again from their kept events. The
// attributions and the webhook delivery log older than that go too. Every run that removed anything is audited.

import { parseRawEvent, type StoredEvent } from '../domain/stored-event';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Store } from '../store/store';

export interface RetentionOptions {
  /** Events older than this many days are removed (none: kept for ever). */
  eventDays?: number;
  /** How often a run starts (hourly by default). */
  everyMs?: number;
}

const DAY_MS = 86_400_000;
const PEOPLE_PER_PASS = 500;
const ROWS_PER_PRUNE = 5000;

export class Retention {
  private _timer: NodeJS.Timeout | null = null;
  private _running: Promise<number> | null = null;
  private _closed = false;

  constructor(
    private readonly _store: Store,
    private readonly _learner: Learner,
    private readonly _identities: Identities,
    private readonly _options: RetentionOptions,
    private readonly _log: (message: string) => void,
    private readonly _now: () => number = Date.now,
  ) {}

  start(): void {
    if (!this._options.eventDays) return;
    const every = this._options.everyMs ?? 3_600_000;
    this._timer = setInterval(() => void this.run(), every);
    this._timer.unref();
    setImmediate(() => void this.run());
  }

  /** Removes what is older than kept, now; resolves with the events removed (0 with no retention set). */
  run(): Promise<number> {
    if (!this._options.eventDays || this._closed) return Promise.resolve(0);
    this._running ??= this._run(this._now() - this._options.eventDays * DAY_MS)
      .catch((error: Error) => {
        this._log(`retention: stopped (${error.message}); the next run goes on`);
        return 0;
      })
      .finally(() => (this._running = null));
    return this._running;
  }

  async close(): Promise<void> {
    this._closed = true;
    if (this._timer) clearInterval(this._timer);
    await this._running;
  }

  private async _run(before: number): Promise<number> {
    let events = 0;
    for (;;) {
      if (this._closed) break;
      const { people, events: theirs } = await this._store.oldestPeople(before, PEOPLE_PER_PASS);
      if (people.length === 0) break;
      await this._follow(people, theirs.map(parseRawEvent), before);
      events += await this._store.pruneEventsOf(people, before);
    }
    const others: Record<string, number> = {};
    for (let more = true; more && !this._closed;) {
      const removed = await this._store.pruneOlderThan(before, ROWS_PER_PRUNE);
      for (const [k, n] of Object.entries(removed)) others[k] = (others[k] ?? 0) + n;
      more = Object.values(removed).some((n) => n === ROWS_PER_PRUNE);
    }
    if (events > 0 || Object.values(others).some((n) => n > 0)) {
      await this._store.addAudit({ at: this._now(), actor: 'retention', action: 'retention', subject: new Date(before).toISOString(), detail: { events, ...others } });
      this._log(`retention: removed ${events} events from before ${new Date(before).toISOString()}`);
    }
    return events;
  }

  /** Each person's models forgotten and learnt again from the events they keep. */
  private async _follow(people: readonly string[], events: readonly StoredEvent[], before: number): Promise<void> {
    const byPerson = new Map<string, StoredEvent[]>(people.map((p) => [p, []]));
    for (const e of events) byPerson.get(this._identities.personOf(e.anonymousId, e.userId)!)?.push(e);
    for (const [person, theirs] of byPerson) {
      await this._learner.relearn(
        person,
        theirs,
        theirs.filter((e) => e.timestamp >= before),
      );
    }
  }
}
