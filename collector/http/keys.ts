// Loading and making API keys. Without configured keys the collector makes its own on first start and keeps
// them beside the database (mode 0600), so a fresh install is never open to the world.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Keys, Role } from './auth';

export function newKey(role: Role): string {
  const prefix = { write: 'pk_write', admin: 'sk_admin', analyst: 'sk_analyst' }[role];
  return `${prefix}_${randomBytes(18).toString('base64url')}`;
}

/** Keys from `keysFile`, created with one fresh key per role if it does not exist. */
export function loadOrCreateKeys(keysFile: string): Keys {
  if (fs.existsSync(keysFile)) {
    const keys = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as Partial<Keys>;
    return { write: keys.write ?? [], admin: keys.admin ?? [], analyst: keys.analyst ?? [] };
  }
  const keys: Keys = { write: [newKey('write')], admin: [newKey('admin')], analyst: [newKey('analyst')] };
  fs.mkdirSync(path.dirname(keysFile), { recursive: true });
  fs.writeFileSync(keysFile, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}
