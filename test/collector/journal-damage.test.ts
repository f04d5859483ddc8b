// A damaged ingest journal loses only what the damage took: acknowledged events still only in the journal
// (as a collector killed before its worker caught up leaves them), a byte flipped, a length broken, a record
// cut short; the restart stores every event outside the damaged record, tells the skip in its log, keeps the
// segment aside, and /health names it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../collector/domain/stored-event';
import { Journal, offsetOf, readRecords, segmentsIn } from '../../collector/store/sqlite/journal';
import { openSqliteStore } from '../../collector/store/sqlite/sqlite';
import { get, startCollector } from './helpers';

const RECORDS = 60;
const EVENTS_PER_RECORD = 100;

const stored = (i: number): StoredEvent => ({
  messageId: `m-${i}`,
  type: 'track',
  event: 'Product Viewed',
  anonymousId: `a-${i % 40}`,
  userId: null,
  sessionId: null,
  timestamp: 1_780_000_000_000 + i,
  receivedAt: 1_780_000_000_000,
  properties: { product_id: `p-${i % 30}` },
  context: {},
  traits: null,
});

const idsOf = (record: number) => Array.from({ length: EVENTS_PER_RECORD }, (_, k) => `m-${record * EVENTS_PER_RECORD + k}`);

/** 6,000 acknowledged events in 60 records, in the journal only; where each record starts and ends. */
async function journalOnly(): Promise<{ dir: string; file: string; segment: string; bounds: { start: number; end: number }[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-damage-'));
  const database = path.join(dir, 'patron.db');
  await openSqliteStore({ file: database, journal: false }).close();
  const journal = new Journal(`${database}.journal`, { sync: false });
  for (let r = 0; r < RECORDS; r++) await journal.append({ k: 'e', at: 1, x: idsOf(r).map((_, k) => stored(r * EVENTS_PER_RECORD + k)) });
  await journal.close();
  const ends = [...readRecords(`${database}.journal`, 0)].flat().map((r) => offsetOf(r.end));
  const [segment] = segmentsIn(`${database}.journal`);
  const name = `${String(segment).padStart(8, '0')}.log`;
  return { dir, file: path.join(`${database}.journal`, name), segment: name, bounds: ends.map((end, r) => ({ start: r === 0 ? 0 : ends[r - 1], end })) };
}

function damage(file: string, change: (bytes: Buffer) => Buffer): void {
  fs.writeFileSync(file, change(fs.readFileSync(file)));
}

const storedIds = (database: string) => {
  const db = new Database(database, { readonly: true });
  try {
    return new Set(db.prepare('SELECT message_id FROM events').pluck().all() as string[]);
  } finally {
    db.close();
  }
};

/** Restarts a collector on the damaged journal; what it stored, logged and says at /health. */
async function restart(dir: string) {
  const logs: string[] = [];
  const c = await startCollector({ log: (m) => logs.push(m) }, dir);
  const health = await get(`${c.url}/health`, null);
  await c.stop();
  return { logs, health, ids: storedIds(c.database) };
}

const MIDDLE = RECORDS / 2;
const allIdsBut = (...records: number[]) => Array.from({ length: RECORDS }, (_, r) => r).flatMap((r) => (records.includes(r) ? [] : idsOf(r)));

describe('a damaged journal', () => {
  it('loses only the record a flipped byte in its body damaged, and tells it', async () => {
    const { dir, file, segment, bounds } = await journalOnly();
    const { start, end } = bounds[MIDDLE];
    damage(file, (bytes) => ((bytes[Math.floor((start + end) / 2)] ^= 0x20), bytes));
    const { logs, health, ids } = await restart(dir);

    expect([...ids].sort()).toEqual(allIdsBut(MIDDLE).sort());
    expect(logs.join('\n')).toContain(`journal segment ${segment} is damaged at offset ${start}: 1 record (${end - start} bytes) skipped`);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(`${file}.damaged`).length).toBe(bounds.at(-1)!.end);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, events: ids.size });
    expect(health.body.journal).toEqual({ damaged: [{ segment, keptAs: `${segment}.damaged`, offset: start, skippedBytes: end - start, records: 1, atEnd: false, foundAt: expect.any(String) }] });
    expect(health.body.problems).toEqual([expect.stringContaining(`journal segment ${segment} is damaged at offset ${start}`)]);
  });

  it('loses only the record whose length a flipped byte broke', async () => {
    const { dir, file, segment, bounds } = await journalOnly();
    const { start, end } = bounds[MIDDLE];
    // The length's high byte (after the 4-byte marker): the record now claims more than the segment holds.
    damage(file, (bytes) => ((bytes[start + 7] ^= 0x01), bytes));
    const { logs, health, ids } = await restart(dir);

    expect([...ids].sort()).toEqual(allIdsBut(MIDDLE).sort());
    expect(logs.join('\n')).toContain(`journal segment ${segment} is damaged at offset ${start}: 1 record (${end - start} bytes) skipped`);
    expect(health.body.journal.damaged).toEqual([expect.objectContaining({ offset: start, skippedBytes: end - start, records: 1, atEnd: false })]);
  });

  it('loses nothing when only a record marker is damaged: the record behind it still checks', async () => {
    const { dir, segment, file, bounds } = await journalOnly();
    const { start } = bounds[MIDDLE];
    damage(file, (bytes) => ((bytes[start] ^= 0xff), bytes));
    const { health, ids } = await restart(dir);

    expect(ids.size).toBe(RECORDS * EVENTS_PER_RECORD);
    expect(health.body.journal.damaged).toEqual([{ segment, keptAs: `${segment}.damaged`, offset: start, skippedBytes: 4, records: 0, atEnd: false, foundAt: expect.any(String) }]);
  });

  it('loses only the last record when the segment is cut short in it, and says the damage runs to the end', async () => {
    const { dir, file, segment, bounds } = await journalOnly();
    const { start, end } = bounds.at(-1)!;
    fs.truncateSync(file, end - 100);
    const { logs, health, ids } = await restart(dir);

    expect([...ids].sort()).toEqual(allIdsBut(RECORDS - 1).sort());
    expect(logs.join('\n')).toContain(`journal segment ${segment} is damaged at offset ${start}: 1 record (${end - 100 - start} bytes) skipped to the end of the segment`);
    expect(health.body.journal.damaged).toEqual([expect.objectContaining({ offset: start, skippedBytes: end - 100 - start, records: 1, atEnd: true })]);
  });

  it('is told at every start until the kept segment is removed, and its records are not replayed again', async () => {
    const { dir, file, segment, bounds } = await journalOnly();
    damage(file, (bytes) => ((bytes[bounds[3].start + 20] ^= 0x01), bytes));
    const first = await restart(dir);
    const second = await restart(dir);
    expect(second.ids).toEqual(first.ids);
    expect(second.logs.join('\n')).not.toContain('replayed');
    expect(second.health.body).toMatchObject({ ok: true, journal: { damaged: first.health.body.journal.damaged } });
    expect(second.health.body.journal.damaged).toEqual([expect.objectContaining({ segment, keptAs: `${segment}.damaged`, offset: bounds[3].start, records: 1 })]);
    expect(second.health.body.problems).toEqual(first.health.body.problems);
    expect(fs.readdirSync(path.dirname(file)).filter((name) => name.endsWith('.damaged'))).toEqual([`${path.basename(file)}.damaged`]);

    // Inspected and removed by the operator: no longer told.
    fs.rmSync(`${file}.damaged`);
    const third = await restart(dir);
    expect(third.health.body).toMatchObject({ ok: true, problems: [], journal: { damaged: [] } });
  });

  it('tells a kept segment whose damage was not written down as kept, without what it took', async () => {
    const { dir, file, segment, bounds } = await journalOnly();
    damage(file, (bytes) => ((bytes[bounds[3].start + 20] ^= 0x01), bytes));
    await restart(dir);
    fs.rmSync(`${file}.damaged.json`);
    const { health } = await restart(dir);
    expect(health.body.journal.damaged).toEqual([{ segment, keptAs: `${segment}.damaged`, offset: null, skippedBytes: null, records: null, atEnd: null, foundAt: expect.any(String) }]);
    expect(health.body.problems).toEqual([`journal segment ${segment} is damaged (what the damage took was not recorded), kept as ${segment}.damaged`]);
  });
});

