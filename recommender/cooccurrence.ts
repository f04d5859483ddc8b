// A sparse, symmetric item-item co-occurrence matrix with the similarity measures of Microsoft's SAR.
// Built in bulk by a sort-based count over typed arrays into compressed rows (CSR), then kept current by a
// small overlay of increments that is folded into the rows when it grows: a full rebuild is a sort, and one
// new order touches only its own items.

import { byScore, type Scored } from './ranking';
import type { ScoreBoard } from './scoreboard';

export type Similarity = 'count' | 'jaccard' | 'lift' | 'cosine';
export const SIMILARITIES: readonly Similarity[] = ['count', 'jaccard', 'lift', 'cosine'];

/** Columns as 16-bit numbers while the catalog has at most 65,536 items: half the memory of the matrix. */
type Columns = Uint16Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
const columns = (items: number, length: number): Columns => (items <= 65_536 ? new Uint16Array(length) : new Int32Array(length));

/**
 * Counts are one byte: most pairs are seen together a few times. A count of SATURATED or more is SATURATED in
 * the byte and exact in a map by position (the popular pairs of a large shop, most pairs of a small one).
 */
const SATURATED = 255;

interface Compaction {
  rows: number;
  row: number;
  phase: 'size' | 'fill';
  sizes: Int32Array<ArrayBuffer>;
  ptr: Int32Array<ArrayBuffer>;
  cols: Columns;
  counts: Uint8Array<ArrayBuffer>;
  big: Map<number, number>;
}

export class CooccurrenceMatrix {
  /** Row pointers, columns (sorted within a row) and counts of the compressed rows. */
  private _ptr = new Int32Array(1);
  private _cols: Columns = new Uint16Array(0);
  private _counts = new Uint8Array(0);
  /** Exact counts of the positions whose byte is SATURATED. */
  private _big = new Map<number, number>();
  /** Increments since the rows were last built. */
  private _delta = new Map<number, Map<number, number>>();
  private _deltaSize = 0;
  /** While a compaction runs in steps: the overlay being folded in, and the rows being built. */
  private _frozen: Map<number, Map<number, number>> | null = null;
  private _next: Compaction | null = null;
  private _occurrences = new Float64Array(0);

