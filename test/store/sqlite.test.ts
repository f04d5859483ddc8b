// The SQLite engine held to the store contract in each way the collector opens it: journalled (a collector:
// acknowledged once the journal has it, the tables filled behind), direct (a command such as `patron import`
// beside a collector), and in memory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../collector/store/open';
import { storeContract } from './contract';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function onDisk(command: boolean) {
  let file = '';
  return {
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-contract-'));
      dirs.push(dir);
      file = path.join(dir, 'patron.db');
      return openStore(`sqlite:${file}`, { command });
    },
    reopen: async () => openStore(`sqlite:${file}`, { command }),
  };
}

storeContract({ name: 'SQLite, journalled', ...onDisk(false) });
storeContract({ name: 'SQLite, written directly', ...onDisk(true) });
storeContract({ name: 'SQLite in memory', open: async () => openStore('sqlite::memory:') });

describe('the journalled SQLite store', () => {
  it('is journalled (the worker is built): the contract above held the journal to it, not the direct writer', async () => {
    const engine = onDisk(false);
    const store = await engine.open();
    const dir = dirs[dirs.length - 1];
    await store.insertEvents([
      {
        messageId: 'j-1',
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'a',
        userId: null,
        sessionId: null,
        timestamp: Date.UTC(2026, 0, 1),
        receivedAt: 0,
        properties: {},
        context: {},
        traits: null,
      },
    ]);
    // A journal in use holds its lock (a file naming this process) until the store closes; the direct writer takes none.
    expect(fs.readFileSync(path.join(dir, 'patron.db.journal', 'lock'), 'utf8')).toBe(String(process.pid));
    await store.close();
  });
});