describe('a journal written before records had markers (version 1)', () => {
  /** A record as version 1 wrote it: length, CRC-32 of the payload, payload. */
  function v1Record(header: object): Buffer {
    const head = Buffer.from(JSON.stringify(header));
    const payload = Buffer.concat([Buffer.alloc(4), head]);
    payload.writeUInt32LE(head.length, 0);
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(payload.length, 0);
    frame.writeUInt32LE(crc32(payload), 4);
    return Buffer.concat([frame, payload]);
  }

  it('is replayed, damage in it skipped to the next record that checks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-damage-v1-'));
    const database = path.join(dir, 'patron.db');
    await openSqliteStore({ file: database, journal: false }).close();
    const records = Array.from({ length: 10 }, (_, r) => v1Record({ k: 'e', at: 1, x: [stored(r)] }));
    records[4][20] ^= 0x01;
    fs.mkdirSync(`${database}.journal`);
    fs.writeFileSync(path.join(`${database}.journal`, '00000001.log'), Buffer.concat(records));
    const logs: string[] = [];
    const store = openSqliteStore({ file: database, log: (m) => logs.push(m) });
    expect(await store.countEvents()).toBe(9);
    const offset = records.slice(0, 4).reduce((n, r) => n + r.length, 0);
    expect(store.condition().journal.damaged).toEqual([
      { segment: '00000001.log', keptAs: '00000001.log.damaged', offset, skippedBytes: records[4].length, records: 0, atEnd: false, foundAt: expect.any(String) },
    ]);
    expect(logs).toContain('replayed 9 journal records a previous run left unapplied');
    await store.close();
  });
});
