// Maps outside ids (product SKUs, customer ids) to dense integer indices before any math, as SAR does.
// An open-addressing table of 96-bit fingerprints (three independent, seeded 32-bit hashes) and indices in
// one Int32Array: a lookup reads one cache line of the table and never the id string itself. Two different
// ids would share a fingerprint with a chance of about n^2 / 2^97 (1e-15 for ten million ids): less than of a
// memory error, so the fingerprint stands for the id. Comparing the strings instead costs a cache miss on every
// lookup: twice the time of the whole lookup, for ids that arrive as fresh strings from a database scan.

const STRIDE = 4;
/** Slots of the old table moved into the new one per id interned while the table grows. */
const MOVED_PER_INTERN = 64;

export class IdIndex {
  /** Slot b holds the fingerprint at 4b..4b+2 and the index + 1 at 4b + 3 (0: empty). */
  private _slots = new Int32Array(STRIDE * 1024);
  private _mask = 1023;
  /**
   * While the table grows, the old one, whose slots below `_moved` are in the new one too: ids move a few at a
   * time as others are interned, so growing never stops everything (at a million ids, moving all at once took
   * half a second). A lookup tries the new table, then the old.
   */
  private _old: Int32Array | null = null;
  private _oldMask = 0;
  private _moved = 0;
  private readonly _ids: string[] = [];
  /** Per table, so ids crafted to collide (shoppers' ids come from browsers) cannot be computed in advance. */
  private readonly _seed = (Math.random() * 0x100000000) | 0;

  /** The index of `id`, assigning the next one if it is new. */
  intern(id: string): number {
    fingerprint(id, this._seed);
    const found = this._find();
    if (found !== -1) return found;
    const index = this._ids.length;
    this._ids.push(id);
    this._place(h1, h2, h3, index + 1);
    if (this._old) this._moveSome();
    else if (this._ids.length * 2 > this._mask + 1) this._grow();
    return index;
  }

  get(id: string): number | undefined {
    fingerprint(id, this._seed);
    const found = this._find();
    return found === -1 ? undefined : found;
  }

  id(index: number): string {
    return this._ids[index];
  }

  get size(): number {
    return this._ids.length;
  }

  /** The index of the last fingerprint made, or -1. */
  private _find(): number {
    const found = lookup(this._slots, this._mask);
    return found !== -1 || !this._old ? found : lookup(this._old, this._oldMask);
  }

  private _place(a: number, b: number, c: number, value: number): void {
    const slots = this._slots;
    let s = a & this._mask;
    while (slots[STRIDE * s + 3] !== 0) s = (s + 1) & this._mask;
    const o = STRIDE * s;
    slots[o] = a;
    slots[o + 1] = b;
    slots[o + 2] = c;
    slots[o + 3] = value;
  }

  private _grow(): void {
    this._old = this._slots;
    this._oldMask = this._mask;
    this._moved = 0;
    this._mask = this._mask * 2 + 1;
    this._slots = new Int32Array(STRIDE * (this._mask + 1));
  }

  private _moveSome(): void {
    const old = this._old!;
    const end = Math.min(old.length, this._moved + STRIDE * MOVED_PER_INTERN);
    for (let o = this._moved; o < end; o += STRIDE) if (old[o + 3] !== 0) this._place(old[o], old[o + 1], old[o + 2], old[o + 3]);
    this._moved = end;
    if (end === old.length) this._old = null;
  }
}

/** The index + 1 stored for the last fingerprint in `slots`, less one; -1 when it is not there. */
function lookup(slots: Int32Array, mask: number): number {
  for (let b = h1 & mask; ; b = (b + 1) & mask) {
    const o = STRIDE * b;
    const v = slots[o + 3];
    if (v === 0) return -1;
    if (slots[o] === h1 && slots[o + 1] === h2 && slots[o + 2] === h3) return v - 1;
  }
}

// The last fingerprint made (no array per lookup).
let h1 = 0;
let h2 = 0;
let h3 = 0;

/**
 * Three FNV-1a-style hashes over the UTF-16 code units, each from its own seed and prime, finished with
 * murmur3's mixer so that every bit depends on every character.
 */
function fingerprint(id: string, seed: number): void {
  let a = 0x811c9dc5 ^ seed;
  let b = 0x01000193 ^ Math.imul(seed, 0x9e3779b1);
  let c = 0x5bd1e995 ^ Math.imul(seed, 0x85ebca6b);
  for (let i = 0; i < id.length; i++) {
    const x = id.charCodeAt(i);
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x5bd1e995);
    c = Math.imul(c ^ x, 0x27d4eb2f);
  }
  h1 = mix(a ^ id.length);
  h2 = mix(b + id.length);
  h3 = mix(c ^ Math.imul(id.length, 0x165667b1));
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