  /**
   * Counts every distinct pair within each group at once, with no object per group or pair: each item's row
   * first gets a slot for every later member of each of its groups (a counting pass sizes the rows), each row
   * is sorted and its runs of equal partners become one column and its count; then every row is completed with
   * its earlier partners by transposing those half rows, which come out sorted. Half the pairs to sort and no
   * 64-bit keys: sorting many short rows is about twice as fast as sorting one array of pair keys.
   * One function of some 80 lines on purpose: its four passes (size, fill, sort and fold, transpose) are one
   * algorithm over a dozen typed arrays, each pass reading what the one before it left (the half rows' bounds,
   * rewritten in place by the fold); split, every piece would take half a dozen of those arrays as arguments
   * and the invariants they share would sit in no one place.
   */
  static build(groups: Iterable<Iterable<number>> | Groups): CooccurrenceMatrix {
    const g = groups instanceof Groups ? groups : Groups.of(groups);
    const { flat, ends, count } = g;
    const m = new CooccurrenceMatrix();
    const items = g.items;
    m._grow(items);
    const occurrences = m._occurrences;
    // Half row r holds one slot per (group containing r) x (later member of that group): groups are sorted,
    // so every partner in it is greater than r.
    const half = new Int32Array(items + 1);
    for (let k = 0, start = 0; k < count; start = ends[k++]) {
      const end = ends[k];
      for (let a = start; a < end; a++) {
        half[flat[a] + 1] += end - a - 1;
        occurrences[flat[a]]++;
      }
    }
    for (let r = 0; r < items; r++) half[r + 1] += half[r];
    const fill = half.slice(0, items);
    const halfCols = columns(items, half[items]);
    for (let k = 0, start = 0; k < count; start = ends[k++]) {
      const end = ends[k];
      for (let a = start; a < end - 1; a++) {
        let f = fill[flat[a]];
        for (let b = a + 1; b < end; b++) halfCols[f++] = flat[b];
        fill[flat[a]] = f;
      }
    }
    // Sort each half row and fold its runs in place (the output never overtakes the input); count how many
    // earlier partners each item has: the columns of the half rows.
    const halfCounts = new Int32Array(halfCols.length);
    const earlier = new Int32Array(items);
    const sorter = new RowSorter(items);
    let out = 0;
    let rowStart = 0;
    for (let r = 0; r < items; r++) {
      const s = rowStart;
      const e = half[r + 1];
      rowStart = e;
      half[r] = out;
      if (e - s > 1) sorter.sort(halfCols, s, e);
      for (let p = s; p < e;) {
        const c = halfCols[p];
        let q = p + 1;
        while (q < e && halfCols[q] === c) q++;
        earlier[c]++;
        halfCols[out] = c;
        halfCounts[out++] = q - p;
        p = q;
      }
    }
    half[items] = out;
    // Whole rows: the earlier partners (the half rows transposed, in order since rows are visited in order),
    // then the half row itself.
    const ptr = new Int32Array(items + 1);
    for (let r = 0; r < items; r++) ptr[r + 1] = ptr[r] + earlier[r] + half[r + 1] - half[r];
    const cols = columns(items, ptr[items]);
    const counts = new Uint8Array(ptr[items]);
    const big = m._big;
    const lower = ptr.slice(0, items);
    for (let r = 0; r < items; r++) {
      let upper = ptr[r] + earlier[r];
      for (let p = half[r]; p < half[r + 1]; p++) {
        const c = halfCols[p];
        const n = halfCounts[p];
        const low = lower[c]++;
        cols[upper] = c;
        cols[low] = r;
        if (n >= SATURATED) {
          big.set(upper, n);
          big.set(low, n);
          counts[upper++] = SATURATED;
          counts[low] = SATURATED;
        } else {
          counts[upper++] = n;
          counts[low] = n;
        }
      }
    }
    m._ptr = ptr;
    m._cols = cols;
    m._counts = counts;
    return m;
  }

  /** Items that occurred together in one group: each item and each distinct pair counts once. */
  addGroup(items: Iterable<number>): void {
    const distinct = [...new Set(items)];
    for (const item of distinct) this._bumpOccurrence(item);
    for (let a = 0; a < distinct.length; a++) {
      for (let b = a + 1; b < distinct.length; b++) this.pair(distinct[a], distinct[b]);
    }
  }

  /** `item` joins a group that already holds `group` (a further view in the same visit). */
  join(group: Iterable<number>, item: number): void {
    this._bumpOccurrence(item);
    for (const other of group) if (other !== item) this.pair(other, item);
  }

  occurrences(item: number): number {
    return this._occurrences[item] ?? 0;
  }

  count(a: number, b: number): number {
    if (a === b) return this.occurrences(a);
    return this._baseCount(a, b) + (this._frozen?.get(a)?.get(b) ?? 0) + (this._delta.get(a)?.get(b) ?? 0);
  }

  similarity(a: number, b: number, measure: Similarity): number {
    return score(this.count(a, b), this.occurrences(a), this.occurrences(b), measure);
  }

  /** Calls `fn` with each item that co-occurred with `item` and how often. */
  forEachNeighbour(item: number, fn: (other: number, together: number) => void): void {
    const delta = this._delta.get(item);
    const frozen = this._frozen?.get(item);
    if (item < this._ptr.length - 1) {
      for (let p = this._ptr[item]; p < this._ptr[item + 1]; p++) {
        const other = this._cols[p];
        fn(other, this._countAt(p) + (frozen?.get(other) ?? 0) + (delta?.get(other) ?? 0));
      }
    }
    if (frozen) for (const [other, n] of frozen) if (this._baseCount(item, other) === 0) fn(other, n + (delta?.get(other) ?? 0));
    if (delta) for (const [other, n] of delta) if (this._baseCount(item, other) === 0 && !frozen?.has(other)) fn(other, n);
  }

