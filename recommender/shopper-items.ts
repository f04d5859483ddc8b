// What each shopper did with each product, in parallel typed arrays: one entry per (shopper, product), found
// through an open-addressing hash and chained per shopper. A Map per shopper would cost a few hundred bytes
// each and a garbage collector tracing millions of objects; here a million entries take about 45 MB and are
// invisible to the collector.

import { DecayedScores } from './decayed';

const NONE = -1;

/** Flags of an entry. */
export const IN_CART = 1;
export const VIEWED = 2;
/** The entry is in its shopper's cart list (which may still hold it after it left the cart). */
const LISTED = 4;

export class ShopperItems {
  /** Entries: the shopper (NONE once moved away by alias), the product, the shopper's next entry. */
  private _user = new Int32Array(0);
  private _item = new Int32Array(0);
  private _next = new Int32Array(0);
  /** Decayed affinity, indexed by entry. */
  private readonly _affinity: DecayedScores;
  /** Orders of the product (saturating at 65,535), the visit it was last viewed in, IN_CART | VIEWED. */
  private _bought = new Uint16Array(0);
  private _visit = new Int32Array(0);
  private _flags = new Uint8Array(0);
  /**
   * Per shopper with something in the cart, the entries put there since it was last emptied: an order empties
   * the cart by these, not by a walk of every product the shopper ever touched (a shopper of 100,000 products
   * ordering 2,500 times in one request would have cost 250 million steps).
   */
  private readonly _carts = new Map<number, number[]>();
  private _size = 0;
  /** Entries below this are in the hash; those above were appended in bulk and await settle(). */
  private _placed = 0;
  /** Per shopper: the most recent entry (the chain runs newest first). */
  private _head = new Int32Array(0);
  /** Hash buckets: entry + 1, 0 for empty. */
  private _buckets = new Int32Array(1 << 10);

  constructor(halfLifeDays: number) {
    this._affinity = new DecayedScores(halfLifeDays, 0);
  }

  get size(): number {
    return this._size;
  }

  /** The entry of (user, item), or NONE. */
  find(user: number, item: number): number {
    const mask = this._buckets.length - 1;
    for (let b = hash(user, item) & mask; ; b = (b + 1) & mask) {
      const e = this._buckets[b] - 1;
      if (e === NONE) return NONE;
      if (this._item[e] === item && this._user[e] === user) return e;
    }
  }

  /** The entry of (user, item), made if new. */
  entry(user: number, item: number): number {
    const found = this.find(user, item);
    if (found !== NONE) return found;
    const e = this.append(user, item);
    this.settle();
    return e;
  }

  /**
   * A new entry of (user, item), which must not have one, left out of the hash until settle(): a bulk load
   * finds a shopper's entries by itself and hashes them all at once at the end.
   */
  append(user: number, item: number): number {
    if (this._size === this._user.length) this._reserve(Math.ceil(this._size * 1.5) + 64);
    if (user >= this._head.length) {
      const head = new Int32Array(Math.max(user + 1, Math.ceil(this._head.length * 1.5) + 64)).fill(NONE);
      head.set(this._head);
      this._head = head;
    }
    const e = this._size++;
    this._user[e] = user;
    this._item[e] = item;
    this._next[e] = this._head[user];
    this._head[user] = e;
    this._affinity.allocate();
    this._bought[e] = 0;
    this._visit[e] = NONE;
    this._flags[e] = 0;
    return e;
  }

  /** Puts the appended entries into the hash, growing it once if they need the room. */
  settle(): void {
    if (this._placed === this._size) return;
    if (this._size * 10 > this._buckets.length * 7) {
      let buckets = this._buckets.length * 2;
      while (this._size * 10 > buckets * 7) buckets *= 2;
      this._rehash(buckets);
    } else for (let e = this._placed; e < this._size; e++) if (this._user[e] !== NONE) this._place(e);
    this._placed = this._size;
  }

  /** Makes room for `extra` more entries at once. */
  reserve(extra: number): void {
    if (this._size + extra > this._user.length) this._reserve(this._size + extra);
    this._affinity.reserve(this._size + extra);
  }

  /** The shopper's first entry (newest), then next(): NONE at the end. */
  first(user: number): number {
    return user < this._head.length ? this._head[user] : NONE;
  }

  next(e: number): number {
    return this._next[e];
  }

  item(e: number): number {
    return this._item[e];
  }

