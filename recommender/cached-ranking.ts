// A ranking of every rankable item (popular, trending), rebuilt after its scores change, but no more often than
// its cost allows. Every event changes some score, so under a steady stream of events a rebuild per request
// would be a sort of every item per request. A ranking built from 10,000 items or more (`work` says how many a
// build looks at) that took t ms, t of a millisecond or more, is kept for up to 100 t ms (at most 5 s) after a
// change (rebuilding then takes about 1% of the time); one of fewer (a shop's few thousand products) is rebuilt at
// once and always shows the latest event, however slow a busy machine makes its build.

const HOLD_FACTOR = 100;
const ALWAYS_FRESH_BELOW_MS = 1;
const HELD_FROM_ITEMS = 10_000;
/** A build slowed by a collection or a busy machine must not freeze the ranking for long. */
const MAX_HOLD_MS = 5000;

export class CachedRanking<T> {
  private _ranking: T[] | null = null;
  private _stale = true;
  private _builtAt = 0;
  private _costMs = 0;

  constructor(
    private readonly _build: () => T[],
    private readonly _work: () => number,
    private readonly _clock: () => number = () => performance.now(),
  ) {}

  /** A score changed: the ranking is rebuilt on the next read its cost allows. */
  changed(): void {
    this._stale = true;
  }

  /** Forgets the ranking: the next read rebuilds it, whatever it costs (the set of rankable items changed). */
  reset(): void {
    this._ranking = null;
  }

  get(): T[] {
    const now = this._clock();
    const ranking = this._ranking;
    const held = ranking !== null && this._work() >= HELD_FROM_ITEMS && this._costMs >= ALWAYS_FRESH_BELOW_MS && now - this._builtAt < Math.min(MAX_HOLD_MS, HOLD_FACTOR * this._costMs);
    if (ranking && (!this._stale || held)) return ranking;
    this._ranking = this._build();
    this._stale = false;
    this._builtAt = this._clock();
    this._costMs = this._builtAt - now;
    return this._ranking;
  }
}
