// An acknowledged event survives kill -9: load the collector from this process, SIGKILL it mid-load,
// restart it on the same file, and find every acknowledged messageId stored exactly once.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KEYS, basic, spawnCollector } from './helpers';

function batch(n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    messageId: randomUUID(),
    anonymousId: `crash-${i % 7}`,
    timestamp: new Date(now - (i % 3) * 1000).toISOString(),
    properties: { product_id: `SKU-${i % 50}` },
  }));
}

describe('durability under kill -9', () => {
  it('keeps every acknowledged event, exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-crash-'));
    const database = path.join(dir, 'patron.db');
    const first = await spawnCollector(database);
    const acknowledged = new Set<string>();
    const sent: ReturnType<typeof batch>[] = [];
    let killed = false;
    let failed = 0;
    // The kill comes once this many events are acknowledged: a count, whatever the machine's speed.
    const LOAD = 1000;
    let loaded!: () => void;
    const enough = new Promise<void>((resolve) => (loaded = resolve));
    const worker = async () => {
      while (!killed) {
        const events = batch(20);
        sent.push(events);
        try {
          const res = await fetch(`${first.url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: basic(KEYS.write[0]) },
            body: JSON.stringify({ batch: events }),
          });
          if (res.status === 200) for (const e of events) acknowledged.add(e.messageId);
          if (acknowledged.size > LOAD) loaded();
        } catch {
          failed++; // the connection died with the process: not acknowledged
        }
      }
    };
    const exited = new Promise((r) => first.child.on('exit', r));
    const workers = Array.from({ length: 8 }, worker);
    await Promise.race([enough, exited]);
    expect(first.child.exitCode, `the collector died under load: ${first.output()}`).toBeNull();
    // The load goes on until the process is gone, so the kill lands mid-request.
    first.child.kill('SIGKILL');
    await exited;
    killed = true;
    await Promise.all(workers);
    expect(acknowledged.size).toBeGreaterThan(LOAD);
    expect(failed).toBeGreaterThan(0); // some requests were cut off by the kill

    // Restart on the same file and send everything again, acknowledged or not: nothing may be stored twice.
    const second = await spawnCollector(database);
    for (const events of sent) {
      const res = await fetch(`${second.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(KEYS.write[0]) },
        body: JSON.stringify({ batch: events }),
      });
      expect(res.status).toBe(200);
    }
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.on('exit', r));

    const db = new Database(database, { readonly: true });
    const counts = new Map<string, number>();
    for (const row of db.prepare('SELECT message_id, count(*) AS n FROM events GROUP BY message_id').iterate() as Iterable<{ message_id: string; n: number }>) counts.set(row.message_id, row.n);
    db.close();
    for (const id of acknowledged) expect(counts.get(id), id).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(sent.flat().length);
    // What the tables did not have yet when the process died was in the journal, and replayed at the restart.
    const replayed = /replayed (\d+) journal records/.exec(second.output())?.[1] ?? '0';
    console.log(
      `kill -9: ${acknowledged.size} events acknowledged, ${failed} requests cut off; ${replayed} journal records replayed at restart; after re-sending all ${sent.length} batches, ${counts.size} events stored, each once`,
    );
  }, 300_000); // two collectors started, loaded, killed and replayed: heavy on a busy machine
});