  /**
   * Adds weight x similarity to the board for each neighbour of `item` seen with it at least `minSupport`
   * times: the inner loop of every similarity query. On rows with no pending increments it runs with no call
   * per neighbour (a call returning a fraction would box it: a heap allocation per neighbour).
   */
  accumulate(item: number, weight: number, measure: Similarity, board: ScoreBoard, minSupport = 1): void {
    const own = this.occurrences(item);
    const occurrences = this._occurrences;
    if (this._delta.has(item) || this._frozen?.has(item)) {
      this.forEachNeighbour(item, (other, together) => {
        if (together >= minSupport) board.add(other, weight * score(together, own, occurrences[other], measure));
      });
      return;
    }
    if (item >= this._ptr.length - 1) return;
    const cols = this._cols;
    const counts = this._counts;
    const big = this._big;
    const { scores, seen, blocked, touched, stamp } = board;
    const kind = SIMILARITIES.indexOf(measure);
    let count = board.count;
    for (let p = this._ptr[item], end = this._ptr[item + 1]; p < end; p++) {
      const c = counts[p] === SATURATED ? big.get(p)! : counts[p];
      const other = cols[p];
      if (c < minSupport || blocked[other] === stamp) continue;
      if (seen[other] !== stamp) {
        seen[other] = stamp;
        scores[other] = 0;
        touched[count++] = other;
      }
      // score(), written out: c >= 1 in the rows.
      const o = occurrences[other];
      scores[other] += weight * (kind === 1 ? c / Math.max(own + o - c, c) : kind === 0 ? c : kind === 2 ? c / Math.max(own * o, c) : c / Math.sqrt(Math.max(own * o, c * c)));
    }
    board.count = count;
  }

  /** Every item that co-occurred with `item` at least `minSupport` times, with its similarity, best first. */
  neighbours(item: number, measure: Similarity, minSupport = 1): Scored[] {
    const own = this.occurrences(item);
    const out: Scored[] = [];
    this.forEachNeighbour(item, (other, together) => {
      if (together >= minSupport) out.push({ item: other, score: score(together, own, this.occurrences(other), measure) });
    });
    return out.sort(byScore);
  }

  /**
   * Counts one more co-occurrence of a and b, leaving their occurrences as they are. The increment goes to the
   * overlay; folding it into the rows is compact()'s job, on a schedule: never on a request's path.
   */
  pair(a: number, b: number): void {
    this._bumpDelta(a, b);
    this._bumpDelta(b, a);
  }

  /**
   * Takes away what `part` counted (one shopper's orders, visits or history, counted on their own), its items
   * mapped to this matrix's by `itemOf`; no count goes below zero. Each direction of a pair is taken from its
   * own row, so the matrix stays symmetric.
   */
  subtract(part: CooccurrenceMatrix, itemOf: (item: number) => number | undefined): void {
    for (let a = 0; a < part._occurrences.length; a++) {
      const mine = itemOf(a);
      if (mine === undefined || mine >= this._occurrences.length) continue;
      this._occurrences[mine] = Math.max(0, this._occurrences[mine] - part._occurrences[a]);
      part.forEachNeighbour(a, (b, together) => {
        const other = itemOf(b);
        const take = other === undefined ? 0 : Math.min(together, this.count(mine, other));
        if (take > 0) this._bumpDelta(mine, other!, -take);
      });
    }
  }

  /** Increments waiting to be folded into the rows. */
  get pending(): number {
    return this._deltaSize;
  }

  /** Bytes held by the compressed rows and occurrence counts (not the overlay). */
  get bytes(): number {
    // A map entry costs V8 about 20 bytes.
    return this._ptr.byteLength + this._cols.byteLength + this._counts.byteLength + this._big.size * 20 + this._occurrences.byteLength;
  }

  /** Folds the increments into the compressed rows at once (a pause proportional to the matrix). */
  compact(): void {
    this.startCompaction();
    while (this._next && !this.compactStep(Infinity));
  }