  /** Adds `weight` at time `at` to the shopper's affinity to the product. */
  addAffinity(e: number, weight: number, at: number): void {
    this._affinity.add(e, weight, at);
  }

  /** The entry's affinity at time `now`. */
  affinity(e: number, now: number): number {
    return this._affinity.value(e, now);
  }

  /** When the entry was last interacted with (NaN if never). */
  at(e: number): number {
    return this._affinity.at(e);
  }

  bought(e: number): number {
    return this._bought[e];
  }

  addBought(e: number): void {
    if (this._bought[e] < 0xffff) this._bought[e]++;
  }

  visit(e: number): number {
    return this._visit[e];
  }

  setVisit(e: number, visit: number): void {
    this._visit[e] = visit;
  }

  /** An order was placed: nothing of the shopper's is in the cart any more. */
  emptyCart(user: number): void {
    const listed = this._carts.get(user);
    if (!listed) return;
    for (const e of listed) this._flags[e] &= ~(IN_CART | LISTED);
    this._carts.delete(user);
  }

  has(e: number, flag: number): boolean {
    return (this._flags[e] & flag) !== 0;
  }

  set(e: number, flag: number, on: boolean): void {
    this._flags[e] = on ? this._flags[e] | flag : this._flags[e] & ~flag;
    if (on && flag & IN_CART) this._list(this._user[e], e);
  }

  private _list(user: number, e: number): void {
    if (this._flags[e] & LISTED) return;
    this._flags[e] |= LISTED;
    const listed = this._carts.get(user);
    if (listed) listed.push(e);
    else this._carts.set(user, [e]);
  }

  /**
   * Moves every entry of `from` to `into`: affinities, orders and flags of a product both had are combined.
   * Calls `added` with each product only `from` had, before it joins `into`.
   */
  move(from: number, into: number, added: (item: number) => void): void {
    const moving: number[] = [];
    for (let e = this.first(from); e !== NONE; e = this._next[e]) moving.push(e);
    if (from < this._head.length) this._head[from] = NONE;
    // Oldest first, so the chain of `into` stays newest first.
    for (const e of moving.reverse()) {
      this._user[e] = NONE; // found by no lookup any more
      const item = this._item[e];
      const existing = this.find(into, item);
      if (existing === NONE) added(item);
      const target = existing === NONE ? this.entry(into, item) : existing;
      this._affinity.merge(e, target);
      this._bought[target] = Math.min(0xffff, this._bought[target] + this._bought[e]);
      this._flags[target] |= this._flags[e] & ~LISTED;
      if (this._flags[target] & IN_CART) this._list(into, target);
      if (this._visit[target] === NONE) this._visit[target] = this._visit[e];
    }
    this._carts.delete(from);
  }

  /** Forgets every entry of the shopper (deleted on request): no lookup finds them, and their chain is empty. */
  drop(user: number): void {
    for (let e = this.first(user); e !== NONE; e = this._next[e]) this._user[e] = NONE;
    if (user < this._head.length) this._head[user] = NONE;
    this._carts.delete(user);
  }

  /** Gives back the room kept for growth (after a bulk load, whose size is known). */
  trim(): void {
    this._reserve(this._size);
    this._affinity.trim();
  }

  private _place(e: number): void {
    const mask = this._buckets.length - 1;
    let b = hash(this._user[e], this._item[e]) & mask;
    while (this._buckets[b] !== 0) b = (b + 1) & mask;
    this._buckets[b] = e + 1;
  }

  private _rehash(buckets: number): void {
    this._buckets = new Int32Array(buckets);
    for (let e = 0; e < this._size; e++) if (this._user[e] !== NONE) this._place(e);
  }

  private _reserve(capacity: number): void {
    const copy = <T extends { length: number; set(a: T): void; subarray(a: number, b: number): T }>(a: T, make: (n: number) => T) => {
      const next = make(capacity);
      next.set(a.subarray(0, this._size));
      return next;
    };
    this._user = copy(this._user, (n) => new Int32Array(n));
    this._item = copy(this._item, (n) => new Int32Array(n));
    this._next = copy(this._next, (n) => new Int32Array(n));
    this._bought = copy(this._bought, (n) => new Uint16Array(n));
    this._visit = copy(this._visit, (n) => new Int32Array(n));
    this._flags = copy(this._flags, (n) => new Uint8Array(n));
  }
}

function hash(user: number, item: number): number {
  let h = Math.imul(user, 0x9e3779b1) ^ Math.imul(item + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}
