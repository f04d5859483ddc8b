// Scratch space for one query at a time: a dense score per item and the list of items scored so far. Reused
// between queries, so a query that walks rows of tens of thousands of neighbours allocates nothing in
// proportion to them (an array that large would go straight to the old generation and cost a major GC).

import { byScore, type Scored } from './ranking';

export class ScoreBoard {
  scores = new Float64Array(0);
  /** The items scored in this query, first touch order; `count` of them. */
  touched = new Int32Array(0);
  count = 0;
  /** seen[item] === stamp: scored in this query; blocked[item] === stamp: not to be scored. */
  seen = new Int32Array(0);
  blocked = new Int32Array(0);
  stamp = 0;
  private readonly _heap = new Float64Array(1024);

  /** Starts a query over `items` items. */
  begin(items: number): void {
    if (this.scores.length < items) {
      const n = Math.max(items, this.scores.length * 2, 64);
      this.scores = new Float64Array(n);
      this.touched = new Int32Array(n);
      this.seen = new Int32Array(n);
      this.blocked = new Int32Array(n);
    }
    this.count = 0;
    this.stamp++;
  }

  /** Keeps `item` out of this query's results. */
  block(item: number): void {
    this.blocked[item] = this.stamp;
  }

  add(item: number, value: number): void {
    if (this.blocked[item] === this.stamp) return;
    if (this.seen[item] !== this.stamp) {
      this.seen[item] = this.stamp;
      this.scores[item] = 0;
      this.touched[this.count++] = item;
    }
    this.scores[item] += value;
  }

  /**
   * The best items, best first; when there are many, only those at or above the score of the (want x 2)-th
   * best, found with a small min-heap in one pass, are sorted (callers ask for more than they show, to leave room
   * for their filters). `complete` tells whether that is everything.
   */
  top(want: number): { ranked: Scored[]; complete: boolean } {
    const keep = Math.min(Math.max(want * 2, 32), this._heap.length);
    if (this.count <= keep * 4) return { ranked: this.all(), complete: true };
    const threshold = this._kthLargest(keep);
    const ranked: Scored[] = [];
    for (let i = 0; i < this.count; i++) {
      const item = this.touched[i];
      if (this.scores[item] >= threshold) ranked.push({ item, score: this.scores[item] });
    }
    return { ranked: ranked.sort(byScore), complete: false };
  }

  /** Every scored item, best first. */
  all(): Scored[] {
    const ranked: Scored[] = [];
    for (let i = 0; i < this.count; i++) ranked.push({ item: this.touched[i], score: this.scores[this.touched[i]] });
    return ranked.sort(byScore);
  }

  private _kthLargest(k: number): number {
    const heap = this._heap;
    let size = 0;
    for (let t = 0; t < this.count; t++) {
      const v = this.scores[this.touched[t]];
      if (size < k) {
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (heap[parent] <= v) break;
          heap[i] = heap[parent];
          i = parent;
        }
        heap[i] = v;
      } else if (v > heap[0]) {
        // Replace the smallest and sift down.
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const c = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
          if (heap[c] >= v) break;
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = v;
      }
    }
    return heap[0];
  }
}
