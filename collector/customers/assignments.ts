// Each customer's segment as of a refit, by their index among the people (the index the models share), in a
// paged column: a Map of a million ids took most of a second to build, much of it in rehashes that no slice
// could split, every request waiting. A refit hands its rows' indices and segments over as they are.

import { int32Column, type IdIndex } from '../../recommender';
import type { Assignments } from '../store/store';

/** Customers placed per slice. */
const PER_SLICE = 65_536;

export class SegmentAssignments implements Assignments {
  /** The segment id + 1 by person index; 0 for a person the refit did not place. */
  private readonly _column = int32Column();
  private _size = 0;

  private constructor(private readonly _people: Pick<IdIndex, 'get' | 'id'>) {}

  /** `segments[i]` is the segment of the person at index `indices[i]`; placed a slice at a time, `pause()` between. */
  static async of(people: Pick<IdIndex, 'get' | 'id'>, indices: Int32Array, segments: Int32Array, pause = () => new Promise<void>((resolve) => setImmediate(resolve))): Promise<SegmentAssignments> {
    const placed = new SegmentAssignments(people);
    for (let from = 0; from < indices.length; from += PER_SLICE) {
      if (from > 0) await pause();
      for (let i = from; i < Math.min(indices.length, from + PER_SLICE); i++) {
        placed._column.ensure(indices[i]);
        placed._column.set(indices[i], segments[i] + 1);
      }
    }
    placed._size = indices.length;
    return placed;
  }

  get size(): number {
    return this._size;
  }

  get(customerId: string): number | undefined {
    const index = this._people.get(customerId);
    if (index === undefined || index >= this._column.length) return undefined;
    const placed = this._column.get(index);
    return placed === 0 ? undefined : placed - 1;
  }

  /** Leaves a customer out (deleted on request). */
  delete(customerId: string): void {
    const index = this._people.get(customerId);
    if (index === undefined || index >= this._column.length || this._column.get(index) === 0) return;
    this._column.set(index, 0);
    this._size--;
  }

  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let i = 0; i < this._column.length; i++) {
      const placed = this._column.get(i);
      if (placed !== 0) yield [this._people.id(i), placed - 1];
    }
  }
}
