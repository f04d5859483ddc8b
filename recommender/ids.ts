// Maps outside ids (product SKUs, customer ids) to dense integer indices before any math, as SAR does.
// An open-addressing table of (hash, index) pairs in one Int32Array: a lookup reads one cache line of the
// table and, on a hash match, the id itself. About twice as fast as a Map<string, number> when the ids
// arrive as fresh strings (from a database scan or a request), whose hash V8 has not computed yet.

export class IdIndex {
  /** Slot b holds the id's hash at 2b and its index + 1 at 2b + 1 (0: empty). */
  private _slots = new Int32Array(2 * 1024);
  private _mask = 1023;
  private readonly _ids: string[] = [];
  /** Per table, so ids crafted to collide (shoppers' ids come from browsers) cannot be computed in advance. */
  private readonly _seed = (Math.random() * 0x100000000) | 0;

  /** The index of `id`, assigning the next one if it is new. */
  intern(id: string): number {
    const h = hashOf(id, this._seed);
    const slots = this._slots;
    let b = h & this._mask;
    for (; ; b = (b + 1) & this._mask) {
      const v = slots[2 * b + 1];
      if (v === 0) break;
      if (slots[2 * b] === h && this._ids[v - 1] === id) return v - 1;
    }
    const index = this._ids.length;
    this._ids.push(id);
    slots[2 * b] = h;
    slots[2 * b + 1] = index + 1;
    if (this._ids.length * 2 > this._mask + 1) this._grow();
    return index;
  }

  get(id: string): number | undefined {
    const h = hashOf(id, this._seed);
    const slots = this._slots;
    for (let b = h & this._mask; ; b = (b + 1) & this._mask) {
      const v = slots[2 * b + 1];
      if (v === 0) return undefined;
      if (slots[2 * b] === h && this._ids[v - 1] === id) return v - 1;
    }
  }

  id(index: number): string {
    return this._ids[index];
  }

  get size(): number {
    return this._ids.length;
  }

  private _grow(): void {
    const old = this._slots;
    this._mask = this._mask * 2 + 1;
    const slots = new Int32Array(2 * (this._mask + 1));
    for (let b = 0; b < old.length / 2; b++) {
      const v = old[2 * b + 1];
      if (v === 0) continue;
      let c = old[2 * b] & this._mask;
      while (slots[2 * c + 1] !== 0) c = (c + 1) & this._mask;
      slots[2 * c] = old[2 * b];
      slots[2 * c + 1] = v;
    }
    this._slots = slots;
  }
}

/** FNV-1a over the UTF-16 code units from a seed, finished so the low bits (the bucket) depend on every character. */
function hashOf(id: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
