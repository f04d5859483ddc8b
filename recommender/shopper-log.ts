// What shoppers did during a bulk load (a full rebuild), written down in arrival order, each record pointing
// back to the same shopper's previous one, to be played into ShopperItems one shopper at a time at the end.
// Played that way, a shopper's products are found in a small array indexed by product instead of the hash of
// every (shopper, product) pair, whose lookups miss the cache on nearly every event, and each shopper's entries
// are made side by side.

const NONE = -1;

/** Kinds of record. */
export const VIEW = 0;
export const CART_ADD = 1;
/** An order was placed: the cart is empty again (before the order's own products are counted). */
export const CART_CLEAR = 2;
export const BOUGHT = 3;
export const CART_REMOVE = 4;
export const RATED = 5;

/** Doubles per record: time, weight, then four 32-bit fields (product, visit or kind, previous record, shopper). */
const STRIDE = 4;

export class ShopperLog {
  /**
   * Record r: f64[4r] time, f64[4r + 1] weight; i32[8r + 4] product, + 5 the visit of a view (>= 0) or else
   * -1 - kind, + 6 the shopper's previous record, + 7 the shopper (NONE once played).
   */
  f64: Float64Array<ArrayBuffer>;
  i32: Int32Array<ArrayBuffer>;
  size = 0;
  /**
   * Per shopper, the newest record not yet played. Records link backwards so that writing one touches only
   * itself and this array, never an older record (a cache miss per event).
   */
  private _last = new Int32Array(0);
  /** A shopper's records, oldest first, as take() hands them over. */
  private _taken = new Int32Array(64);

  /**
   * `expected`: about how many records will come, room made at once rather than grown and copied on the way
   * (room never written costs no memory; if so much cannot even be reserved, the log grows as records come).
   */
  constructor(expected = 0) {
    const records = Math.max(1024, Math.ceil(expected));
    try {
      this.f64 = new Float64Array(STRIDE * records);
    } catch {
      this.f64 = new Float64Array(STRIDE * 1024);
    }
    this.i32 = new Int32Array(this.f64.buffer);
  }

  add(user: number, kind: number, item: number, at: number, weight: number, visit: number): void {
    if (STRIDE * (this.size + 1) > this.f64.length) {
      const f64 = new Float64Array(STRIDE * (Math.ceil(this.size * 1.5) + 1024));
      f64.set(this.f64);
      this.f64 = f64;
      this.i32 = new Int32Array(f64.buffer);
    }
    if (user >= this._last.length) {
      const last = new Int32Array(Math.max(user + 1, Math.ceil(this._last.length * 1.5) + 64)).fill(NONE);
      last.set(this._last);
      this._last = last;
    }
    const r = this.size++;
    const o = 2 * STRIDE * r;
    this.f64[STRIDE * r] = at;
    this.f64[STRIDE * r + 1] = weight;
    this.i32[o + 4] = item;
    this.i32[o + 5] = kind === VIEW ? visit : -1 - kind;
    this.i32[o + 6] = this._last[user];
    this.i32[o + 7] = user;
    this._last[user] = r;
  }

  /**
   * One shopper's records not yet played, oldest first: taken[0..count), the caller's to play now (the array
   * is reused by the next call). For a read or an alias in the middle of a bulk load: it follows the links.
   */
  take(user: number): { taken: Int32Array; count: number } {
    let count = 0;
    if (user < this._last.length) {
      for (let r = this._last[user]; r !== NONE; r = this.i32[2 * STRIDE * r + 6]) {
        if (count === this._taken.length) {
          const grown = new Int32Array(count * 2);
          grown.set(this._taken);
          this._taken = grown;
        }
        this._taken[count++] = r;
        this.i32[2 * STRIDE * r + 7] = NONE;
      }
      this._last[user] = NONE;
      this._taken.subarray(0, count).reverse();
    }
    return { taken: this._taken, count };
  }

  /**
   * Every record not yet played, by shopper: a log whose records start[u]..start[u + 1] are shopper u's, oldest
   * first. A counting sort whose writes do not wait on each other, so that playing the records reads them in
   * order (following each shopper's links instead would wait on every read). This log is empty afterwards.
   */
  takeAll(users: number): { played: ShopperLog; start: Int32Array } {
    const i32 = this.i32;
    const start = new Int32Array(users + 1);
    for (let r = 0; r < this.size; r++) {
      const user = i32[2 * STRIDE * r + 7];
      if (user !== NONE) start[user + 1]++;
    }
    for (let u = 0; u < users; u++) start[u + 1] += start[u];
    const played = new ShopperLog(start[users]);
    played.size = start[users];
    const out = played.f64;
    const fill = start.slice(0, users);
    for (let r = 0; r < this.size; r++) {
      const user = i32[2 * STRIDE * r + 7];
      if (user === NONE) continue;
      const to = STRIDE * fill[user]++;
      const from = STRIDE * r;
      out[to] = this.f64[from];
      out[to + 1] = this.f64[from + 1];
      out[to + 2] = this.f64[from + 2];
      out[to + 3] = this.f64[from + 3];
    }
    this.f64 = new Float64Array(0);
    this.i32 = new Int32Array(0);
    this.size = 0;
    this._last.fill(NONE);
    return { played, start };
  }

  kind(r: number): number {
    const v = this.i32[2 * STRIDE * r + 5];
    return v >= 0 ? VIEW : -1 - v;
  }

  item(r: number): number {
    return this.i32[2 * STRIDE * r + 4];
  }

  /** The visit of a view. */
  visit(r: number): number {
    return this.i32[2 * STRIDE * r + 5];
  }

  at(r: number): number {
    return this.f64[STRIDE * r];
  }

  weight(r: number): number {
    return this.f64[STRIDE * r + 1];
  }
}
