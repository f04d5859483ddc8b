// The ingest journal: records come back as written, across segments; a record cut short or damaged is skipped
// and told (journal-damage.test.ts restarts a collector on such a journal); what a stopped collector left unapplied is replayed exactly once; duplicates are told apart before
// the tables have the first copy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Journal, positionOf, readRecords, segmentsIn, type JournalDamage } from '../../collector/store/sqlite/journal';
import { KeySet } from '../../collector/store/sqlite/key-set';
import { openSqliteStore } from '../../collector/store/sqlite/sqlite';
import type { StoredEvent } from '../../collector/domain/stored-event';
import { post, startCollector, viewed, type Running } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'patron-journal-'));
const records = (dir: string) => [...readRecords(dir, 0)].flat();

describe('the journal file', () => {
  it('gives back every record in order, across segments', async () => {
    const dir = tmp();
    const journal = new Journal(dir, { sync: true, segmentBytes: 2000 });
    const bodies = Array.from({ length: 60 }, (_, i) => Buffer.from(`{"n":${i},"pad":"${'x'.repeat(i * 7)}"}`));
    await Promise.all(bodies.slice(0, 30).map((body, i) => journal.append({ k: 'e', i: [i] }, body)));
    for (let i = 30; i < 60; i++) await journal.append({ k: 'e', i: [i] }, bodies[i]);
    await journal.append({ k: 'd', n: 3 });
    await journal.close();
    expect(segmentsIn(dir).length).toBeGreaterThan(3);
    const read = records(dir);
    expect(read.map((r) => r.header)).toEqual([...bodies.map((_, i) => ({ k: 'e', i: [i] })), { k: 'd', n: 3 }]);
    expect(read.slice(0, 60).map((r) => r.body!.toString())).toEqual(bodies.map(String));
    expect(read[60].body).toBeUndefined();
    // Positions only grow: the worker goes on from the last one it applied.
    expect(read.every((r, i) => i === 0 || r.end > read[i - 1].end)).toBe(true);
    expect(
      records(dir)
        .slice(20)
        .map((r) => r.header),
    ).toEqual([...records(dir)].filter((r) => r.end > read[19].end).map((r) => r.header));
  });

  it('skips a record cut short by a crash, or damaged, goes on at the next whole one, and tells where', async () => {
    const dir = tmp();
    const journal = new Journal(dir, { sync: false });
    for (let i = 0; i < 5; i++) await journal.append({ k: 'd', n: i }, Buffer.from('y'.repeat(100)));
    await journal.close();
    const [segment] = segmentsIn(dir);
    const file = path.join(dir, `${String(segment).padStart(8, '0')}.log`);
    const size = fs.statSync(file).size;
    const damaged: JournalDamage[] = [];
    const read = () => [...readRecords(dir, 0, { damaged: (d) => damaged.push(d) })].flat().map((r) => r.header.n);
    fs.truncateSync(file, size - 10);
    expect(read()).toEqual([0, 1, 2, 3]);
    const recordBytes = size / 5;
    expect(damaged).toEqual([{ segment, offset: 4 * recordBytes, skippedBytes: recordBytes - 10, records: 1, atEnd: true, resume: positionOf(segment, size - 10) }]);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(size / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    damaged.length = 0;
    expect(read()).toEqual([0, 1, 3]);
    expect(damaged.map((d) => [d.offset, d.skippedBytes, d.atEnd])).toEqual([
      [2 * recordBytes, recordBytes, false],
      [4 * recordBytes, recordBytes - 10, true],
    ]);
  });
});

describe('the journal file on a full disk', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  afterEach(() => vi.restoreAllMocks());

  it('cuts off what a failed write left, so the next record follows the last whole one', async () => {
    const dir = tmp();
    const journal = new Journal(dir, { sync: false });
    await journal.append({ k: 'd', n: 1 });
    // Part of the record reaches the file, then the disk is full.
    vi.spyOn(fs, 'writev').mockImplementationOnce((fd: number, buffers: readonly NodeJS.ArrayBufferView[], ...rest: unknown[]) => {
      fs.writeSync(fd, Buffer.from(buffers[0].buffer, buffers[0].byteOffset, 10));
      setImmediate(() => (rest.at(-1) as (error: Error) => void)(enospc()));
    });
    await expect(journal.append({ k: 'd', n: 2 })).rejects.toMatchObject({ code: 'ENOSPC' });
    await journal.append({ k: 'd', n: 3 });
    await journal.close();
    const damaged: JournalDamage[] = [];
    expect([...readRecords(dir, 0, { damaged: (d) => damaged.push(d) })].flat().map((r) => r.header.n)).toEqual([1, 3]);
    expect(damaged).toEqual([]);
    expect(segmentsIn(dir)).toHaveLength(1);
  });

  it('refuses a record when no new segment can be made, and makes it for the next', async () => {
    const dir = tmp();
    const journal = new Journal(dir, { sync: true, segmentBytes: 1 });
    await journal.append({ k: 'd', n: 1 });
    vi.spyOn(fs, 'openSync').mockImplementationOnce(() => {
      throw enospc();
    });
    await expect(journal.append({ k: 'd', n: 2 })).rejects.toMatchObject({ code: 'ENOSPC' });
    await journal.append({ k: 'd', n: 3 });
    await journal.close();
    expect([...readRecords(dir, 0)].flat().map((r) => r.header.n)).toEqual([1, 3]);
    expect(segmentsIn(dir)).toHaveLength(2);
  });
});

