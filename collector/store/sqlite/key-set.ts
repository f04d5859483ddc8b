// The messageId of every stored event, as 64-bit fingerprints in an open-addressing table, each with the
// second of the event's timestamp: 12 bytes a slot, filled to at most 70%, so about 17 bytes an event. A
// fingerprint says "seen" with a chance of about one in 2^64 of being wrong, and the store checks every "seen"
// against its tables (at that second, through the index on (timestamp, message_id)) before calling an event a
// duplicate, so the answer is exact; "new" is always right. The table can be saved to a file and loaded back
// (reading a million keys from the database takes seconds; the file, milliseconds).

import fs from 'node:fs';

const EMPTY = 0;
const MAX_LOAD = 0.7;

// The last fingerprint made, in two halves (no array made per key).
let fpHi = 0;
let fpLo = 0;

/** Two independent 32-bit FNV-1a hashes of the id, mixed; neither is ever 0 (0 marks an empty slot). */
function fingerprint(messageId: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < messageId.length; i++) {
    const c = messageId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a ^= a >>> 15;
  a = Math.imul(a, 0x2c1b3c6d);
  a ^= a >>> 12;
  b ^= b >>> 13;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 16;
  fpHi = a >>> 0 || 1;
  fpLo = b >>> 0 || 1;
}

// 002: keyed by messageId alone, with the second of each (a 001 file is read from the table again).
const MAGIC = 'PKEYS002';
const HEADER_BYTES = 24;

// Slots moved from the old table to the new one with each key added while the table grows: growing never
// stops a request for longer than a few microseconds, however many keys there are.
const MOVES_PER_ADD = 8;

