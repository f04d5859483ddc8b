// A sparse, symmetric item-item co-occurrence matrix updated one group at a time (an order, a visit, a
// shopper's history), with the similarity measures of Microsoft's SAR computed from it on demand.

export type Similarity = 'count' | 'jaccard' | 'lift' | 'cosine';
export const SIMILARITIES: readonly Similarity[] = ['count', 'jaccard', 'lift', 'cosine'];

export interface Scored {
  item: number;
  score: number;
}

export class CooccurrenceMatrix {
  private readonly _rows = new Map<number, Map<number, number>>();
  private readonly _occurrences: number[] = [];

  /** Items that occurred together in one group: each item and each distinct pair counts once. */
  addGroup(items: Iterable<number>): void {
    const distinct = [...new Set(items)];
    for (const item of distinct) this._occurrences[item] = (this._occurrences[item] ?? 0) + 1;
    for (let a = 0; a < distinct.length; a++) {
      for (let b = a + 1; b < distinct.length; b++) this.pair(distinct[a], distinct[b]);
    }
  }

  /** `item` joins a group that already holds `group` (a further view in the same visit). */
  join(group: Iterable<number>, item: number): void {
    this._occurrences[item] = (this._occurrences[item] ?? 0) + 1;
    for (const other of group) if (other !== item) this.pair(other, item);
  }

  occurrences(item: number): number {
    return this._occurrences[item] ?? 0;
  }

  count(a: number, b: number): number {
    if (a === b) return this.occurrences(a);
    return this._rows.get(a)?.get(b) ?? 0;
  }

  similarity(a: number, b: number, measure: Similarity): number {
    return score(this.count(a, b), this.occurrences(a), this.occurrences(b), measure);
  }

  /** Every item that co-occurred with `item` at least `minSupport` times, with its similarity, best first. */
  neighbours(item: number, measure: Similarity, minSupport = 1): Scored[] {
    const row = this._rows.get(item);
    if (!row) return [];
    const own = this.occurrences(item);
    const out: Scored[] = [];
    for (const [other, together] of row) {
      if (together < minSupport) continue;
      out.push({ item: other, score: score(together, own, this.occurrences(other), measure) });
    }
    return out.sort(byScore);
  }

  /** The raw row, for callers that combine rows themselves (for-you). */
  row(item: number): ReadonlyMap<number, number> | undefined {
    return this._rows.get(item);
  }

  /** Counts one more co-occurrence of a and b, leaving their occurrences as they are. */
  pair(a: number, b: number): void {
    this._rowOf(a).set(b, (this._rows.get(a)!.get(b) ?? 0) + 1);
    this._rowOf(b).set(a, (this._rows.get(b)!.get(a) ?? 0) + 1);
  }

  private _rowOf(item: number): Map<number, number> {
    let row = this._rows.get(item);
    if (!row) this._rows.set(item, (row = new Map()));
    return row;
  }
}

/** SAR's measures: co-occurrence count c of a and b, occurrences oa and ob of each. */
export function score(c: number, oa: number, ob: number, measure: Similarity): number {
  if (c === 0) return 0;
  switch (measure) {
    case 'count':
      return c;
    case 'jaccard':
      return c / (oa + ob - c);
    case 'lift':
      return c / (oa * ob);
    case 'cosine':
      return c / Math.sqrt(oa * ob);
  }
}

/** Best first; ties broken by the smaller index so results are deterministic. */
export function byScore(x: Scored, y: Scored): number {
  return y.score - x.score || x.item - y.item;
}
