// The embedded store: SQLite through better-sqlite3, WAL, statements prepared once.
//
// What ingest writes goes through the journal (ingest-writer.ts): a request is answered once its record is
// durable there (fdatasync unless durability is 'normal'), and a worker thread fills the tables behind it,
// so the main thread never waits on SQLite for an event. Readers of those tables wait for the worker with
// settled(), so an API answer always includes every acknowledged event.
//
// Duplicates are told apart before journalling, by a set of every stored key (key-set.ts); the tables' own
// unique key (timestamp, message_id) still refuses a second copy at rest, whatever the path. A retry, a
// beacon or a second tab re-sends the same event with the same timestamp, and live events arrive in roughly
// time order, so the unique index grows at its end (keyed by a random messageId alone, every insert would
// dirty a random index page: 5x slower here).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { CatalogItem } from '../../domain/catalog-item';
import type { SlotConfig } from '../../domain/slot-config';
import { createApplier, type JournalHeader } from './journal-apply';
import { directWriter, journalWriter, type IngestWriter } from './ingest-writer';
import { KeySet } from './key-set';
import type { EventSource, EventQuery, EventQueryRow, TopProductRow, SlotStats, Store, StoredSegments, StoredValues } from '../store';
import type { RawEvent, StoredEvent } from '../../domain/stored-event';
import { BUCKET_NAME, stepsReached, type ChurnRisk, type CustomerValue, type RfmGroup } from '../../../recommender';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  event        TEXT,
  anonymous_id TEXT,
  user_id      TEXT,
  session_id   TEXT,
  timestamp    INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  product_id   TEXT,
  order_id     TEXT,
  revenue      REAL,
  properties   TEXT    NOT NULL,
  context      TEXT    NOT NULL,
  traits       TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS events_dedup ON events (timestamp, message_id);
