// The ingest journal: an append-only log of what ingest writes (validated event batches, quarantined events,
// identity links, slot statistics), made durable before a request is answered. Appending a request's record
// costs one memory copy; requests that arrive together share one write and one fdatasync, both done off the
// main thread. The SQLite tables are filled from it behind (journal-worker.ts), and rebuilt from it after a
// crash, so the journal is where an acknowledged event lives until the database has it.
//
// Files: <database>.journal/<segment>.log, segments of about 64 MB, records laid out as journal-format.ts says.
// A record cut short by a crash, or damaged, is skipped: reading goes on at the next whole record, the damage
// is told, and the segment is kept aside as <segment>.log.damaged instead of being deleted.

import fs from 'node:fs';
import path from 'node:path';
import { decodeAt, encodeRecord, markersIn, nextRecordAt } from './journal-format';

/** Where a record ends, as one number: segment * 2^32 + byte offset in the segment. */
export type JournalPosition = number;

const SPLIT = 4294967296;
export const positionOf = (segment: number, offset: number): JournalPosition => segment * SPLIT + offset;
export const segmentOf = (p: JournalPosition) => Math.floor(p / SPLIT);
export const offsetOf = (p: JournalPosition) => p % SPLIT;

const SEGMENT_NAME = /^(\d{8})\.log$/;
export const segmentName = (segment: number) => `${String(segment).padStart(8, '0')}.log`;
const segmentFile = (dir: string, segment: number) => path.join(dir, segmentName(segment));

