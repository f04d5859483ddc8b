// The SQLite store's tables, and how a connection to them is opened.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const SCHEMA = `
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
CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_at);
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
CREATE TABLE IF NOT EXISTS experiments (
  id         TEXT PRIMARY KEY,
  record     TEXT NOT NULL,
  created_at INTEGER NOT NULL
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
  stage              TEXT,
  rfm_r              INTEGER NOT NULL,
  rfm_f              INTEGER NOT NULL,
  rfm_m              INTEGER NOT NULL,
  rfm_group          TEXT NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
  id         TEXT PRIMARY KEY,
  record     TEXT NOT NULL,
  state      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq             INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  subscription_id TEXT    NOT NULL,
  customer_id     TEXT,
  type            TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  due_at          INTEGER,
  attempts        INTEGER NOT NULL,
  state           TEXT    NOT NULL
);
-- Deliveries as queued, many to a row, spread into webhook_deliveries when the dispatcher takes them up.
CREATE TABLE IF NOT EXISTS webhook_batches (
  seq             INTEGER PRIMARY KEY,
  subscription_id TEXT    NOT NULL,
  count           INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  deliveries      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_customer ON webhook_deliveries (subscription_id, customer_id, seq) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS webhook_attempts (
  delivery_id TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  status      INTEGER,
  duration_ms INTEGER NOT NULL,
  excerpt     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, at);
CREATE TABLE IF NOT EXISTS stage_changes (
  customer_id TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  from_stage  TEXT,
  to_stage    TEXT    NOT NULL,
  PRIMARY KEY (customer_id, at, to_stage)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stage_changes_at ON stage_changes (at);
CREATE TABLE IF NOT EXISTS value_history (
  customer_id TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  clv         REAL,
  churn_risk  TEXT,
  stage       TEXT,
  PRIMARY KEY (customer_id, at)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS value_progress (
  at                 INTEGER PRIMARY KEY,
  customers          INTEGER NOT NULL,
  clv                REAL NOT NULL,
  expected_purchases REAL NOT NULL,
  by_stage           TEXT NOT NULL,
  by_churn_risk      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressions (
  hash   TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deletions (
  id           TEXT PRIMARY KEY,
  record       TEXT NOT NULL,
  requested_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_segments (
  customer_id TEXT PRIMARY KEY,
  segment_id  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
`;

/** Opens (and creates, with its folder) the database, WAL, its tables made if new. */
export function openDatabase(file: string, durability: 'full' | 'normal'): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // 16 KB pages for a new database (an existing one keeps its own): the events table grows by appending
  // rows of about half a kilobyte, and fewer, larger pages make its inserts a quarter cheaper here.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  secureDelete(db);
  db.exec(SCHEMA);
  addMissingColumns(db);
  return db;
}

/**
 * Deleted content is overwritten with zeros, not left in free space: a person's data, once deleted, is gone from
 * the file's bytes too (with a checkpoint for the write-ahead log). Every connection to the database sets it: a
 * row one of them rewrote would otherwise leave its old bytes behind.
 */
export function secureDelete(db: Database.Database): void {
  db.pragma('secure_delete = ON');
}

/** Columns added since a table was first made: a database made by an earlier version gets them, empty. */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [['customer_values', 'stage', 'TEXT']];

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}
