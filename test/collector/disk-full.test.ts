// A full disk: the collector acknowledges nothing it could not store, answers 503 storage_unavailable with
// Retry-After, and /health answers at once with ok: false and why; when space returns, it goes on, and every
// acknowledged event is stored. First through a seam (the journal's write made to fail with ENOSPC), then on
// real small disks (tmpfs, where this process may mount one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageUnavailable } from '../../collector/store/store';
import { KEYS, get, post, startCollector, viewed, type Running } from './helpers';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const batchOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => viewed(`SKU-${i % 20}`, `${tag}-${i % 9}`));

let running: Running | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await running?.stop();
  running = undefined;
});

/** Asks /health until `done` holds: how long that takes depends on the machine, never asserted. */
async function healthWhen(c: Running, done: (body: { ok: boolean; problems: string[]; events: number | null }) => boolean) {
  for (;;) {
    const health = await get(`${c.url}/health`, null);
    if (done(health.body)) return health;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('when the journal cannot be written (its write fails with ENOSPC)', () => {
  it('refuses with 503 and Retry-After, says so at /health, and stores the same batch once space returns', async () => {
    running = await startCollector({ rateLimits: false });
    const c = running;
    const batch = batchOf(50, 'full');
    // Every write of the journal fails as a full disk fails it, a moment later (fs.writev calls back later too).
    const write = vi.spyOn(fs, 'writev').mockImplementation((...args: unknown[]) => {
      const callback = args.at(-1) as (error: Error) => void;
      setImmediate(() => callback(enospc()));
    });

    const refused = await post(`${c.url}/v1/batch`, { batch });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body.error).toEqual({ code: 'storage_unavailable', message: expect.stringContaining('the journal cannot be written: the disk is full (ENOSPC)') });
    const single = await post(`${c.url}/v1/track`, viewed('SKU-1', 'full-single'));
    expect(single.status).toBe(503);

    const health = await get(`${c.url}/health`, null);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: false, problems: ['the journal cannot be written: the disk is full (ENOSPC)'] });

    write.mockRestore();
    const stored = await post(`${c.url}/v1/batch`, { batch });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ accepted: 50, duplicates: 0 });
    // The counts come once the tables have caught up (a check does not wait long for them).
    expect((await healthWhen(c, (h) => h.events === 50)).body).toMatchObject({ ok: true, problems: [], events: 50 });
  });

  it('learns from events stored when what came with them could not be (the quarantine), and counts the losses a client told once', async () => {
    running = await startCollector({ rateLimits: false });
    const c = running;
    const store = c.app.patron.store;
    const fails = vi.spyOn(store, 'quarantine').mockRejectedValueOnce(new StorageUnavailable('the tables cannot be written: the disk is full (SQLITE_FULL)'));
    const body = { batch: [viewed('SKU-learnt', 'half-stored'), { type: 'track', event: '' }], dropped: 3 };
    const refused = await post(`${c.url}/v1/batch`, body);
    expect(refused.status).toBe(503);
    fails.mockRestore();
    await c.app.patron.learner.settled();
    expect(c.app.patron.learner.interactions.history('half-stored')).toEqual(['SKU-learnt']);
    // The client sends it again: the event is stored already, the invalid one is quarantined now.
    const again = await post(`${c.url}/v1/batch`, body);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(c.app.patron.learner.interactions.history('half-stored')).toEqual(['SKU-learnt']);
    expect((await healthWhen(c, (h) => h.events === 1)).body).toMatchObject({ droppedByClients: 3 });
  });

  it('stores an event refused once, and resent later with other timestamps (a corrected clock), exactly once', async () => {
    running = await startCollector({ rateLimits: false });
    const c = running;
    const order = viewed('SKU-1', 'resender');
    const write = vi.spyOn(fs, 'writev').mockImplementation((...args: unknown[]) => {
      const callback = args.at(-1) as (error: Error) => void;
      setImmediate(() => callback(enospc()));
    });
    expect((await post(`${c.url}/v1/batch`, { batch: [order] })).status).toBe(503);
    write.mockRestore();
    const at = (ms: number) => ({ ...order, timestamp: new Date(Date.parse(order.timestamp) + ms).toISOString() });
    // Two resends at once, then more one by one: one is stored, the rest are duplicates.
    const answers = await Promise.all([post(`${c.url}/v1/batch`, { batch: [at(1500)] }), post(`${c.url}/v1/batch`, { batch: [at(1700)] })]);
    for (const ms of [2500, 3500]) answers.push(await post(`${c.url}/v1/batch`, { batch: [at(ms)] }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.reduce((n, a) => n + (a.body.accepted as number), 0)).toBe(1);
    expect((await healthWhen(c, (h) => h.events !== null && h.events >= 1)).body).toMatchObject({ events: 1 });
  });
});

