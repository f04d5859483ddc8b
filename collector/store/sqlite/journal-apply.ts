// Writes journal records into the SQLite tables: used by the journal's worker as records arrive, by start-up
// to replay what a crash left unapplied, and directly (no journal) by a store that does not own the journal.
// Each call is one transaction that also records how far the journal is applied, so a record is applied
// exactly once whatever happens between two calls.

import type Database from 'better-sqlite3';
import type { EventType } from '../../../sdk/wire';
import { singleEventOf, toStored, withImpliedType } from '../../domain/stored-event';
import { rowsFromBody, type EventRow } from './raw-rows';
import { storageFailureOf } from './storage-failure';
import type { ValidEvent } from '../../domain/event';
import type { AttributedOrder, SlotStats } from '../store';
import type { QuarantinedEvent, StoredEvent } from '../../domain/stored-event';

/** What ingest journals. Short keys: a header is written with every request. */
export type JournalHeader =
  /**
   * Events: `i`, positions in the request body's events (a batch, or `s` a single event) of those stored as
   * they arrived, rebuilt here with `toStored` at `at` (and type `t` where the endpoint implies it); `x`, events
   * given whole (zod's output, imports).
   */
  | { k: 'e'; at: number; t?: EventType; s?: 1; i?: number[]; x?: StoredEvent[] }
  | { k: 'q'; rows: QuarantinedEvent[] }
  | { k: 'l'; links: [anonymousId: string, userId: string, at: number][] }
  | { k: 's'; stats: SlotStats[]; attributions: AttributedOrder[] }
  | { k: 'd'; n: number };

const APPLIED_KEY = 'journal_applied';

/** The stored events of an event record, in order. */
export function eventsOf(header: Extract<JournalHeader, { k: 'e' }>, body?: Buffer): StoredEvent[] {
  const events: StoredEvent[] = [];
  if (header.i?.length && body) {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    const raws = header.s ? [singleEventOf(parsed as Record<string, unknown>)] : (parsed as { batch: unknown[] }).batch;
    for (const index of header.i) events.push(toStored(withImpliedType(raws[index], header.t) as ValidEvent, header.at));
  }
  if (header.x) events.push(...header.x);
  return events;
}

/** An event's row, serialised as the events table keeps it. */
export function rowOfEvent(e: StoredEvent): EventRow {
  const p = e.properties;
  return [
    e.messageId,
    e.type,
    e.event,
    e.anonymousId,
    e.userId,
    e.sessionId,
    e.timestamp,
    e.receivedAt,
    p.product_id ?? p.sku ?? null,
    p.order_id ?? null,
    p.revenue ?? p.total ?? null,
    JSON.stringify(p),
    JSON.stringify(e.context),
    e.traits === null ? null : JSON.stringify(e.traits),
  ];
}

export interface Applier {
  /**
   * Applies the records in one transaction; `applied`, when given, is recorded as the journal position they
   * reach. Returns, per event record, which of its events were new to the table.
   */
  apply(records: { header: JournalHeader; body?: Buffer }[], applied?: number): boolean[][];
  /** The journal position recorded as applied (0: none). */
  applied(): number;
}

export function createApplier(db: Database.Database): Applier {
  const insertEvent = db.prepare(`
    INSERT INTO events (message_id, type, event, anonymous_id, user_id, session_id, timestamp, received_at,
                        product_id, order_id, revenue, properties, context, traits)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (timestamp, message_id) DO NOTHING`);
  const insertQuarantine = db.prepare('INSERT INTO quarantine (received_at, message_id, reasons, raw) VALUES (?, ?, ?, ?)');
  const linkIdentity = db.prepare(`
    INSERT INTO identities (anonymous_id, user_id, linked_at) VALUES (?, ?, ?)
    ON CONFLICT (anonymous_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at`);
  const bumpStats = db.prepare(`
    INSERT INTO slot_stats (day, slot, impressions, clicks, orders, revenue) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (day, slot) DO UPDATE SET impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks,
      orders = orders + excluded.orders, revenue = revenue + excluded.revenue`);
  const attribute = db.prepare('INSERT INTO attributions (order_id, slot, recommendation_ids, products, revenue, at) VALUES (?, ?, ?, ?, ?, ?)');
  const addDropped = db.prepare("INSERT INTO meta (key, value) VALUES ('client_dropped', ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value");
  const setApplied = db.prepare(`INSERT INTO meta (key, value) VALUES ('${APPLIED_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const getApplied = db.prepare(`SELECT value FROM meta WHERE key = '${APPLIED_KEY}'`).pluck();

  // Positional parameters: binding from an array is measurably faster than from named fields.
  const insertRow = (r: EventRow) => insertEvent.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13]).changes === 1;
  const insert = (e: StoredEvent) => insertRow(rowOfEvent(e));

  /** An event record's events, new or not: from the body's text where it can be read so, else rebuilt. */
  function insertEvents(header: Extract<JournalHeader, { k: 'e' }>, body?: Buffer): boolean[] {
    const rows = header.i?.length && body ? rowsFromBody(body.toString('utf8'), header.i, header.at, header.t, header.s === 1) : null;
    if (!rows) return eventsOf(header, body).map(insert);
    const results = rows.map(insertRow);
    if (header.x) for (const e of header.x) results.push(insert(e));
    return results;
  }

  // Each record in a savepoint of its own: one that cannot be written (it should never happen: ingest checked
  // it) is skipped with its reason instead of taking the others down with it.
  const one = db.transaction((header: JournalHeader, body: Buffer | undefined): boolean[] | undefined => {
    switch (header.k) {
      case 'e':
        return insertEvents(header, body);
      case 'q':
        for (const q of header.rows) insertQuarantine.run(q.receivedAt, q.messageId, JSON.stringify(q.reasons), q.raw);
        return undefined;
      case 'l':
        for (const [anonymousId, userId, at] of header.links) linkIdentity.run(anonymousId, userId, at);
        return undefined;
      case 's':
        for (const s of header.stats) bumpStats.run(s.day, s.slot, s.impressions, s.clicks, s.orders, s.revenue);
        for (const a of header.attributions) attribute.run(a.orderId, a.slot, JSON.stringify(a.recommendationIds), JSON.stringify(a.products), a.revenue, a.at);
        return undefined;
      case 'd':
        addDropped.run(header.n);
        return undefined;
    }
  });

  const all = db.transaction((records: { header: JournalHeader; body?: Buffer }[], applied?: number) => {
    const results: boolean[][] = [];
    for (const { header, body } of records) {
      let result: boolean[] | undefined;
      try {
        result = one(header, body);
      } catch (error) {
        // A full disk is not the record's fault: the whole transaction fails, and the record waits for a later one.
        if (storageFailureOf(error)) throw error;
        if (header.k === 'e') result = [];
        console.error(`[patron] journal record not applied (${header.k}): ${(error as Error).message}`);
      }
      if (header.k === 'e') results.push(result ?? []);
    }
    if (applied !== undefined) setApplied.run(applied);
    return results;
  });

  return {
    apply: (records, applied) => all(records, applied),
    applied: () => Number(getApplied.get() ?? 0),
  };
}