/** The segments in a journal folder, oldest first. */
export function segmentsIn(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export interface JournalRecord {
  header: Record<string, unknown>;
  body?: Buffer;
  /** Where this record ends. */
  end: JournalPosition;
}

/** Bytes of a segment that hold no whole record, from `offset`: what reading skipped. */
export interface JournalDamage {
  segment: number;
  offset: number;
  skippedBytes: number;
  /** Record markers among them: how many records the damage took, at least (version 1 records have none). */
  records: number;
  /** No whole record follows in the segment (what a write cut short by a crash leaves too, unacknowledged). */
  atEnd: boolean;
  /** Where reading went on. */
  resume: JournalPosition;
}

export interface ReadOptions {
  /** A position some writer reported as written: nothing after it is read. */
  until?: JournalPosition;
  chunkBytes?: number;
  /** Told of each damage, before the records after it are given. */
  damaged?: (damage: JournalDamage) => void;
}

/**
 * Reads the records after `from`, up to `until`, in chunks of about `chunkBytes`: what the worker applies and
 * what start-up replays.
 */
export function* readRecords(dir: string, from: JournalPosition, { until = Infinity, chunkBytes = 4 << 20, damaged = () => {} }: ReadOptions = {}): Generator<JournalRecord[]> {
  for (const segment of segmentsIn(dir)) {
    if (segment < segmentOf(from) || positionOf(segment, 0) > until) continue;
    const fd = fs.openSync(segmentFile(dir, segment), 'r');
    try {
      const start = segment === segmentOf(from) ? offsetOf(from) : 0;
      const end = Math.min(segment === segmentOf(until) ? offsetOf(until) : Infinity, fs.fstatSync(fd).size);
      yield* segmentRecords(fd, segment, start, end, chunkBytes, damaged);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The records of one segment from `offset` to `end`; damage is skipped and told. */
function* segmentRecords(fd: number, segment: number, offset: number, end: number, chunkBytes: number, damaged: (damage: JournalDamage) => void): Generator<JournalRecord[]> {
  let size = chunkBytes;
  while (offset < end) {
    const want = Math.min(size, end - offset);
    const bytes = readAt(fd, offset, want);
    if (bytes.length === 0) return;
    // Bytes left over at the end of what may be read are a record that will never be whole.
    const toEnd = bytes.length < want || want === end - offset;
    const { records, used, bad } = decodeRecords(bytes, segment, offset);
    offset += used;
    if (records.length) yield records;
    if (bad || (toEnd && used < bytes.length)) {
      offset = skipDamage(fd, segment, offset, end, damaged);
      size = chunkBytes;
    } else if (used === 0) size *= 2; // a record larger than the buffer
  }
}

/** The whole records at the start of `bytes` (read from `segment` at `offset`), and whether a bad one ended them. */
function decodeRecords(bytes: Buffer, segment: number, offset: number): { records: JournalRecord[]; used: number; bad: boolean } {
  const records: JournalRecord[] = [];
  for (let at = 0; ;) {
    const record = decodeAt(bytes, at);
    if (typeof record !== 'object') return { records, used: at, bad: record === 'bad' };
    at = record.next;
    records.push({ header: record.header, body: record.body, end: positionOf(segment, offset + at) });
  }
}

/** Tells the damage at `offset` and returns where the next whole record starts (else `end`). */
function skipDamage(fd: number, segment: number, offset: number, end: number, damaged: (damage: JournalDamage) => void): number {
  // The rest of the segment in one read (64 MB at most): damage is rare, and the record after it may be large.
  const rest = readAt(fd, offset, end - offset);
  const found = nextRecordAt(rest, 0);
  const skippedBytes = found === -1 ? rest.length : found;
  const resume = offset + skippedBytes;
  damaged({ segment, offset, skippedBytes, records: markersIn(rest.subarray(0, skippedBytes)), atEnd: found === -1, resume: positionOf(segment, resume) });
  return resume;
}

/** `length` bytes at `offset`, fewer where the file ends; a buffer of its own, as the records kept are views of it. */
function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  return buffer.subarray(0, fs.readSync(fd, buffer, 0, length, offset));
}

/** Renames a damaged segment to <segment>.log.damaged (a free name), for inspection; returns the name. */
export function keepAside(dir: string, segment: number): string {
  let name = `${segmentName(segment)}.damaged`;
  for (let n = 2; fs.existsSync(path.join(dir, name)); n++) name = `${segmentName(segment)}.${n}.damaged`;
  fs.renameSync(segmentFile(dir, segment), path.join(dir, name));
  return name;
}

export interface JournalOptions {
  /** fdatasync before a record counts as written (survives a power cut); else it survives the process. */
  sync: boolean;
  segmentBytes?: number;
}

interface Pending {
  buffers: Buffer[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Journal {
  private readonly _sync: boolean;
  private readonly _segmentBytes: number;
  private _segment: number;
  private _offset = 0;
  private _fd: number;
  private _pending: Pending[] = [];
  private _scheduled = false;
  private _writing = false;
  private _idle: (() => void)[] = [];
  private _closed = false;
  private readonly _damaged = new Set<number>();
  /** Called with the position up to which records are written (and synced), after each write. */
  onWritten: (position: JournalPosition) => void = () => {};
  /** Called when a damaged segment is kept aside, with the name it is kept under. */
  onKeptAside: (segment: number, name: string) => void = () => {};

  /** Starts a fresh segment after the newest in `dir`: a segment is only ever appended to by one opening. */
  constructor(
    private readonly _dir: string,
    options: JournalOptions,
  ) {
    this._sync = options.sync;
    this._segmentBytes = options.segmentBytes ?? 64 << 20;
    fs.mkdirSync(_dir, { recursive: true });
    this._segment = (segmentsIn(_dir).at(-1) ?? 0) + 1;
    this._fd = this._create(this._segment);
  }

  /** Where the next record will start; everything before it is written once the journal is idle. */
  get position(): JournalPosition {
    return positionOf(this._segment, this._offset);
  }

  get segment(): number {
    return this._segment;
  }

  /** Appends a record; resolves once it is written (and synced): then the caller may acknowledge it. */
  append(header: Record<string, unknown>, body?: Buffer): Promise<void> {
    if (this._closed) return Promise.reject(new Error('journal closed'));
    return new Promise((resolve, reject) => {
      this._pending.push({ buffers: encodeRecord(header, body), resolve, reject });
      if (!this._scheduled && !this._writing) {
        this._scheduled = true;
        setImmediate(() => this._flush());
      }
    });
  }

  /** Resolves when every record appended so far is written. */
  idle(): Promise<void> {
    if (!this._writing && !this._scheduled && this._pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this._idle.push(resolve));
  }

  /**
   * The next record goes to a new segment: what is written so far can then be removed with its segment, once
   * the tables hold it (a deletion clears the journal of a person's records so).
   */
  startNewSegment(): void {
    this._offset = Math.max(this._offset, this._segmentBytes);
  }

  /** A segment reading found damage in: when its turn to go comes, it is kept aside, not deleted. */
  markDamaged(segment: number): void {
    this._damaged.add(segment);
  }

  /** Deletes the segments before `segment` (their records are in the database); the open one once closed. */
  removeBefore(segment: number): void {
    for (const s of segmentsIn(this._dir)) {
      if (s >= segment || (s === this._segment && !this._closed)) continue;
      if (this._damaged.delete(s)) this.onKeptAside(s, keepAside(this._dir, s));
      else fs.rmSync(segmentFile(this._dir, s), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.idle();
    this._closed = true;
    fs.closeSync(this._fd);
  }

  private _create(segment: number): number {
    // O_DSYNC: each write returns once its bytes are on the device, one trip to the thread pool, not two.
    const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_DSYNC } = fs.constants;
    const file = segmentFile(this._dir, segment);
    const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | (this._sync ? O_DSYNC : 0), 0o644);
    try {
      if (this._sync) syncFolder(this._dir);
    } catch (error) {
      // Gone again, so that the next attempt (after a full disk, say) may create it.
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw error;
    }
    return fd;
  }

  /** Goes on in a new segment, between writes, so a record never spans two. */
  private _rotate(): void {
    const fd = this._create(this._segment + 1);
    fs.closeSync(this._fd);
    this._fd = fd;
    this._segment++;
    this._offset = 0;
  }

  /**
   * After a failed write, cuts off what it left, so the next record follows the last whole one: while a disk
   * stays full, a new segment for every failed write would leave thousands of files. If even that fails, later
   * records go to a new segment.
   */
  private _cutBack(): void {
    try {
      fs.ftruncateSync(this._fd, this._offset);
    } catch {
      this._offset = this._segmentBytes;
    }
  }

  private _flush(): void {
    this._scheduled = false;
    if (this._pending.length === 0) {
      for (const resolve of this._idle.splice(0)) resolve();
      return;
    }
    const group = this._pending;
    this._pending = [];
    if (this._offset >= this._segmentBytes) {
      try {
        this._rotate();
      } catch (error) {
        // No new segment (a full disk may refuse even an empty file): the group fails, the next one tries again.
        for (const p of group) p.reject(error);
        return this._flush();
      }
    }
    this._writing = true;
    // One buffer for the group: a copy costs less than handing the kernel a vector of hundreds.
    const parts = group.flatMap((p) => p.buffers);
    const bytes = parts.reduce((n, b) => n + b.length, 0);
    const buffers = [Buffer.concat(parts, bytes)];
    const done = (error: unknown) => {
      this._writing = false;
      if (error) {
        // Nothing of the group is acknowledged, and the segment may hold part of it.
        for (const p of group) p.reject(error);
        this._cutBack();
      } else {
        this._offset += bytes;
        for (const p of group) p.resolve();
        this.onWritten(this.position);
      }
      this._flush();
    };
    writeAll(this._fd, buffers, done);
  }
}

/** fs.writev in runs the kernel accepts, until every byte is written. */
function writeAll(fd: number, buffers: Buffer[], callback: (error: unknown) => void): void {
  const run = buffers.splice(0, 512);
  if (run.length === 0) return callback(null);
  const want = run.reduce((n, b) => n + b.length, 0);
  fs.writev(fd, run, (error, written) => {
    if (error) return callback(error);
    if (written < want) {
      // A short write: put back what is left of the run.
      let skip = written;
      while (skip >= run[0].length) skip -= run.shift()!.length;
      run[0] = run[0].subarray(skip);
      buffers.unshift(...run);
    }
    writeAll(fd, buffers, callback);
  });
}

function syncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Takes the journal folder for this process (a lock file naming its pid), or reports the live process that
 * holds it: only one process may append to a journal, and start-up replays it only when nobody else does.
 */
export function lockJournal(dir: string): { locked: true; release: () => void } | { locked: false; holder: number } {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return { locked: true, release: () => fs.rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder > 0 && isAlive(holder)) return { locked: false, holder };
      fs.rmSync(file, { force: true }); // left by a process that died
    }
  }
  return { locked: false, holder: Number(fs.readFileSync(file, 'utf8')) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
