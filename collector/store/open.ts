// The one place a storage engine is chosen, from one setting: `sqlite:./data/patron.db` (or a bare path, or
// `sqlite::memory:`). The server's --store flag, PATRON_STORE, the CLI and createApp all come here.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from './sqlite/sqlite';
import { openSqliteWebhooks } from './sqlite/webhooks';
import type { Store, WebhookStore } from './store';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATABASE = path.join(ROOT, 'data', 'patron.db');
export const DEFAULT_STORE = `sqlite:${DEFAULT_DATABASE}`;

export const ENGINES = ['sqlite'] as const;
export type Engine = (typeof ENGINES)[number];

export interface StoreLocation {
  engine: Engine;
  /** sqlite: the database file (absolute), or ':memory:'. */
  location: string;
}

export interface OpenStoreOptions {
  /**
   * full (default): an acknowledged event survives a power cut. normal: it survives the collector being
   * killed, but the last commits can be lost if the machine itself goes down.
   */
  durability?: 'full' | 'normal';
  /**
   * A short-lived command (import, export) beside a collector that may be running: it writes and reads the
   * tables directly and runs nothing in the background.
   */
  command?: boolean;
  /** Refuse to create a store: it must exist already (an export, say). */
  existing?: boolean;
  log?: (message: string) => void;
}

/** A store setting that names no known engine, or a store that must exist and does not. */
export class StoreSettingError extends Error {
  override name = 'StoreSettingError';
}

/** The engine and location a setting names; a bare path is a SQLite file. */
export function parseStoreSetting(setting: string): StoreLocation {
  const match = /^([a-z][a-z0-9+]*):(?!\/\/|\\)(.*)$/.exec(setting);
  const [engine, location] = match && !/^[a-zA-Z]$/.test(match[1]) ? [match[1], match[2]] : ['sqlite', setting];
  if (!(ENGINES as readonly string[]).includes(engine)) throw new StoreSettingError(`unknown store engine ${engine} in ${setting} (known: ${ENGINES.join(', ')})`);
  if (location === '') throw new StoreSettingError(`the store setting ${setting} names no database`);
  return { engine: engine as Engine, location: location === ':memory:' ? location : path.resolve(location) };
}

/**
 * The store setting of a command line and its environment: a flag wins over a variable. --store names any
 * engine, --database a SQLite file (the older spelling, the same as --store sqlite:FILE); then PATRON_STORE,
 * PATRON_DATABASE; else ./data/patron.db.
 */
export function storeSetting(flags: { store?: string; database?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.store !== undefined && flags.database !== undefined) throw new StoreSettingError('give --store or --database, not both: they name the same thing');
  const sqlite = (file: string | undefined) => (file === undefined ? undefined : `sqlite:${file}`);
  return flags.store ?? sqlite(flags.database) ?? env.PATRON_STORE ?? sqlite(env.PATRON_DATABASE) ?? DEFAULT_STORE;
}

/** The folder a store's neighbours (the keys file the collector makes) go in by default. */
export function storeHome(setting: string): string {
  const { location } = parseStoreSetting(setting);
  return location === ':memory:' ? path.dirname(DEFAULT_DATABASE) : path.dirname(location);
}

export function openStore(setting: string, options: OpenStoreOptions = {}): Store {
  const { engine, location } = parseStoreSetting(setting);
  switch (engine) {
    case 'sqlite':
      if (options.existing && location !== ':memory:' && !fs.existsSync(location)) throw new StoreSettingError(`no database ${location}`);
      return openSqliteStore({ file: location, durability: options.durability, journal: !options.command, log: options.log });
  }
}

/** The webhook outbox alone, on a connection of its own (the dispatcher's thread): a store's `shareable` setting. */
export function openWebhookStore(setting: string): WebhookStore & { close(): void } {
  const { engine, location } = parseStoreSetting(setting);
  switch (engine) {
    case 'sqlite':
      if (location === ':memory:') throw new StoreSettingError('an in-memory database cannot be opened twice');
      return openSqliteWebhooks(location);
  }
}
