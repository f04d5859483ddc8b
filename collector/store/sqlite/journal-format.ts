// How the ingest journal's records are laid out, version by version, and how the next whole record is found
// after damage. Version 2 (written now) puts a marker before each record, which makes that search quick and
// says how many records damage took; version 1 records (no marker) are still read, as a journal left by a
// crash of an older collector holds them.
//
//   version 1: u32 payload length | u32 crc32 of the payload | payload = u32 header length | header JSON | body
//   version 2: MARKER | the same
//
// As a u32, the marker is above 2^31, a length no version 1 record can have (a record holds one request), so
// the first four bytes tell the versions apart. Its first byte never occurs in valid UTF-8, but a body is kept
// as the bytes that arrived, which may hold it: a record is only taken where marker, length and checksum all hold.

import { crc32 } from 'node:zlib';

export const MARKER = Buffer.from([0xfe, 0x4a, 0x32, 0xfe]);
const FRAME = 8;

/** A record's bytes, as written now. */
export function encodeRecord(header: Record<string, unknown>, body?: Buffer): Buffer[] {
  const head = Buffer.from(JSON.stringify(header));
  const frame = Buffer.allocUnsafe(MARKER.length + FRAME + 4);
  MARKER.copy(frame, 0);
  frame.writeUInt32LE(4 + head.length + (body?.length ?? 0), 4);
  frame.writeUInt32LE(head.length, 12);
  let crc = crc32(frame.subarray(12, 16));
  crc = crc32(head, crc);
  if (body) crc = crc32(body, crc);
  frame.writeUInt32LE(crc, 8);
  return body ? [frame, head, body] : [frame, head];
}

export interface DecodedRecord {
  header: Record<string, unknown>;
  body?: Buffer;
  /** Where the record ends in the bytes. */
  next: number;
}

/**
 * The record starting at `at`: whole and checked; 'short', the bytes end before it does (a later read may
 * complete it); or 'bad', no record starts here.
 */
export function decodeAt(bytes: Buffer, at: number): DecodedRecord | 'short' | 'bad' {
  const marked = bytes.length - at >= MARKER.length && bytes.compare(MARKER, 0, MARKER.length, at, at + MARKER.length) === 0;
  const frame = marked ? at + MARKER.length : at;
  if (frame + FRAME > bytes.length) return 'short';
  const length = bytes.readUInt32LE(frame);
  if (length < 4 || length >= 2 ** 31) return 'bad';
  const next = frame + FRAME + length;
  if (next > bytes.length) return 'short';
  const payload = bytes.subarray(frame + FRAME, next);
  const headLength = payload.readUInt32LE(0);
  // A header is a JSON object: checked before the checksum, which makes trying every byte of junk cheap.
  if (4 + headLength > length || payload[4] !== OPEN_BRACE) return 'bad';
  if (crc32(payload) !== bytes.readUInt32LE(frame + 4)) return 'bad';
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(payload.toString('utf8', 4, 4 + headLength)) as Record<string, unknown>;
  } catch {
    return 'bad'; // a checksum that matched by chance
  }
  return { header, body: 4 + headLength < length ? payload.subarray(4 + headLength) : undefined, next };
}

const OPEN_BRACE = 0x7b;
const isRecordAt = (bytes: Buffer, at: number) => typeof decodeAt(bytes, at) === 'object';

/**
 * Where the first whole record after the damaged one at `from` starts in `bytes` (which run to the end of what
 * may be read), or -1. Marked records are found by their markers; unmarked ones (version 1) only by trying
 * every byte, so they are looked for only where no marker follows.
 */
export function nextRecordAt(bytes: Buffer, from: number): number {
  // Only the marker damaged: the record behind it still checks.
  if (isRecordAt(bytes, from + MARKER.length)) return from + MARKER.length;
  const marker = bytes.indexOf(MARKER, from + 1);
  if (marker === -1) {
    for (let at = from + 1; at < bytes.length; at++) if (isRecordAt(bytes, at)) return at;
    return -1;
  }
  for (let at = marker; at !== -1; at = bytes.indexOf(MARKER, at + 1)) if (isRecordAt(bytes, at)) return at;
  return -1;
}

/** How many record markers `bytes` hold: how many records written now damaged bytes took, at least. */
export function markersIn(bytes: Buffer): number {
  let n = 0;
  for (let at = bytes.indexOf(MARKER); at !== -1; at = bytes.indexOf(MARKER, at + 1)) n++;
  return n;
}