  /**
   * Begins folding the increments into the rows, to be carried on by compactStep() a slice at a time so no
   * single pause is long. New increments meanwhile go to a fresh overlay; reads see everything throughout.
   */
  startCompaction(): boolean {
    if (this._next || this._deltaSize === 0) return false;
    this._frozen = this._delta;
    this._delta = new Map();
    this._deltaSize = 0;
    const rows = Math.max(this._ptr.length - 1, this._occurrences.length);
    this._next = { rows, row: 0, phase: 'size', sizes: new Int32Array(rows), ptr: new Int32Array(rows + 1), cols: columns(rows, 0), counts: new Uint8Array(0), big: new Map() };
    return true;
  }

  get compacting(): boolean {
    return this._next !== null;
  }

  /** Carries the compaction on for about `budgetMs`; true once the new rows are in place. */
  compactStep(budgetMs: number): boolean {
    const c = this._next;
    if (!c) return true;
    const until = performance.now() + budgetMs;
    const baseRows = this._ptr.length - 1;
    const frozen = this._frozen!;
    while (c.row < c.rows) {
      const r = c.row++;
      const add = frozen.get(r);
      if (c.phase === 'size') {
        let extra = 0;
        if (add) for (const other of add.keys()) if (this._baseCount(r, other) === 0) extra++;
        c.sizes[r] = (r < baseRows ? this._ptr[r + 1] - this._ptr[r] : 0) + extra;
      } else {
        // Merge the row's sorted columns with its increments, sorted.
        let out = c.ptr[r];
        let p = r < baseRows ? this._ptr[r] : 0;
        const end = r < baseRows ? this._ptr[r + 1] : 0;
        const extra = add ? Float64Array.from(add.keys()).sort() : undefined;
        let q = 0;
        while (p < end || (extra && q < extra.length)) {
          const fromBase = p < end ? this._cols[p] : Infinity;
          const fromDelta = extra && q < extra.length ? extra[q] : Infinity;
          let count: number;
          if (fromBase <= fromDelta) {
            c.cols[out] = fromBase;
            count = this._countAt(p++) + (fromBase === fromDelta ? add!.get(fromDelta)! : 0);
            if (fromBase === fromDelta) q++;
          } else {
            c.cols[out] = fromDelta;
            count = add!.get(fromDelta)!;
            q++;
          }
          if (count >= SATURATED) c.big.set(out, count);
          c.counts[out++] = Math.min(count, SATURATED);
        }
      }
      // Popular items' rows are long: look at the clock after every row.
      if (performance.now() >= until) return false;
    }
    if (c.phase === 'size') {
      for (let r = 0; r < c.rows; r++) c.ptr[r + 1] = c.ptr[r] + c.sizes[r];
      c.cols = columns(c.rows, c.ptr[c.rows]);
      c.counts = new Uint8Array(c.ptr[c.rows]);
      c.phase = 'fill';
      c.row = 0;
      return this.compactStep(Math.max(0, until - performance.now()));
    }
    this._ptr = c.ptr;
    this._cols = c.cols;
    this._counts = c.counts;
    this._big = c.big;
    this._frozen = null;
    this._next = null;
    return true;
  }

  private _countAt(p: number): number {
    const c = this._counts[p];
    return c === SATURATED ? this._big.get(p)! : c;
  }

