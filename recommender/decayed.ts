// Scores that decay with a half-life, kept in parallel typed arrays and updated in place: one per item (its
// popularity), or one per slot of a pool (a shopper's affinity to a product). No object per value, so no
// garbage per event and little for the collector to trace.

const DAY_MS = 86_400_000;

export class DecayedScores {
  private _score: Float64Array;
  private _at: Float64Array;
  private _size = 0;
  /** Decay per millisecond: a score is multiplied by e^(-rate x elapsed). */
  private readonly _rate: number;

  constructor(
    halfLifeDays: number,
    capacity = 64,
  ) {
    this._rate = Math.LN2 / (halfLifeDays * DAY_MS);
    this._score = new Float64Array(capacity);
    this._at = new Float64Array(capacity).fill(Number.NaN);
  }

  /** Slots handed out by allocate(), or the highest index used plus one. */
  get size(): number {
    return this._size;
  }

  /** A fresh slot (for pools). */
  allocate(): number {
    this._ensure(this._size + 1);
    return this._size++;
  }

  has(i: number): boolean {
    return i < this._at.length && !Number.isNaN(this._at[i]);
  }

  /** Adds `weight` at time `at`; an event older than the latest one is decayed to the latest time instead. */
  add(i: number, weight: number, at: number): void {
    this._ensure(i + 1);
    if (i >= this._size) this._size = i + 1;
    const last = this._at[i];
    if (Number.isNaN(last)) {
      this._score[i] = weight;
      this._at[i] = at;
    } else if (at >= last) {
      this._score[i] = this._decayed(this._score[i], last, at) + weight;
      this._at[i] = at;
    } else {
      this._score[i] += this._decayed(weight, at, last);
    }
  }

  /** The score at time `now` (0 for an unused index). */
  value(i: number, now: number): number {
    if (!this.has(i)) return 0;
    return this._decayed(this._score[i], this._at[i], now);
  }

  /** When the score was last added to (NaN for an unused index). */
  at(i: number): number {
    return i < this._at.length ? this._at[i] : Number.NaN;
  }

  /** Moves slot `from`'s score into slot `into`, as if its events had been added there. */
  merge(from: number, into: number): void {
    if (!this.has(from)) return;
    const at = Math.max(this._at[from], this.has(into) ? this._at[into] : -Infinity);
    const total = this.value(from, at) + this.value(into, at);
    this._score[into] = total;
    this._at[into] = at;
  }

  /** Makes room for `capacity` slots at once. */
  reserve(capacity: number): void {
    if (capacity > this._score.length) this._resize(capacity);
  }

  /** Gives back the room kept for growth. */
  trim(): void {
    this._resize(this._size);
  }

  private _decayed(score: number, from: number, to: number): number {
    return score * Math.exp((from - to) * this._rate);
  }

  private _ensure(n: number): void {
    if (n <= this._score.length) return;
    this._resize(Math.max(n, Math.ceil(this._score.length * 1.5) + 16));
  }

  private _resize(capacity: number): void {
    const score = new Float64Array(capacity);
    score.set(this._score.subarray(0, capacity));
    const at = new Float64Array(capacity).fill(Number.NaN);
    at.set(this._at.subarray(0, capacity));
    this._score = score;
    this._at = at;
  }
}
