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

/** The keys in a keys file (a role it does not list has none); a file that is not one is an error naming it. */
export function readKeysFile(file: string): Keys {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not a keys file: ${(error as Error).message}`, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file} is not a keys file (an object of write, admin and analyst keys)`);
  const list = (role: Role): string[] => {
    const keys = (raw as Record<string, unknown>)[role] ?? [];
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new Error(`${file}: ${role} must be a list of keys`);
    return keys;
  };
  return { write: list('write'), admin: list('admin'), analyst: list('analyst') };
}

/** Keys from `keysFile`, created with one fresh key per role if it does not exist. */
export function loadOrCreateKeys(keysFile: string): Keys {
  if (fs.existsSync(keysFile)) return readKeysFile(keysFile);
  const keys: Keys = { write: [newKey('write')], admin: [newKey('admin')], analyst: [newKey('analyst')] };
  fs.mkdirSync(path.dirname(keysFile), { recursive: true });
  fs.writeFileSync(keysFile, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}