  private _baseCount(a: number, b: number): number {
    if (a >= this._ptr.length - 1) return 0;
    let lo = this._ptr[a];
    let hi = this._ptr[a + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this._cols[mid];
      if (c === b) return this._countAt(mid);
      if (c < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  private _bumpDelta(a: number, b: number, by = 1): void {
    let row = this._delta.get(a);
    if (!row) this._delta.set(a, (row = new Map<number, number>()));
    const n = row.get(b);
    if (n === undefined) this._deltaSize++;
    row.set(b, (n ?? 0) + by);
  }

  private _bumpOccurrence(item: number): void {
    if (item >= this._occurrences.length) this._grow(item + 1);
    this._occurrences[item]++;
  }

  private _grow(items: number): void {
    if (items <= this._occurrences.length) return;
    const next = new Float64Array(Math.max(items, this._occurrences.length * 2, 16));
    next.set(this._occurrences);
    this._occurrences = next;
  }
}

/** SAR's measures: co-occurrence count c of a and b, occurrences oa and ob of each. */
export function score(c: number, oa: number, ob: number, measure: Similarity): number {
  if (c === 0) return 0;
  switch (measure) {
    case 'count':
      return c;
    // Occurrences never below the pair's count (a forgotten shopper's, taken away with every count clamped at zero,
    // could leave them so): the measures stay within their ranges.
    case 'jaccard':
      return c / Math.max(oa + ob - c, c);
    case 'lift':
      return c / Math.max(oa * ob, c);
    case 'cosine':
      return c / Math.sqrt(Math.max(oa * ob, c * c));
  }
}

/**
 * Groups of items (orders, visits, shoppers' histories) in one flat array: each group sorted and without
 * repeats, nothing allocated per group. Items are added to the open group, which close() ends.
 */
export class Groups {
  flat = new Int32Array(1 << 12);
  ends = new Int32Array(1 << 10);
  length = 0;
  count = 0;
  /** The highest item seen plus one. */
  items = 0;
  private _start = 0;

  static of(groups: Iterable<Iterable<number>>): Groups {
    const g = new Groups();
    for (const group of groups) {
      for (const item of group) g.add(item);
      g.close();
    }
    return g;
  }

  /** How many items the open group holds. */
  get open(): number {
    return this.length - this._start;
  }

  /** Adds `item` to the open group (once however often it is added). */
  add(item: number): void {
    if (this.length === this.flat.length) this.flat = grownInts(this.flat);
    const flat = this.flat;
    // Insertion into the group's sorted run: groups are small.
    let i = this.length;
    while (i > this._start && flat[i - 1] > item) i--;
    if (i > this._start && flat[i - 1] === item) return;
    for (let j = this.length; j > i; j--) flat[j] = flat[j - 1];
    flat[i] = item;
    this.length++;
    if (item >= this.items) this.items = item + 1;
  }

  /** Ends the open group; an empty one is not kept. */
  close(): void {
    if (this.length === this._start) return;
    if (this.count === this.ends.length) this.ends = grownInts(this.ends);
    this.ends[this.count++] = this.length;
    this._start = this.length;
  }
}

/** A copy of `a` with half as much room again. */
export function grownInts(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(Math.ceil(a.length * 1.5) + 16);
  next.set(a);
  return next;
}

/**
 * Sorts runs of a columns array in place: insertion sort for short runs, else a least-significant-digit radix
 * sort in two passes over half the bits of the largest column each (the catalog's size). Many short rows, so
 * a native sort's call and its n log n both cost more than the two passes.
 */
class RowSorter {
  private readonly _shift: number;
  private readonly _mask: number;
  private readonly _counts: Int32Array<ArrayBuffer>;
  private _scratch: Int32Array<ArrayBuffer> = new Int32Array(1024);

  constructor(items: number) {
    const bits = Math.max(2, Math.ceil(Math.log2(Math.max(items, 2))));
    this._shift = Math.ceil(bits / 2);
    this._mask = (1 << this._shift) - 1;
    this._counts = new Int32Array(2 * (this._mask + 1) + 1);
  }

  sort(a: Columns, from: number, to: number): void {
    const n = to - from;
    if (n <= 32) {
      for (let i = from + 1; i < to; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= from && a[j] > v) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    if (this._scratch.length < n) this._scratch = new Int32Array(Math.max(n, this._scratch.length * 2));
    const tmp = this._scratch;
    const shift = this._shift;
    const mask = this._mask;
    const radix = mask + 1;
    const counts = this._counts;
    counts.fill(0);
    // counts[1 + d] for the low digit, counts[radix + 1 + d] for the high one
    for (let i = from; i < to; i++) {
      const v = a[i];
      counts[1 + (v & mask)]++;
      counts[radix + 1 + (v >>> shift)]++;
    }
    for (let d = 0; d < radix - 1; d++) counts[d + 1] += counts[d];
    counts[radix] = 0;
    for (let d = radix; d < 2 * radix - 1; d++) counts[d + 1] += counts[d];
    for (let i = from; i < to; i++) {
      const v = a[i];
      tmp[counts[v & mask]++] = v;
    }
    for (let i = 0; i < n; i++) {
      const v = tmp[i];
      a[from + counts[radix + (v >>> shift)]++] = v;
    }
  }
}