describe('the key set', () => {
  it('knows every id it was given through its growth, at the second it was given, and no other', () => {
    const N = 200_000;
    const at = (i: number) => 1_700_000_000_000 + (i % 977) * 1000 + 999;
    const second = (i: number) => Math.floor(at(i) / 1000);
    // The keys that break the rule, so that one expect (not one per key) judges 200,000 of them.
    const failing = (step: number, wrong: (i: number) => boolean) => Array.from({ length: Math.ceil(N / step) }, (_, k) => k * step).filter(wrong);
    const keys = new KeySet(16);
    expect(failing(1, (i) => !keys.add(at(i), `m-${i}`))).toEqual([]);
    expect(keys.size).toBe(N);
    expect(failing(7, (i) => keys.secondOf(`m-${i}`) !== second(i))).toEqual([]);
    expect(failing(7, (i) => keys.has(`other-${i}`))).toEqual([]);
    // The same id at another time is the same key: a duplicate, still known at the second first given.
    expect(failing(7, (i) => keys.add(at(i) + 5000, `m-${i}`))).toEqual([]);
    expect(failing(7, (i) => keys.secondOf(`m-${i}`) !== second(i))).toEqual([]);
    // Saved and loaded back, mid-growth or not, it is the same set.
    const file = path.join(tmp(), 'keys');
    keys.save(file, 42);
    const loaded = KeySet.load(file)!;
    expect(loaded.mark).toBe(42);
    expect(loaded.keys.size).toBe(N);
    expect(failing(7, (i) => loaded.keys.secondOf(`m-${i}`) !== second(i))).toEqual([]);
    fs.writeFileSync(file, 'not a key set');
    expect(KeySet.load(file)).toBeNull();
  }, 120_000); // 200,000 keys through every growth: heavy on a busy machine
});

const stored = (i: number): StoredEvent => ({
  messageId: `m-${i}`,
  type: 'track',
  event: 'Product Viewed',
  anonymousId: 'a',
  userId: null,
  sessionId: null,
  timestamp: 1_780_000_000_000 + i,
  receivedAt: 1_780_000_000_000,
  properties: { product_id: `p-${i % 3}` },
  context: {},
  traits: null,
});

