// One experiment's exposed visitors: the variant each first saw and when, and the orders they placed after it.
// Kept in paged columns by row, a row per visitor and a row index per person (the people's shared IdIndex), so a
// million exposures are a few typed arrays, not a million objects.

import type { IdIndex } from '../ids';
import { float64Column, int32Column, uint8Column } from '../paged';

/** A row merged into another (a visitor who turned out to be a user exposed before): its orders are the other's. */
const MERGED = 255;
/** A row of a person forgotten on request: left out of every count, as their orders are. */
const FORGOTTEN = 254;

export class ExposureLedger {
  /** By person index: the row + 1 (0: not exposed). */
  private readonly _rowOf = int32Column();
  private readonly _person = int32Column();
  private readonly _variant = uint8Column();
  private readonly _at = float64Column();
  /** A merged row's row, so that orders kept under it count for the one it joined. */
  private readonly _into = int32Column();
  private readonly _orderRow = int32Column();
  private readonly _orderAt = float64Column();
  private readonly _orderRevenue = float64Column();
  private _rows = 0;
  private _visitors = 0;
  private _orders = 0;

  /** `until`: orders after it (the experiment stopped) do not count. */
  constructor(
    private readonly _people: IdIndex,
    public until = Infinity,
  ) {}

  /** Exposed visitors. */
  get size(): number {
    return this._visitors;
  }

  /** Records a person's first exposure; false (and nothing changes) when they were exposed before. */
  expose(personId: string, variant: number, at: number): boolean {
    const p = this._people.intern(personId);
    this._rowOf.ensure(p);
    if (this._rowOf.get(p) !== 0) return false;
    const r = this._rows++;
    for (const c of [this._person, this._variant, this._at, this._into]) c.ensure(r);
    this._person.set(r, p);
    this._variant.set(r, variant);
    this._at.set(r, at);
    this._rowOf.set(p, r + 1);
    this._visitors++;
    return true;
  }

  /** The variant a person was first exposed to, or -1. */
  variantOf(personId: string): number {
    const r = this._row(personId);
    return r < 0 ? -1 : this._variant.get(r);
  }

  /** An order of a person: counted when they were exposed before it and the experiment had not stopped. */
  order(personId: string, at: number, revenue: number): void {
    const r = this._row(personId);
    if (r < 0 || at < this._at.get(r) || at > this.until) return;
    const o = this._orders++;
    for (const c of [this._orderRow, this._orderAt, this._orderRevenue]) c.ensure(o);
    this._orderRow.set(o, r);
    this._orderAt.set(o, at);
    this._orderRevenue.set(o, Number.isFinite(revenue) ? revenue : 0);
  }

  /**
   * One person's history joins another's (an anonymous visitor identified as a user): the earlier exposure is
   * the person's, and the other's orders after it count for them too.
   */
  merge(fromId: string, intoId: string): void {
    const from = this._row(fromId);
    if (from < 0 || fromId === intoId) return;
    const p = this._people.intern(intoId);
    this._rowOf.ensure(p);
    this._rowOf.set(this._person.get(from), 0);
    const into = this._rowOf.get(p) - 1;
    if (into < 0) {
      this._person.set(from, p);
      this._rowOf.set(p, from + 1);
      return;
    }
    const [kept, gone] = this._at.get(from) < this._at.get(into) ? [from, into] : [into, from];
    this._variant.set(gone, MERGED);
    this._into.set(gone, kept);
    this._person.set(kept, p);
    this._rowOf.set(p, kept + 1);
    this._visitors--;
  }

  /** Leaves a person out of the experiment (deleted on request): their exposure and orders count no more. */
  forget(personId: string): void {
    const r = this._row(personId);
    if (r < 0) return;
    this._variant.set(r, FORGOTTEN);
    this._rowOf.set(this._person.get(r), 0);
    this._visitors--;
  }

  /** Every live row (variant, exposure time, person index) and every counted order (row, time, revenue). */
  read(): ExposureData {
    const rows = this._rows;
    const variant = new Uint8Array(rows);
    const at = new Float64Array(rows);
    const person = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      variant[r] = this._variant.get(r);
      at[r] = this._at.get(r);
      person[r] = this._person.get(r);
    }
    const n = this._orders;
    const orderRow = new Int32Array(n);
    const orderAt = new Float64Array(n);
    const orderRevenue = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      let r = this._orderRow.get(o);
      while (variant[r] === MERGED) r = this._into.get(r);
      orderRow[o] = r;
      orderAt[o] = this._orderAt.get(o);
      orderRevenue[o] = this._orderRevenue.get(o);
    }
    return { variant, at, person, orderRow, orderAt, orderRevenue };
  }

  private _row(personId: string): number {
    const p = this._people.get(personId);
    return p === undefined || p >= this._rowOf.length ? -1 : this._rowOf.get(p) - 1;
  }
}

/** An experiment's exposures as flat arrays: rows of variant `MERGED_ROW` (or above the variants) are left out of every count. */
export interface ExposureData {
  variant: Uint8Array;
  at: Float64Array;
  person: Int32Array;
  orderRow: Int32Array;
  orderAt: Float64Array;
  orderRevenue: Float64Array;
}

export const MERGED_ROW = MERGED;
