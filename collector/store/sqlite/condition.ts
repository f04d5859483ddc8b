// What the SQLite store knows of its own condition, kept in memory so that /health answers at once, even while
// a full disk holds every write back: which writes fail and why, and the damage found in its ingest journal
// (each told in the log once, with where its segment is kept).

import { StorageUnavailable, type DamagedSegment, type StoreCondition } from '../store';
import { segmentName, type JournalDamage } from './journal';
import { storageFailureOf } from './storage-failure';

/** What can fail to be written: the ingest journal, or the tables (by the journal's worker, or directly). */
export type WrittenPart = 'journal' | 'tables';

export class Condition {
  private readonly _damaged: DamagedSegment[] = [];
  private readonly _failing = new Map<WrittenPart, string>();

  constructor(
    private readonly _database: string,
    private readonly _log: (message: string) => void,
  ) {}

  /** Records damage that reading skipped; false when it was told already (the worker reads again after a failure). */
  damaged(damage: JournalDamage): boolean {
    const segment = segmentName(damage.segment);
    // A segment kept aside already is out of reading's way: a segment of the same number now is another file.
    if (this._damaged.some((d) => d.keptAs === null && d.segment === segment && d.offset === damage.offset)) return false;
    const { offset, skippedBytes, records, atEnd } = damage;
    const entry = { segment, keptAs: null, offset, skippedBytes, records, atEnd };
    this._damaged.push(entry);
    this._log(`${describe(entry)}; the records after it were read, and the segment is kept for inspection`);
    return true;
  }

  /** A damaged segment renamed beside the others, out of the journal's way. */
  keptAside(segment: number, name: string): void {
    for (const d of this._damaged) if (d.keptAs === null && d.segment === segmentName(segment)) d.keptAs = name;
    this._log(`the damaged journal segment ${segmentName(segment)} is kept as ${this._database}.journal/${name}`);
  }

  /** Writes to `part` fail for `reason` (told once), or succeed again (null). */
  failing(part: WrittenPart, reason: string | null): void {
    if (reason === null) {
      if (this._failing.delete(part)) this._log(`the ${part} of ${this._database} can be written again`);
    } else if (this._failing.get(part) !== reason) {
      this._failing.set(part, reason);
      this._log(`the ${part} of ${this._database} cannot be written: ${reason}`);
    }
  }

  /** A write to `part` failed: what its caller should hear, StorageUnavailable when the disk failed it. */
  failed(part: WrittenPart, error: unknown): unknown {
    const reason = storageFailureOf(error);
    if (!reason) return error;
    this.failing(part, reason);
    return this.unavailable(part)!;
  }

  /** StorageUnavailable while writes to `part` fail, else null. */
  unavailable(part: WrittenPart): StorageUnavailable | null {
    const reason = this._failing.get(part);
    return reason === undefined ? null : new StorageUnavailable(`the ${part} cannot be written: ${reason}`);
  }

  get(): StoreCondition {
    const damaged = this._damaged.map((d) => ({ ...d }));
    const failing = [...this._failing].map(([part, reason]) => `the ${part} cannot be written: ${reason}`);
    return { unwritable: failing[0] ?? null, problems: [...failing, ...damaged.map(describe)], journal: { damaged } };
  }
}

function describe(d: DamagedSegment): string {
  const what = `${d.records} record${d.records === 1 ? '' : 's'} (${d.skippedBytes} bytes)`;
  const where = `journal segment ${d.segment} is damaged at offset ${d.offset}: ${what} skipped`;
  const kept = d.keptAs ? `, kept as ${d.keptAs}` : '';
  // A write that a crash cut short leaves the same, and was never acknowledged: the operator should know it may be that.
  return `${where}${d.atEnd ? ' to the end of the segment (a crash mid-write leaves that too)' : ''}${kept}`;
}