describe('the store and its journal', () => {
  it('replays what a stopped collector journalled but did not apply, exactly once', async () => {
    const dir = tmp();
    const file = path.join(dir, 'patron.db');
    await openSqliteStore({ file, journal: false }).close();
    // As a collector killed before its worker caught up leaves things: records in the journal only.
    const journal = new Journal(`${file}.journal`, { sync: true });
    await journal.append({ k: 'e', at: 1, x: [stored(1), stored(2)] });
    await journal.append({ k: 'q', rows: [{ receivedAt: 1, messageId: 'bad', reasons: [{ path: 'type', message: 'nope' }], raw: '{}' }] });
    await journal.append({ k: 'e', at: 1, x: [stored(3)] });
    await journal.close();
    const logs: string[] = [];
    const store = openSqliteStore({ file, log: (m) => logs.push(m) });
    expect(logs).toContain('replayed 3 journal records a previous run left unapplied');
    expect(await store.countEvents()).toBe(3);
    // The key set knows them: sending them again stores nothing.
    expect(await store.insertEvents([stored(2), stored(3), stored(4)])).toMatchObject({ duplicates: 2 });
    await store.close();
    const again = openSqliteStore({ file });
    expect(await again.countEvents()).toBe(4);
    expect((await again.listQuarantine(10)).map((q) => q.messageId)).toEqual(['bad']);
    await again.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT message_id FROM events ORDER BY timestamp').pluck().all()).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    db.close();
  });

  it('starts from the key set saved at the last stop, and not from one that belongs to another database', async () => {
    const a = path.join(tmp(), 'patron.db');
    const b = path.join(tmp(), 'patron.db');
    let store = openSqliteStore({ file: a });
    await store.insertEvents([stored(10), stored(11), stored(12)]);
    await store.close();
    expect(fs.existsSync(`${a}.keys`)).toBe(true);
    store = openSqliteStore({ file: a });
    expect(await store.insertEvents([stored(10), stored(13)])).toMatchObject({ duplicates: 1 });
    await store.close();
    store = openSqliteStore({ file: b });
    await store.insertEvents([stored(1), stored(2), stored(3), stored(4), stored(5)]);
    await store.close();
    // Another database's set (saved after its third row) in b's place: b's own first rows are not in it.
    fs.copyFileSync(`${a}.keys`, `${b}.keys`);
    store = openSqliteStore({ file: b });
    expect(await store.insertEvents([stored(1), stored(2), stored(6)])).toMatchObject({ duplicates: 2 });
    await store.close();
  });

  it('lets a second process write directly while the collector owns the journal', async () => {
    const dir = tmp();
    const file = path.join(dir, 'patron.db');
    const collector = openSqliteStore({ file });
    await collector.insertEvents([stored(1), stored(2)]);
    const logs: string[] = [];
    const command = openSqliteStore({ file, log: (m) => logs.push(m) });
    expect(logs.join()).toMatch(/belongs to process/);
    // Maybe before the collector's worker has stored them: the table's unique key still keeps one copy.
    await command.insertEvents([stored(1), stored(3)]);
    await collector.settled();
    expect(await command.insertEvents([stored(2), stored(3), stored(4)])).toMatchObject({ duplicates: 2 });
    await command.close();
    expect(await collector.countEvents()).toBe(4);
    await collector.close();
  });
});

describe('duplicates over HTTP', () => {
  let c: Running;
  beforeAll(async () => {
    c = await startCollector();
  });
  afterAll(() => c.stop());

  it('stores an event sent twice at once (a beacon and a retry) once, and says so', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => viewed(`SKU-${i}`));
    const answers = await Promise.all([1, 2, 3].map(() => post(`${c.url}/v1/batch`, { batch })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(20);
    expect(answers.reduce((n, a) => n + a.body.duplicates, 0)).toBe(40);
    await c.app.patron.store.settled();
    const db = new Database(c.database, { readonly: true });
    const ids = new Set(batch.map((e) => e.messageId));
    const rows = db.prepare('SELECT message_id FROM events').pluck().all() as string[];
    db.close();
    expect(rows.filter((id) => ids.has(id)).sort()).toEqual([...ids].sort());
  });
});