export class KeySet {
  private _hi: Uint32Array;
  private _lo: Uint32Array;
  /** The second (since the epoch) of each slot's event. */
  private _sec: Uint32Array;
  /** The table being emptied into the new one while it grows, and how far that has got. */
  private _oldHi: Uint32Array | null = null;
  private _oldLo: Uint32Array | null = null;
  private _oldSec: Uint32Array | null = null;
  private _moved = 0;
  private _size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity * MAX_LOAD < expected) capacity *= 2;
    this._hi = new Uint32Array(capacity);
    this._lo = new Uint32Array(capacity);
    this._sec = new Uint32Array(capacity);
  }

  get size(): number {
    return this._size;
  }

  /**
   * The table as a file's bytes, with `mark` (what it covers: the store's last row id): the old table is
   * emptied into the new one first if the table is growing.
   */
  save(file: string, mark: number): void {
    const parts = this._snapshot(mark, false);
    const temporary = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(temporary, 'w');
    try {
      for (const part of parts) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  }

  /** The same while requests go on: a copy of the table is written off the main thread. */
  async saveInBackground(file: string, mark: number): Promise<void> {
    const parts = this._snapshot(mark, true);
    const temporary = `${file}.${process.pid}.tmp`;
    const handle = await fs.promises.open(temporary, 'w');
    try {
      for (const part of parts) await handle.write(part);
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, file);
  }

  private _snapshot(mark: number, copy: boolean): Uint8Array[] {
    if (this._oldHi) this._move(this._oldHi.length);
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(this._hi.length, 8);
    header.writeUInt32LE(this._size, 12);
    header.writeDoubleLE(mark, 16);
    const bytes = (a: Uint32Array) => new Uint8Array(copy ? a.slice().buffer : a.buffer, 0, a.byteLength);
    return [header, bytes(this._hi), bytes(this._lo), bytes(this._sec)];
  }

  /** A table saved by save(), and its mark; null if there is none or it is damaged. */
  static load(file: string): { keys: KeySet; mark: number } | null {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return null;
    }
    if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC) return null;
    const capacity = bytes.readUInt32LE(8);
    if (capacity < 1024 || (capacity & (capacity - 1)) !== 0 || bytes.length !== HEADER_BYTES + capacity * 12) return null;
    const keys = new KeySet(0);
    // Copied out: the file's buffer may not be aligned for 32-bit views.
    const part = (k: number) => {
      const array = new Uint32Array(capacity);
      new Uint8Array(array.buffer).set(bytes.subarray(HEADER_BYTES + k * capacity * 4, HEADER_BYTES + (k + 1) * capacity * 4));
      return array;
    };
    [keys._hi, keys._lo, keys._sec] = [part(0), part(1), part(2)];
    keys._size = bytes.readUInt32LE(12);
    return { keys, mark: bytes.readDoubleLE(16) };
  }

  /**
   * Adds the id of an event at `timestamp` (ms); false when its fingerprint was there already (a duplicate, or
   * very rarely a lookalike), and then secondOf() tells the second of the event that has it.
   */
  add(timestamp: number, messageId: string): boolean {
    fingerprint(messageId);
    const hi = fpHi;
    const lo = fpLo;
    if (this._oldHi && this._find(this._oldHi, this._oldLo!, hi, lo) !== -1) return false;
    if (!insert(this._hi, this._lo, this._sec, hi, lo, Math.floor(timestamp / 1000))) return false;
    this._size++;
    if (this._oldHi) this._move(MOVES_PER_ADD);
    else if (this._size > this._hi.length * MAX_LOAD) this._grow();
    return true;
  }

  has(messageId: string): boolean {
    return this.secondOf(messageId) !== -1;
  }

  /** The second (since the epoch) of the stored event whose id has this one's fingerprint; -1 if none. */
  secondOf(messageId: string): number {
    const at = this._locate(messageId);
    return at ? at.secs[at.i] : -1;
  }

  /**
   * Records that the id's stored event is at `timestamp` (ms): when an event whose id was seen but not stored
   * (its first write failed) is stored after all, at another time.
   */
  moveTo(messageId: string, timestamp: number): void {
    const at = this._locate(messageId);
    if (at) at.secs[at.i] = Math.floor(timestamp / 1000);
  }

  /** Where the id's fingerprint is: the new table first (while growing, a moved key is in both, the new one read). */
  private _locate(messageId: string): { secs: Uint32Array; i: number } | null {
    fingerprint(messageId);
    const i = this._find(this._hi, this._lo, fpHi, fpLo);
    if (i !== -1) return { secs: this._sec, i };
    const old = this._oldHi ? this._find(this._oldHi, this._oldLo!, fpHi, fpLo) : -1;
    return old === -1 ? null : { secs: this._oldSec!, i: old };
  }

  /** The slot holding the fingerprint, or -1. */
  private _find(his: Uint32Array, los: Uint32Array, hi: number, lo: number): number {
    const mask = his.length - 1;
    for (let i = hi & mask; ; i = (i + 1) & mask) {
      const h = his[i];
      if (h === EMPTY) return -1;
      if (h === hi && los[i] === lo) return i;
    }
  }

  /** Starts growing: a table twice the size takes the new keys, and the old one's move over a few at a time. */
  private _grow(): void {
    this._oldHi = this._hi;
    this._oldLo = this._lo;
    this._oldSec = this._sec;
    this._moved = 0;
    this._hi = new Uint32Array(this._oldHi.length * 2);
    this._lo = new Uint32Array(this._oldLo.length * 2);
    this._sec = new Uint32Array(this._oldSec.length * 2);
  }

  private _move(slots: number): void {
    const his = this._oldHi!;
    const los = this._oldLo!;
    const secs = this._oldSec!;
    const end = Math.min(his.length, this._moved + slots);
    // Slots are left in the old table (moved, not cleared): a lookup there stays right until it is dropped.
    for (let i = this._moved; i < end; i++) if (his[i] !== EMPTY) insert(this._hi, this._lo, this._sec, his[i], los[i], secs[i]);
    this._moved = end;
    if (end === his.length) this._oldHi = this._oldLo = this._oldSec = null;
  }
}

function insert(his: Uint32Array, los: Uint32Array, secs: Uint32Array, hi: number, lo: number, second: number): boolean {
  const mask = his.length - 1;
  for (let i = hi & mask; ; i = (i + 1) & mask) {
    const h = his[i];
    if (h === EMPTY) {
      his[i] = hi;
      los[i] = lo;
      secs[i] = second;
      return true;
    }
    if (h === hi && los[i] === lo) return false;
  }
}
