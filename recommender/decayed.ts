// Scores that decay with a half-life, kept in typed arrays and updated in place: one per item (its
// popularity), or one per slot of a pool (a shopper's affinity to a product). No object per value, so no
// garbage per event and little for the collector to trace. Scores updated together (an item's popularity
// and its two trending rates) can share one array, each item's in one cache line.

const DAY_MS = 86_400_000;

const PAGE_BITS = 12;
/** Slots a page: growing adds pages and never copies (a million items' scores were 96 MB copied in one event). */
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

/** The arrays behind one or more DecayedScores: per slot, `stride` doubles, a (score, time) pair per lane. */
class Lanes {
  readonly pages: Float64Array<ArrayBuffer>[] = [];
  readonly stride: number;

  constructor(lanes: number, capacity: number) {
    // A power of two, so that a slot never straddles two cache lines.
    this.stride = 2 << Math.ceil(Math.log2(lanes));
    this.ensure(capacity);
  }

  get capacity(): number {
    return this.pages.length * PAGE;
  }

  ensure(n: number): void {
    while (this.pages.length * PAGE < n) this.pages.push(unused(this.stride * PAGE));
  }

  /** Gives back the pages past the first `n` slots. */
  trim(n: number): void {
    this.pages.length = Math.ceil(n / PAGE);
  }
}

export class DecayedScores {
  /** Slot i's score at stride * i + lane and the time it was last added to right after (NaN if never). */
  private readonly _lanes: Lanes;
  private readonly _offset: number;
  private _size = 0;
  /** Decay per millisecond: a score is multiplied by e^(-rate x elapsed). */
  private readonly _rate: number;

  /** `capacity`: slots to make room for at once; or the shared array and this score's place in each slot. */
  constructor(halfLifeDays: number, capacity: number | { lanes: Lanes; offset: number } = 64) {
    this._rate = Math.LN2 / (halfLifeDays * DAY_MS);
    this._lanes = typeof capacity === 'number' ? new Lanes(1, capacity) : capacity.lanes;
    this._offset = typeof capacity === 'number' ? 0 : capacity.offset;
  }

  /** Scores for the same slots with these half-lives, in one array: a slot's are in one cache line. */
  static together(halfLivesDays: readonly number[], capacity = 64): DecayedScores[] {
    const lanes = new Lanes(halfLivesDays.length, capacity);
    return halfLivesDays.map((days, i) => new DecayedScores(days, { lanes, offset: 2 * i }));
  }

  /** Slots handed out by allocate(), or the highest index used plus one. */
  get size(): number {
    return this._size;
  }

  /** A fresh slot (for pools). */
  allocate(): number {
    this._lanes.ensure(this._size + 1);
    return this._size++;
  }

  has(i: number): boolean {
    return i < this._lanes.capacity && !Number.isNaN(this.at(i));
  }

  /** Adds `weight` at time `at`; an event older than the latest one is decayed to the latest time instead. */
  add(i: number, weight: number, at: number): void {
    const lanes = this._lanes;
    if (i >= lanes.capacity) lanes.ensure(i + 1);
    if (i >= this._size) this._size = i + 1;
    const data = lanes.pages[i >>> PAGE_BITS];
    const o = lanes.stride * (i & MASK) + this._offset;
    const last = data[o + 1];
    if (Number.isNaN(last)) {
      data[o] = weight;
      data[o + 1] = at;
    } else if (at >= last) {
      data[o] = data[o] * Math.exp((last - at) * this._rate) + weight;
      data[o + 1] = at;
    } else {
      data[o] += weight * Math.exp((at - last) * this._rate);
    }
  }

  /**
   * Takes back `weight` added at time `at` (what one shopper's events added, counted apart): a score left at
   * about nothing becomes unused, so a product only they touched ranks nowhere.
   */
  subtract(i: number, weight: number, at: number): void {
    if (!this.has(i)) return;
    const before = this.value(i, Math.max(at, this.at(i)));
    this.add(i, -weight, at);
    if (this.value(i, this.at(i)) <= Math.max(before, 1) * 1e-9) {
      const data = this._lanes.pages[i >>> PAGE_BITS];
      const o = this._lanes.stride * (i & MASK) + this._offset;
      data[o] = 0;
      data[o + 1] = Number.NaN;
    }
  }

  /** The score at time `now` (0 for an unused index). */
  value(i: number, now: number): number {
    if (!this.has(i)) return 0;
    const data = this._lanes.pages[i >>> PAGE_BITS];
    const o = this._lanes.stride * (i & MASK) + this._offset;
    return data[o] * Math.exp((data[o + 1] - now) * this._rate);
  }

  /** When the score was last added to (NaN for an unused index). */
  at(i: number): number {
    const lanes = this._lanes;
    return i < lanes.capacity ? lanes.pages[i >>> PAGE_BITS][lanes.stride * (i & MASK) + this._offset + 1] : Number.NaN;
  }

  /** Moves slot `from`'s score into slot `into`, as if its events had been added there. */
  merge(from: number, into: number): void {
    if (!this.has(from)) return;
    const at = Math.max(this.at(from), this.has(into) ? this.at(into) : -Infinity);
    const total = this.value(from, at) + this.value(into, at);
    this._lanes.ensure(into + 1);
    if (into >= this._size) this._size = into + 1;
    const data = this._lanes.pages[into >>> PAGE_BITS];
    const o = this._lanes.stride * (into & MASK) + this._offset;
    data[o] = total;
    data[o + 1] = at;
  }

  /** Makes room for `capacity` slots at once. */
  reserve(capacity: number): void {
    this._lanes.ensure(capacity);
  }

  /** Gives back the room kept for growth (scores sharing the array keep theirs). */
  trim(): void {
    if (this._lanes.stride === 2) this._lanes.trim(this._size);
  }
}

/** Room for scores not yet used: NaN times (and scores, never read before they are set). */
function unused(length: number): Float64Array<ArrayBuffer> {
  return new Float64Array(length).fill(Number.NaN);
}