CREATE TABLE IF NOT EXISTS quarantine (
  id          INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  message_id  TEXT,
  reasons     TEXT    NOT NULL,
  raw         TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  url        TEXT,
  image      TEXT,
  price      REAL,
  currency   TEXT,
  category   TEXT,
  in_stock   INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS identities (
  anonymous_id TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  linked_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS segments (
  id            INTEGER PRIMARY KEY,
  slug          TEXT NOT NULL,
  label         TEXT NOT NULL,
  size          INTEGER NOT NULL,
  revenue_share REAL NOT NULL,
  centroid      TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS slots (
  name       TEXT PRIMARY KEY,
  config     TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS slot_stats (
  day         TEXT NOT NULL,
  slot        TEXT NOT NULL,
  impressions INTEGER NOT NULL DEFAULT 0,
  clicks      INTEGER NOT NULL DEFAULT 0,
  orders      INTEGER NOT NULL DEFAULT 0,
  revenue     REAL    NOT NULL DEFAULT 0,
  PRIMARY KEY (day, slot)
);
CREATE TABLE IF NOT EXISTS attributions (
  id                 INTEGER PRIMARY KEY,
  order_id           TEXT,
  slot               TEXT NOT NULL,
  recommendation_ids TEXT NOT NULL,
  products           TEXT NOT NULL,
  revenue            REAL NOT NULL,
  at                 INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_values (
  customer_id        TEXT PRIMARY KEY,
  orders             INTEGER NOT NULL,
  revenue            REAL NOT NULL,
  p_alive            REAL,
  expected_purchases REAL,
  expected_spend     REAL NOT NULL,
  clv                REAL,
  churn_risk         TEXT,
  rfm_r              INTEGER NOT NULL,
  rfm_f              INTEGER NOT NULL,
  rfm_m              INTEGER NOT NULL,
  rfm_group          TEXT NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_segments (
  customer_id TEXT PRIMARY KEY,
  segment_id  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
`;

// Buckets as integers (a third faster to group by than date strings), named in JavaScript afterwards, as the
// collector's in-memory event log buckets and names them.
const DAY_MS = 86_400_000;
const BUCKETS: Record<NonNullable<EventQuery['interval']>, { sql: string; name: (n: number) => string }> = {
  hour: { sql: 'e.timestamp / 3600000', name: BUCKET_NAME.hour },
  day: { sql: `e.timestamp / ${DAY_MS}`, name: BUCKET_NAME.day },
  // Weeks start on Monday (ISO); day 0 of the epoch was a Thursday.
  week: { sql: `(e.timestamp / ${DAY_MS} + 3) / 7`, name: BUCKET_NAME.week },
  month: { sql: "CAST(strftime('%Y', e.timestamp / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', e.timestamp / 1000, 'unixepoch') AS INTEGER) - 1", name: BUCKET_NAME.month },
};
const WHO = 'COALESCE(e.user_id, i.user_id, e.anonymous_id)';

/** Adds `from <= timestamp < to` (each when given) to a query's conditions. */
function timeRange(where: string[], params: unknown[], range: { from?: number; to?: number }): void {
  if (range.from !== undefined) {
    where.push('e.timestamp >= ?');
    params.push(range.from);
  }
  if (range.to !== undefined) {
    where.push('e.timestamp < ?');
    params.push(range.to);
  }
}

/** The SQL of an events query: fragments from fixed lists only, every value a bound parameter. */
export function eventQuerySql(q: EventQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const groupParams: unknown[] = [];
  if (q.events?.length) {
    where.push(`e.event IN (${q.events.map(() => '?').join(', ')})`);
    params.push(...q.events);
  }
  for (const [column, value] of [
    ['e.type', q.type],
    ['e.user_id', q.userId],
    ['e.anonymous_id', q.anonymousId],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (q.productId !== undefined) {
    // The event's own product, or a line of an order.
    where.push(
      "(e.product_id = ? OR (e.event = 'Order Completed' AND EXISTS (SELECT 1 FROM json_each(e.properties, '$.products') p WHERE COALESCE(json_extract(p.value, '$.product_id'), json_extract(p.value, '$.sku')) = ?)))",
    );
    params.push(q.productId, q.productId);
  }
  timeRange(where, params, q);
  for (const [name, value] of q.properties) {
    where.push("CAST(json_extract(e.properties, '$.' || ?) AS TEXT) = ?");
    params.push(name, value);
  }
  const select: string[] = [];
  const group: string[] = [];
  if (q.interval) {
    select.push(`${BUCKETS[q.interval].sql} AS bucket`);
    group.push('bucket');
  }
  if (q.by) {
    const expression =
      q.by === 'user' ? WHO : q.by === 'event' || q.by === 'type' || q.by === 'product_id' ? `e.${q.by}` : "json_extract(e.properties, '$.' || ?)";
    if (q.by.startsWith('prop.')) groupParams.push(q.by.slice(5));
    select.push(`${expression} AS "group"`);
    group.push('"group"');
  }
  for (const m of q.measures) select.push(m === 'count' ? 'count(*) AS count' : m === 'users' ? `count(DISTINCT ${WHO}) AS users` : 'round(COALESCE(sum(e.revenue), 0), 2) AS revenue');
  const sql =
    `SELECT ${select.join(', ')} FROM events e` +
    // Identities only when people are counted or listed.
    (q.by === 'user' || q.measures.includes('users') ? ' LEFT JOIN identities i ON i.anonymous_id = e.anonymous_id' : '') +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    (group.length ? ` GROUP BY ${group.join(', ')} ORDER BY ${group.join(', ')}` : '') +
    ' LIMIT ?';
  return { sql, params: [...groupParams, ...params, q.limit] };
}

interface ValueRow {
  customer_id: string;
  orders: number;
  revenue: number;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_spend: number;
  clv: number | null;
  churn_risk: string | null;
  rfm_r: number;
  rfm_f: number;
  rfm_m: number;
  rfm_group: string;
}

const SCAN_COLUMNS = ['message_id', 'type', 'event', 'anonymous_id', 'user_id', 'session_id', 'timestamp', 'received_at', 'properties', 'context', 'traits'] as const;
type ScanRow = [string, StoredEvent['type'], string | null, string | null, string | null, string | null, number, number, string, string, string | null];

function toRawEvent(r: ScanRow): RawEvent {
  return { messageId: r[0], type: r[1], event: r[2], anonymousId: r[3], userId: r[4], sessionId: r[5], timestamp: r[6], receivedAt: r[7], properties: r[8], context: r[9], traits: r[10] };
}

function parsed(raw: RawEvent): StoredEvent {
  return { ...raw, properties: JSON.parse(raw.properties), context: JSON.parse(raw.context), traits: raw.traits === null ? null : JSON.parse(raw.traits) };
}

/**
 * Every stored event's dedup key: the set saved at the last stop (or ten minutes before a crash) and the keys
 * of the rows stored since, or all of them read from the table when there is no saved set that fits it.
 */
function loadKeys(db: Database.Database, file: string): KeySet {
  const saved = KeySet.load(file);
  let from = 0;
  let keys: KeySet;
  const marked = saved && saved.mark > 0 ? (db.prepare('SELECT timestamp, message_id FROM events WHERE id = ?').raw(true).get(saved.mark) as [number, string] | undefined) : undefined;
  // A saved set fits if the row it was saved after is there and in it (not a set of another database's).
  if (saved && (saved.mark === 0 || (marked && saved.keys.has(marked[0], marked[1])))) {
    keys = saved.keys;
    from = saved.mark;
  } else {
    const count = (db.prepare('SELECT count(*) FROM events').pluck().get() as number) ?? 0;
    keys = new KeySet(Math.max(1024, count * 1.25));
  }
  for (const [timestamp, messageId] of db.prepare('SELECT timestamp, message_id FROM events WHERE id > ?').raw(true).iterate(from) as IterableIterator<[number, string]>) keys.add(timestamp, messageId);
  return keys;
}

/** The last stored row's id: what a saved key set covers. */
const lastRowId = (db: Database.Database) => (db.prepare('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. Parent folders are created. */
  file: string;
  /**
   * full (default): an acknowledged event survives a power cut. normal: it survives the collector being
   * killed, but the last commits can be lost if the machine itself goes down.
   */
  durability?: 'full' | 'normal';
  /**
   * Journal ingest (default for a file). false writes to the tables directly, as a short-lived command does
   * (after replaying what a collector that stopped left in the journal, if none is running).
   */
  journal?: boolean;
  /** The built journal worker. */
  journalWorker?: string;
  log?: (message: string) => void;
}

// Built from journal-worker.ts by rollup: Node 20 cannot apply tsx's loader inside a worker thread.
export const DEFAULT_JOURNAL_WORKER = fileURLToPath(new URL('../../../dist/journal-worker.mjs', import.meta.url));

export function openSqliteStore({ file, durability = 'full', journal = true, journalWorker = DEFAULT_JOURNAL_WORKER, log = () => {} }: SqliteStoreOptions): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // 16 KB pages for a new database (an existing one keeps its own): the events table grows by appending
  // rows of about half a kilobyte, and fewer, larger pages make its inserts a quarter cheaper here.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.exec(SCHEMA);

  const writer: IngestWriter =
    (file !== ':memory:' && journalWriter({ database: path.resolve(file), db, sync: durability === 'full', own: journal, workerScript: journalWorker, log })) ||
    directWriter(createApplier(db));
  // Journalled, duplicates are known before the worker stores anything: every stored key, in memory, saved
  // beside the database every ten minutes and at the stop so that the next start need not read them all.
  const keysFile = `${path.resolve(file)}.keys`;
  const keys = writer.journalled ? loadKeys(db, keysFile) : null;
  const saving =
    keys &&
    setInterval(() => keys.saveInBackground(keysFile, lastRowId(db)).catch((error) => log(`could not save the dedup keys: ${error.message}`)), 10 * 60_000).unref();
  const isStored = db.prepare('SELECT 1 FROM events WHERE timestamp = ? AND message_id = ?').pluck();
  const upsertItem = db.prepare(`
    INSERT INTO items (id, name, url, image, price, currency, category, in_stock, attributes, updated_at)
    VALUES (@id, @name, @url, @image, @price, @currency, @category, @in_stock, @attributes, @updated_at)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url, image = excluded.image,
      price = excluded.price, currency = excluded.currency, category = excluded.category,
      in_stock = excluded.in_stock, attributes = excluded.attributes, updated_at = excluded.updated_at`);
  // Rows as arrays (twice as fast as objects), in SCAN_COLUMNS order.
  const pageOfEvents = db
    .prepare(`SELECT ${SCAN_COLUMNS.join(', ')} FROM events WHERE (timestamp, message_id) > (?, ?) AND timestamp < ? ORDER BY timestamp, message_id LIMIT ?`)
    .raw(true);

  /** Every event in time order, a page at a time (keyset pagination: each page is one index seek). */
  function* pagesOfEvents(pageSize: number, range: { from?: number; to?: number } = {}): Generator<RawEvent[]> {
    let after: [number, string] = [range.from ?? -Infinity, ''];
    for (;;) {
      const rows = pageOfEvents.all(after[0], after[1], range.to ?? Infinity, pageSize) as ScanRow[];
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = [last[6], last[0]];
      yield rows.map(toRawEvent);
    }
  }

  /** Writes the events at `picked`: by position in the request body where they are as they arrived. */
  function writeEvents(events: StoredEvent[], picked: number[], source?: EventSource) {
    const at = events[picked[0]].receivedAt;
    const inBody: number[] = [];
    const whole: StoredEvent[] = [];
    for (const k of picked) {
      const position = source?.positions[k] ?? -1;
      if (position >= 0 && events[k].receivedAt === at) inBody.push(position);
      else whole.push(events[k]);
    }
    const header: JournalHeader = { k: 'e', at };
    if (source?.impliedType) header.t = source.impliedType;
    if (source?.single) header.s = 1;
    if (inBody.length) header.i = inBody;
    if (whole.length) header.x = whole;
    return writer.write(header, inBody.length ? source!.body : undefined);
  }

  /** Journalled: which events are new is known from the key set, and each "seen" checked against the tables. */
  async function insertJournalled(events: StoredEvent[], keys: KeySet, source?: EventSource) {
    const fresh: number[] = [];
    const seen: number[] = [];
    for (let k = 0; k < events.length; k++) (keys.add(events[k].timestamp, events[k].messageId) ? fresh : seen).push(k);
    // The new ones are journalled before anything is awaited, so that a request arriving meanwhile with the
    // same event finds it when it checks.
    const written = fresh.length ? writeEvents(events, fresh, source) : undefined;
    const lookalikes: number[] = [];
    if (seen.length) {
      const keyOf = (k: number) => `${events[k].timestamp} ${events[k].messageId}`;
      const inCall = new Set(fresh.map(keyOf));
      const check = seen.filter((k) => !inCall.has(keyOf(k)));
      if (check.length) {
        await writer.settled();
        for (const k of check) if (isStored.get(events[k].timestamp, events[k].messageId) === undefined) lookalikes.push(k);
      }
    }
    await written;
    if (lookalikes.length) await writeEvents(events, lookalikes, source);
    if (seen.length === 0) return { inserted: events, duplicates: 0 };
    const stored = new Set([...fresh, ...lookalikes]);
    const inserted = events.filter((_, k) => stored.has(k));
    return { inserted, duplicates: events.length - inserted.length };
  }

  const upsertItems = db.transaction((items: CatalogItem[]) => {
    const now = Date.now();
    for (const item of items) {
      upsertItem.run({
        id: item.id,
        name: item.name,
        url: item.url ?? null,
        image: item.image ?? null,
        price: item.price ?? null,
        currency: item.currency ?? null,
        category: item.category ?? null,
        in_stock: item.in_stock ? 1 : 0,
        attributes: JSON.stringify(item.attributes),
        updated_at: now,
      });
    }
    return items.length;
  });

  const saveSegments = db.transaction((s: StoredSegments) => {
    db.prepare('DELETE FROM segments').run();
    db.prepare('DELETE FROM customer_segments').run();
    const segment = db.prepare('INSERT INTO segments (id, slug, label, size, revenue_share, centroid, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const x of s.segments) segment.run(x.id, x.slug, x.label, x.size, x.revenueShare, JSON.stringify(x.centroid), s.updatedAt);
    const assign = db.prepare('INSERT INTO customer_segments (customer_id, segment_id, updated_at) VALUES (?, ?, ?)');
    for (const [customer, id] of s.assignments) assign.run(customer, id, s.updatedAt);
  });

  const saveValues = db.transaction((v: StoredValues) => {
    db.prepare('DELETE FROM customer_values').run();
    const insert = db.prepare(
      'INSERT INTO customer_values (customer_id, orders, revenue, p_alive, expected_purchases, expected_spend, clv, churn_risk, rfm_r, rfm_f, rfm_m, rfm_group, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const c of v.customers) insert.run(c.id, c.orders, c.revenue, c.pAlive, c.expectedPurchases, c.expectedSpend, c.clv, c.churnRisk, c.rfm.r, c.rfm.f, c.rfm.m, c.rfm.group, v.updatedAt);
    db.prepare("INSERT INTO meta (key, value) VALUES ('value_model', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify({ ...v.model, updatedAt: v.updatedAt }));
  });

  return {
    async insertEvents(events, source) {
      if (events.length === 0) return { inserted: [], duplicates: 0 };
      if (keys) return insertJournalled(events, keys, source);
      // Direct: the table's unique key says which are new.
      const isNew = (await writeEvents(events, events.map((_, k) => k), source))!;
      const inserted = events.filter((_, k) => isNew[k]);
      return { inserted, duplicates: events.length - inserted.length };
    },
    async quarantine(rows) {
      if (rows.length) await writer.write({ k: 'q', rows });
    },
    settled: () => writer.settled(),
    async listQuarantine(limit, beforeId) {
      await writer.settled();
      const rows = db
        .prepare('SELECT * FROM quarantine WHERE id < ? ORDER BY id DESC LIMIT ?')
        .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as { id: number; received_at: number; message_id: string | null; reasons: string; raw: string }[];
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, messageId: r.message_id, reasons: JSON.parse(r.reasons), raw: r.raw }));
    },
    async countEvents() {
      await writer.settled();
      return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    },
    async *scanEvents(pageSize = 5000) {
      await writer.settled();
      for (const page of pagesOfEvents(pageSize)) yield page.map(parsed);
    },
    async *scanRawEvents(pageSize = 5000, range) {
      await writer.settled();
      yield* pagesOfEvents(pageSize, range);
    },
    async upsertItems(items) {
      return upsertItems(items);
    },
    async listItems() {
      const rows = db.prepare('SELECT * FROM items ORDER BY id').all() as Record<string, unknown>[];
      return rows.map((r) => ({
        id: r.id as string,
        name: r.name as string,
        ...(r.url !== null ? { url: r.url as string } : {}),
        ...(r.image !== null ? { image: r.image as string } : {}),
        ...(r.price !== null ? { price: r.price as number } : {}),
        ...(r.currency !== null ? { currency: r.currency as string } : {}),
        ...(r.category !== null ? { category: r.category as string } : {}),
        in_stock: r.in_stock === 1,
        attributes: JSON.parse(r.attributes as string),
      }));
    },
    async deleteItems(ids) {
      const remove = db.prepare('DELETE FROM items WHERE id = ?');
      return db.transaction(() => ids.reduce((n, id) => n + remove.run(id).changes, 0))();
    },
    async listSlots() {
      const rows = db.prepare('SELECT name, config, updated_at FROM slots ORDER BY name').all() as { name: string; config: string; updated_at: number }[];
      return rows.map((r) => ({ name: r.name, config: JSON.parse(r.config) as SlotConfig, updatedAt: r.updated_at }));
    },
    async putSlot(name, config, at) {
      const existed = db.prepare('SELECT 1 FROM slots WHERE name = ?').get(name) !== undefined;
      db.prepare('INSERT INTO slots (name, config, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at').run(name, JSON.stringify(config), at);
      return !existed;
    },
    async deleteSlot(name) {
      return db.prepare('DELETE FROM slots WHERE name = ?').run(name).changes > 0;
    },
    async linkIdentity(anonymousId, userId, at) {
      await writer.write({ k: 'l', links: [[anonymousId, userId, at]] });
    },
    async listIdentities() {
      await writer.settled();
      const rows = db.prepare('SELECT anonymous_id, user_id FROM identities').all() as { anonymous_id: string; user_id: string }[];
      return new Map(rows.map((r) => [r.anonymous_id, r.user_id]));
    },
    async addSlotStats(stats, attributions) {
      if (stats.length || attributions.length) await writer.write({ k: 's', stats, attributions });
    },
    async slotReport({ from, to, slot }) {
      await writer.settled();
      return db
        .prepare(
          `SELECT day, slot, impressions, clicks, orders, revenue FROM slot_stats
           WHERE day >= ? AND day <= ? AND (? IS NULL OR slot = ?) ORDER BY day, slot`,
        )
        .all(from ?? '0000-00-00', to ?? '9999-99-99', slot ?? null, slot ?? null) as SlotStats[];
    },
    async addClientDropped(n) {
      await writer.write({ k: 'd', n });
    },
    async clientDropped() {
      await writer.settled();
      return (db.prepare("SELECT value FROM meta WHERE key = 'client_dropped'").get() as { value: number } | undefined)?.value ?? 0;
    },
    async saveSegments(s) {
      saveSegments(s);
    },
    async loadSegments() {
      const rows = db.prepare('SELECT * FROM segments ORDER BY id').all() as { id: number; slug: string; label: string; size: number; revenue_share: number; centroid: string; updated_at: number }[];
      if (rows.length === 0) return null;
      const assignments = db.prepare('SELECT customer_id, segment_id FROM customer_segments').all() as { customer_id: string; segment_id: number }[];
      return {
        segments: rows.map((r) => ({ id: r.id, slug: r.slug, label: r.label, size: r.size, revenueShare: r.revenue_share, centroid: JSON.parse(r.centroid) })),
        assignments: new Map(assignments.map((a) => [a.customer_id, a.segment_id])),
        updatedAt: rows[0].updated_at,
      };
    },
    async queryEvents(q) {
      await writer.settled();
      const { sql, params } = eventQuerySql(q);
      const rows = db.prepare(sql).all(...params) as (Omit<EventQueryRow, 'bucket'> & { bucket?: number })[];
      const name = q.interval && BUCKETS[q.interval].name;
      return name ? rows.map((r) => ({ ...r, bucket: name(r.bucket!) })) : (rows as EventQueryRow[]);
    },
    async retention(q) {
      await writer.settled();
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.basis === 'orders') where.push("e.event = 'Order Completed'");
      timeRange(where, params, q);
      const bucket = BUCKETS[q.interval];
      const rows = db
        .prepare(
          `WITH acts AS (
             SELECT ${WHO} AS who, ${bucket.sql} AS bucket FROM events e LEFT JOIN identities i ON i.anonymous_id = e.anonymous_id
             ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY who, bucket),
           firsts AS (SELECT who, min(bucket) AS cohort FROM acts GROUP BY who)
           SELECT f.cohort AS cohort, a.bucket - f.cohort AS offset, count(*) AS customers
           FROM acts a JOIN firsts f ON f.who = a.who GROUP BY f.cohort, offset ORDER BY f.cohort, offset`,
        )
        .all(...params) as { cohort: number; offset: number; customers: number }[];
      return rows.map((r) => ({ ...r, cohort: bucket.name(r.cohort) }));
    },
    async topProducts(q) {
      await writer.settled();
      const range: string[] = [];
      const params: unknown[] = [];
      timeRange(range, params, q);
      const when = range.length ? ` AND ${range.join(' AND ')}` : '';
      const order = { views: 'views', cartAdds: 'cart_adds', orders: 'orders', revenue: 'revenue' }[q.sort];
      const rows = db
        .prepare(
          `SELECT product AS productId, sum(views) AS views, sum(cart_adds) AS cartAdds, sum(orders) AS orders, round(sum(revenue), 2) AS revenue FROM (
             SELECT e.product_id AS product, sum(e.event = 'Product Viewed') AS views, sum(e.event = 'Product Added') AS cart_adds, 0 AS orders, 0 AS revenue
             FROM events e WHERE e.event IN ('Product Viewed', 'Product Added') AND e.product_id IS NOT NULL${when} GROUP BY e.product_id
             UNION ALL
             SELECT COALESCE(json_extract(p.value, '$.product_id'), json_extract(p.value, '$.sku')) AS product, 0, 0, count(DISTINCT e.id),
               sum(COALESCE(json_extract(p.value, '$.price'), 0) * COALESCE(json_extract(p.value, '$.quantity'), 1))
             FROM events e, json_each(e.properties, '$.products') p WHERE e.event = 'Order Completed'${when} GROUP BY product
           ) WHERE product IS NOT NULL GROUP BY product ORDER BY ${order} DESC, product LIMIT ?`,
        )
        .all(...params, ...params, q.limit);
      return rows as TopProductRow[];
    },
    async funnel(q, groupOf = () => '') {
      await writer.settled();
      const where = [`e.event IN (${q.steps.map(() => '?').join(', ')})`];
      const params: unknown[] = [...q.steps];
      timeRange(where, params, q);
      const rows = db
        .prepare(`SELECT ${WHO} AS who, e.event, e.timestamp FROM events e LEFT JOIN identities i ON i.anonymous_id = e.anonymous_id WHERE ${where.join(' AND ')} ORDER BY who, e.timestamp`)
        .raw(true)
        .iterate(...params) as IterableIterator<[string, string, number]>;
      // One person at a time (rows come grouped by person), all in this call: nothing else uses the connection meanwhile.
      const counts = new Map<string, number[]>();
      const stepOf = new Map(q.steps.map((name, i) => [name, i]));
      let who: string | undefined;
      let events: [number, number][] = [];
      const finish = () => {
        if (who === undefined) return;
        const reached = stepsReached(events, q.steps.length, q.windowMs);
        const group = groupOf(who);
        let list = counts.get(group);
        if (!list) counts.set(group, (list = new Array<number>(q.steps.length).fill(0)));
        for (let k = 0; k < reached; k++) list[k]++;
      };
      for (const [person, event, timestamp] of rows) {
        if (person !== who) {
          finish();
          who = person;
          events = [];
        }
        events.push([stepOf.get(event)!, timestamp]);
      }
      finish();
      return counts;
    },
    async saveValues(v) {
      saveValues(v);
    },
    async loadValues() {
      const meta = db.prepare("SELECT value FROM meta WHERE key = 'value_model'").get() as { value: string } | undefined;
      if (!meta) return null;
      const { updatedAt, ...model } = JSON.parse(meta.value) as StoredValues['model'] & { updatedAt: number };
      const rows = db.prepare('SELECT * FROM customer_values').all() as ValueRow[];
      const customers = rows.map((r): CustomerValue => ({
        id: r.customer_id,
        orders: r.orders,
        revenue: r.revenue,
        pAlive: r.p_alive,
        expectedPurchases: r.expected_purchases,
        expectedSpend: r.expected_spend,
        clv: r.clv,
        churnRisk: r.churn_risk as ChurnRisk | null,
        rfm: { r: r.rfm_r, f: r.rfm_f, m: r.rfm_m, group: r.rfm_group as RfmGroup },
      }));
      return { model, customers, updatedAt };
    },
    async close() {
      await writer.close();
      if (saving) clearInterval(saving);
      if (keys && db.open) keys.save(keysFile, lastRowId(db));
      if (db.open) db.close();
    },
  };
}
