// Scores that decay with a half-life, kept in parallel typed arrays and updated in place: one per item (its
// popularity), or one per slot of a pool (a shopper's affinity to a product). No object per value, so no
// garbage per event and little for the collector to trace.

const DAY_MS = 86_400_000;

export class DecayedScores {
  /** Slot i's score at 2i and the time it was last added to at 2i + 1 (NaN if never): one cache line for both. */
  private _data: Float64Array;
  private _size = 0;
  /** Decay per millisecond: a score is multiplied by e^(-rate x elapsed). */
  private readonly _rate: number;

  constructor(
    halfLifeDays: number,
    capacity = 64,
  ) {
    this._rate = Math.LN2 / (halfLifeDays * DAY_MS);
    this._data = unused(capacity);
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
    return 2 * i < this._data.length && !Number.isNaN(this._data[2 * i + 1]);
  }

  /** Adds `weight` at time `at`; an event older than the latest one is decayed to the latest time instead. */
  add(i: number, weight: number, at: number): void {
    if (2 * i >= this._data.length) this._ensure(i + 1);
    if (i >= this._size) this._size = i + 1;
    const data = this._data;
    const last = data[2 * i + 1];
    if (Number.isNaN(last)) {
      data[2 * i] = weight;
      data[2 * i + 1] = at;
    } else if (at >= last) {
      data[2 * i] = data[2 * i] * Math.exp((last - at) * this._rate) + weight;
      data[2 * i + 1] = at;
    } else {
      data[2 * i] += weight * Math.exp((at - last) * this._rate);
    }
  }

  /** The score at time `now` (0 for an unused index). */
  value(i: number, now: number): number {
    if (!this.has(i)) return 0;
    return this._data[2 * i] * Math.exp((this._data[2 * i + 1] - now) * this._rate);
  }

  /** When the score was last added to (NaN for an unused index). */
  at(i: number): number {
    return 2 * i < this._data.length ? this._data[2 * i + 1] : Number.NaN;
  }

  /** Moves slot `from`'s score into slot `into`, as if its events had been added there. */
  merge(from: number, into: number): void {
    if (!this.has(from)) return;
    const at = Math.max(this._data[2 * from + 1], this.has(into) ? this._data[2 * into + 1] : -Infinity);
    const total = this.value(from, at) + this.value(into, at);
    this._data[2 * into] = total;
    this._data[2 * into + 1] = at;
  }

  /** Makes room for `capacity` slots at once. */
  reserve(capacity: number): void {
    if (2 * capacity > this._data.length) this._resize(capacity);
  }

  /** Gives back the room kept for growth. */
  trim(): void {
    this._resize(this._size);
  }

  private _ensure(n: number): void {
    if (2 * n <= this._data.length) return;
    this._resize(Math.max(n, Math.ceil((this._data.length / 2) * 1.5) + 16));
  }

  private _resize(capacity: number): void {
    const data = unused(capacity);
    data.set(this._data.subarray(0, 2 * capacity));
    this._data = data;
  }
}

/** Room for `capacity` slots, none used. */
function unused(capacity: number): Float64Array {
  const data = new Float64Array(2 * capacity);
  for (let i = 1; i < data.length; i += 2) data[i] = Number.NaN;
  return data;
}