/** Mounts a tmpfs of `size` at `dir`; the reason when this process may not. */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'mount failed';
  }
}

/** Why no tmpfs can be mounted here (not root, no such file system), or null when one can. */
function cannotMountTmpfs(): string | null {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-mount-probe-'));
  const reason = mountTmpfs(probe, '1m');
  if (reason === null) execFileSync('umount', [probe]);
  fs.rmdirSync(probe);
  return reason;
}

/** Fills the disk holding `dir` with a file until it refuses another byte; returns the file. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  try {
    for (const chunk of [1 << 20, 4096]) {
      const zeros = Buffer.alloc(chunk);
      try {
        for (;;) fs.writeSync(fd, zeros);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

const cannotMount = cannotMountTmpfs();
const skipped = cannotMount ? ` (skipped: cannot mount a tmpfs here: ${cannotMount})` : '';

describe.skipIf(cannotMount !== null)(`on small real disks${skipped}`, () => {
  // The database on a small disk and its journal on another, so that the tables fill while the journal still
  // takes events, then the journal fills too.
  let root: string;
  let journalDir: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-disk-full-'));
    journalDir = path.join(root, 'patron.db.journal');
    expect(mountTmpfs(root, '3m')).toBeNull();
    fs.mkdirSync(journalDir);
    expect(mountTmpfs(journalDir, '32m')).toBeNull();
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    for (const dir of [journalDir, root]) execFileSync('umount', [dir]);
  });

  it('acknowledges what the journal holds while the tables are full, refuses once the journal is full too, and stores every acknowledged event when space returns', async () => {
    const logs: string[] = [];
    running = await startCollector({ rateLimits: false, log: (m) => logs.push(m) }, root);
    const c = running;
    const tablesFiller = fill(root);

    // The tables' disk is full: the journal still takes the events, and they are acknowledged.
    const acknowledged = Array.from({ length: 30 }, (_, b) => batchOf(100, `t${b}`));
    for (const batch of acknowledged) expect((await post(`${c.url}/v1/batch`, { batch })).status).toBe(200);
    const tablesFull = await healthWhen(c, (h) => !h.ok);
    expect(tablesFull.status).toBe(200);
    expect(tablesFull.body.problems[0]).toMatch(/^the tables cannot be written: the disk is full \(SQLITE_FULL\)/);
    expect(tablesFull.body).toMatchObject({ events: null, droppedByClients: null });
    const read = await get(`${c.url}/v1/quarantine`, KEYS.analyst[0], true);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('30');

    // The journal's disk is full too: nothing more is acknowledged.
    const journalFiller = fill(journalDir);
    const late = batchOf(100, 'late');
    const refused = await post(`${c.url}/v1/batch`, { batch: late });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('storage_unavailable');
    expect((await get(`${c.url}/health`, null)).body.problems).toContain('the journal cannot be written: the disk is full (ENOSPC)');

    // Space returns: the worker fills the tables, and the refused batch goes in when sent again.
    fs.rmSync(tablesFiller);
    fs.rmSync(journalFiller);
    await healthWhen(c, (h) => !h.problems.some((p) => p.startsWith('the tables')));
    expect((await post(`${c.url}/v1/batch`, { batch: late })).body).toMatchObject({ accepted: 100 });
    expect((await healthWhen(c, (h) => h.events === 3100)).body).toMatchObject({ ok: true, problems: [], events: 3100 });
    expect(logs.join('\n')).toMatch(/the tables of .*patron\.db can be written again/);
    await c.stop();
    running = undefined;

    const db = new Database(c.database, { readonly: true });
    const ids = new Set(db.prepare('SELECT message_id FROM events').pluck().all() as string[]);
    db.close();
    expect([...acknowledged.flat(), ...late].filter((e) => !ids.has(e.messageId))).toEqual([]);
  }, 120_000);
});
