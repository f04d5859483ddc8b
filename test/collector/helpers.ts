// A real collector on an ephemeral port with a temporary SQLite file, and small helpers to talk to it.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { createApp, type CollectorOptions, type PatronApp } from '../../collector';
import { bucketOf, variantOf } from '../../recommender';
import type { WireEvent } from '../../sdk/wire';

export const KEYS = { write: ['pk_test'], admin: ['sk_admin_test'], analyst: ['sk_analyst_test'] };

export interface Running {
  app: PatronApp;
  url: string;
  dir: string;
  database: string;
  stop(): Promise<void>;
}

export async function startCollector(options: Partial<CollectorOptions> = {}, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-'))): Promise<Running> {
  const database = path.join(dir, 'patron.db');
  const app = await createApp({ keys: KEYS, database, log: () => {}, sdkDir: false, ...options });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    url,
    dir,
    database,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await app.patron.close();
    },
  };
}

/**
 * Reads the database file as an analyst's own SQLite client would, once the collector's tables have caught
 * up with what it acknowledged (ingest journals first and fills the tables a moment later).
 */
export async function readDatabase<T>(c: Running, read: (db: Database.Database) => T): Promise<T> {
  await c.app.patron.store.settled();
  const db = new Database(c.database, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export async function post(url: string, body: unknown, init: { key?: string | null; contentType?: string; raw?: boolean } = {}) {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
  if (init.key !== null) headers.authorization = basic(init.key ?? KEYS.write[0]);
  const res = await fetch(url, { method: 'POST', headers, body: init.raw ? (body as string) : JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function get(url: string, key: string | null = KEYS.write[0], bearer = false) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = bearer ? `Bearer ${key}` : basic(key);
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function put(url: string, body: unknown, key = KEYS.admin[0]) {
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

let clock = Date.parse('2026-06-01T10:00:00Z');
export function event(partial: Partial<WireEvent> & Pick<WireEvent, 'type'>): WireEvent {
  clock += 1000;
  return { messageId: randomUUID(), anonymousId: 'anon-1', timestamp: new Date(clock).toISOString(), ...partial };
}

export const viewed = (product: string, anonymousId = 'anon-1', extra: Partial<WireEvent> = {}) =>
  event({ type: 'track', event: 'Product Viewed', anonymousId, properties: { product_id: product }, ...extra });

export const ordered = (products: string[], anonymousId = 'anon-1', extra: Partial<WireEvent> = {}) =>
  event({
    type: 'track',
    event: 'Order Completed',
    anonymousId,
    properties: { order_id: randomUUID(), revenue: 10 * products.length, products: products.map((product_id) => ({ product_id, price: 10, quantity: 1 })) },
    ...extra,
  });

export function catalog(ids: string[], overrides: Record<string, object> = {}) {
  return { items: ids.map((id) => ({ id, name: `Product ${id}`, url: `/p/${id}`, price: 10, currency: 'EUR', category: 'misc', in_stock: true, ...overrides[id] })) };
}

/** An order as a shop's server sends it: one line of one product at `revenue`. */
export function orderEvent(customer: string, at: number, revenue: number): WireEvent {
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: randomUUID(),
    userId: customer,
    timestamp: new Date(at).toISOString(),
    properties: { order_id: randomUUID(), revenue, products: [{ product_id: 'p1', price: revenue, quantity: 1 }] },
  };
}

/** `patron serve` in a child process of its own (to be killed), on `database`, with the test keys and `flags`. */
export function spawnCollector(database: string, ...flags: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const args = ['--import', 'tsx', 'collector/server.ts', '--port', '0', '--host', '127.0.0.1', '--database', database, '--rate-per-key', 'off', ...flags];
  for (const [role, keys] of Object.entries(KEYS)) for (const k of keys) args.push(`--${role}-key`, k);
  const child = spawn(process.execPath, args, { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`collector exited (${code}): ${out}`)));
  });
}

/** The first `n` visitor ids (`experiment-vN`) that an experiment's split of `weights` puts in `variant`. */
export function visitorsIn(experiment: string, variant: number, n: number, weights = [0.5, 0.5]): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (variantOf(bucketOf(experiment, `${experiment}-v${i}`), weights) === variant) out.push(`${experiment}-v${i}`);
  return out;
}
