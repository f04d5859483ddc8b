// The SQLite engine held to the store contract in each way the collector opens it: journalled (a collector:
// acknowledged once the journal has it, the tables filled behind), direct (a command such as `patron import`
// beside a collector), and in memory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../collector/store/open';
import { storeContract } from './contract';

function onDisk(command: boolean) {
  let file = '';
  return {
    open: async () => {
      file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'patron-contract-')), 'patron.db');
      return openStore(`sqlite:${file}`, { command });
    },
    reopen: async () => openStore(`sqlite:${file}`, { command }),
  };
}

storeContract({ name: 'SQLite, journalled', ...onDisk(false) });
storeContract({ name: 'SQLite, written directly', ...onDisk(true) });
storeContract({ name: 'SQLite in memory', open: async () => openStore('sqlite::memory:') });
