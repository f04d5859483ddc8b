// What the SQLite store knows of its own condition, kept in memory so that /health answers at once, even while
// a full disk holds every write back: which writes fail and why, and the damage found in its ingest journal
// (each told in the log once, with where its segment is kept). A segment kept aside is told at every start
// until the operator removes it: what the damage took is written beside it (<name>.json), as no later run
// reads the segment again.

import fs from 'node:fs';
import path from 'node:path';
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
    const entry = { segment, keptAs: null, offset, skippedBytes, records, atEnd, foundAt: new Date().toISOString() };
    this._damaged.push(entry);
    this._log(`${describe(entry)}; the records after it were read, and the segment is kept for inspection`);
    return true;
  }

  /** A damaged segment renamed beside the others, out of the journal's way. */
  keptAside(segment: number, name: string): void {
    const kept = this._damaged.filter((d) => d.keptAs === null && d.segment === segmentName(segment));
    for (const d of kept) d.keptAs = name;
    this._log(`the damaged journal segment ${segmentName(segment)} is kept as ${this._journal}/${name}`);
    try {
      fs.writeFileSync(path.join(this._journal, `${name}.json`), JSON.stringify(kept));
    } catch (error) {
      // A full disk, say: the segment is still told at the next start, without what the damage took.
      this._log(`could not record what the damage in ${name} took: ${(error as Error).message}`);
    }
  }

  /** The segments an earlier run kept aside and the operator has not removed yet, told again. */
  keptEarlier(): void {
    const names = fs.existsSync(this._journal) ? fs.readdirSync(this._journal).filter((name) => name.endsWith('.damaged')) : [];
    for (const name of names.sort()) {
      const told = readTold(path.join(this._journal, `${name}.json`));
      this._damaged.push(...(told ?? [untold(name, fs.statSync(path.join(this._journal, name)))]));
    }
  }

  private get _journal(): string {
    return `${this._database}.journal`;
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

/** What a kept segment's damage took, as written beside it; null when it is missing or unreadable. */
function readTold(file: string): DamagedSegment[] | null {
  try {
    const told = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(told) && told.length > 0 ? (told as DamagedSegment[]) : null;
  } catch {
    return null;
  }
}

/** A kept segment whose damage was not written down: told as kept, since when, and nothing more. */
function untold(name: string, stat: fs.Stats): DamagedSegment {
  const segment = name.slice(0, name.indexOf('.log') + 4);
  return { segment, keptAs: name, offset: null, skippedBytes: null, records: null, atEnd: null, foundAt: stat.mtime.toISOString() };
}

function describe(d: DamagedSegment): string {
  if (d.offset === null) return `journal segment ${d.segment} is damaged (what the damage took was not recorded), kept as ${d.keptAs}`;
  const what = `${d.records} record${d.records === 1 ? '' : 's'} (${d.skippedBytes} bytes)`;
  const where = `journal segment ${d.segment} is damaged at offset ${d.offset}: ${what} skipped`;
  const kept = d.keptAs ? `, kept as ${d.keptAs}` : '';
  // A write that a crash cut short leaves the same, and was never acknowledged: the operator should know it may be that.
  return `${where}${d.atEnd ? ' to the end of the segment (a crash mid-write leaves that too)' : ''}${kept}`;
}
