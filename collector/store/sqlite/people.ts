// The SQLite store's part in a person's requests: their rows found, exported and removed in slices (no index
// names a person: an index on anonymous_id and user_id would cost every insert a random page), the ingest
// journal's records before the deletion removed with it, and the verification, which searches every text
// column and then the files themselves, byte by byte, once a checkpoint has emptied the write-ahead log (every
// connection deletes securely: freed bytes are zeroed). Also the suppression list, the requests, the audit log
// and the retention of old events.

import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { QuarantinedEvent, RawEvent } from '../../domain/stored-event';
import type { AttributedOrder, AuditEntry, DeletionRecord, PeopleStore, PersonRows, Suppression } from '../store';
import { filesHolding } from './byte-search';
import { SCAN_COLUMNS, toRawEvent, type ScanRow } from './events';
import { sqliteProgress } from './progress';
import { withLogs, type DeliveryRow } from './webhooks';
import type { IngestWriter } from './ingest-writer';
import { deleteRowids, rowsWhere as slicedRowsWhere } from './row-slices';

/** Where a database file keeps its data: the file, its write-ahead log and the ingest journal (null in memory). */
export interface DatabaseFiles {
  database: string;
  journal: string;
}

const NAMES_PERSON = 'anonymous_id IN (SELECT value FROM json_each(?)) OR user_id IN (SELECT value FROM json_each(?))';
const EVENT_COLUMNS = [...SCAN_COLUMNS, 'order_id'];
// Whose an event is, as identities say (the SQL form of Identities.personOf): its user, else the user its anonymous
// id is tied to, else the anonymous id.
const PERSON = 'coalesce(e.user_id, (SELECT i.user_id FROM identities i WHERE i.anonymous_id = e.anonymous_id), e.anonymous_id)';
const BY_CUSTOMER = ['customer_values', 'value_history', 'stage_changes', 'customer_segments'] as const;

type Batch = { seq: number; deliveries: string };
type Queued = [id: string, customerId: string | null, ...rest: unknown[]];

/** The rowid and `columns` of the rows of `table` for which `condition` holds, in rowid order. */
export type Scan = (table: string, columns: readonly string[], condition: string, params: readonly unknown[]) => Promise<unknown[][]>;

export function sqlitePeople(db: Database.Database, writer: IngestWriter, files: DatabaseFiles | null): PeopleStore {
  const progress = sqliteProgress(db);
  const json = (ids: readonly string[]) => JSON.stringify(ids);
  // On the journal's thread when there is one (a scan of a million rows there holds no request up), else in slices here.
  const write = (statements: [sql: string, params: unknown[]][]) =>
    writer.transact ? writer.transact(statements) : Promise.resolve(db.transaction(() => statements.map(([sql, params]) => db.prepare(sql).run(...params).changes))());
  const rowsWhere: Scan = (table, columns, condition, params) =>
    writer.select ? writer.select(`SELECT ${['rowid', ...columns].join(', ')} FROM ${table} WHERE ${condition} ORDER BY rowid`, params) : slicedRowsWhere(db, table, columns, condition, params);
  const tiedTo = db.prepare('SELECT user_id FROM identities WHERE anonymous_id = ?').pluck();
  /**
   * The events naming any of `ids`, in the order stored; `own`: the person's (as identities resolve them), else
   * another user's event that names one of their anonymous ids (a shared device).
   */
  const personEvents = async (ids: readonly string[]) => {
    await writer.settled();
    const rows = await rowsWhere('events', EVENT_COLUMNS, NAMES_PERSON, [json(ids), json(ids)]);
    const theirs = new Set(ids);
    return rows.map((r) => {
      const event = rawEventOf(r);
      const person = event.userId ?? (tiedTo.get(event.anonymousId) as string | undefined) ?? event.anonymousId!;
      return { rowid: r[0] as number, event, orderId: r[12] as string | null, own: theirs.has(person) };
    });
  };
  const deliveriesOf = (ids: readonly string[]) => rowsWhere('webhook_deliveries', ['id'], 'customer_id IN (SELECT value FROM json_each(?))', [json(ids)]);
  const quarantinedOf = (ids: readonly string[]) =>
    // As JSON writes it, quotes and all: a shorter id inside another ("42" in "420") is not theirs.
    rowsWhere('quarantine', ['received_at', 'message_id', 'reasons', 'raw'], 'EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(raw, json_quote(j.value)) > 0)', [json(ids)]);
  const identitiesOf = (ids: readonly string[]) => rowsWhere('identities', ['anonymous_id', 'user_id', 'linked_at'], NAMES_PERSON, [json(ids), json(ids)]);
  const attributionsOf = (orders: readonly string[]) =>
    orders.length
      ? rowsWhere('attributions', ['order_id', 'slot', 'recommendation_ids', 'products', 'revenue', 'at'], 'order_id IN (SELECT value FROM json_each(?))', [json(orders)])
      : Promise.resolve([]);
  const meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const addMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value');

  return {
    async personData(ids) {
      const events = (await personEvents(ids)).filter((e) => e.own);
      const orders = [...new Set(events.flatMap((e) => e.orderId ?? []))];
      const deliveries = db
        .prepare('SELECT * FROM webhook_deliveries WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY seq')
        .all(JSON.stringify((await deliveriesOf(ids)).map((r) => r[0]))) as DeliveryRow[];
      const byCustomer = (table: string) => db.prepare(`SELECT * FROM ${table} WHERE customer_id IN (SELECT value FROM json_each(?))`).all(json(ids)) as Record<string, unknown>[];
      const rows: PersonRows = {
        identities: (await identitiesOf(ids)).map((r) => ({ anonymousId: r[1] as string, userId: r[2] as string, at: r[3] as number })),
        quarantined: (await quarantinedOf(ids)).map((r) => quarantinedRow(r)),
        values: byCustomer('customer_values'),
        valueHistory: (await Promise.all(ids.map((id) => progress.valueHistoryOf(id)))).flat(),
        stageChanges: (await Promise.all(ids.map((id) => progress.listStageChanges({ customerId: id, limit: Number.MAX_SAFE_INTEGER })))).flat(),
        segments: byCustomer('customer_segments').map((r) => ({ customerId: r.customer_id as string, segmentId: r.segment_id as number, updatedAt: r.updated_at as number })),
        attributions: (await attributionsOf(orders)).map(attributionOf),
        deliveries: withLogs(db, deliveries),
      };
      return { events: events.map((e) => e.event), ...rows };
    },

    async forgetPerson(ids) {
      const named = await personEvents(ids);
      const events = named.filter((e) => e.own);
      const orders = [...new Set(events.flatMap((e) => e.orderId ?? []))];
      const rowids = (rows: readonly unknown[][]) => JSON.stringify(rows.map((r) => r[0]));
      // The batches first: the dispatcher may spread one into rows meanwhile, which the scan of the rows then finds.
      const inBatches = forgetInBatches(db, ids);
      const deliveries = rowids(await deliveriesOf(ids));
      const byRowid = (table: string) => `DELETE FROM ${table} WHERE rowid IN (SELECT value FROM json_each(?))`;
      const statements: [place: string, sql: string, params: unknown[]][] = [
        ['events', byRowid('events'), [JSON.stringify(events.map((e) => e.rowid))]],
        // Another user's events on their device keep that user, without the device's anonymous id.
        ['eventsUnnamed', 'UPDATE events SET anonymous_id = NULL WHERE rowid IN (SELECT value FROM json_each(?))', [JSON.stringify(named.filter((e) => !e.own).map((e) => e.rowid))]],
        ['identities', byRowid('identities'), [rowids(await identitiesOf(ids))]],
        ['quarantine', byRowid('quarantine'), [rowids(await quarantinedOf(ids))]],
        ['attributions', byRowid('attributions'), [rowids(await attributionsOf(orders))]],
        ...BY_CUSTOMER.map((table): [string, string, unknown[]] => [table, `DELETE FROM ${table} WHERE customer_id IN (SELECT value FROM json_each(?))`, [json(ids)]]),
        ['webhook_attempts', 'DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE rowid IN (SELECT value FROM json_each(?)))', [deliveries]],
        ['webhook_deliveries', byRowid('webhook_deliveries'), [deliveries]],
      ];
      // One transaction, on the journal's thread when there is one: its commit is synced with the journal's
      // clearing below, and no sync waits on this thread.
      const changes = await write(statements.map(([, sql, params]) => [sql, params]));
      const removed: Record<string, number> = { webhook_batches: inBatches };
      statements.forEach(([place], k) => (removed[place] = changes[k]));
      // The journal's records before now hold their events too: it goes on in a new segment, and the old ones go
      // once the tables hold everything they held.
      await writer.clearJournal();
      return removed;
    },

    async findPerson(ids) {
      const { found, within } = await tablesHolding(db, ids, rowsWhere);
      const caveats = within.length ? [`${within.length} of the ids are part of other stored values: the files were searched for them only as JSON writes them`] : [];
      if (!files) return { foundIn: found, caveats };
      // The write-ahead log keeps the pages as they were before the deletion until a checkpoint empties it.
      if (!(await writer.checkpoint())) caveats.push('the write-ahead log could not be emptied yet (a reader held it)');
      const { database, journal } = files;
      const plain = ids.filter((id) => !within.includes(id));
      return { foundIn: [...found, ...(await filesHolding(ids, plain, [database, `${database}-wal`], [journal]))], caveats };
    },

    async hashKey() {
      const kept = meta.get('hash_key') as string | undefined;
      if (kept !== undefined) return kept;
      // Text that never reads as a number (the meta table's values are integers where they can be).
      const key = `k_${randomBytes(32).toString('base64url')}`;
      db.prepare("INSERT INTO meta (key, value) VALUES ('hash_key', ?) ON CONFLICT (key) DO NOTHING").run(key);
      return meta.get('hash_key') as string;
    },
    async listSuppressions() {
      return (db.prepare('SELECT hash, reason, at FROM suppressions ORDER BY at').all() as Suppression[]).map((r) => ({ hash: r.hash, reason: r.reason, at: r.at }));
    },
    async suppress(rows) {
      const insert = db.prepare('INSERT INTO suppressions (hash, reason, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET reason = excluded.reason, at = excluded.at');
      db.transaction(() => rows.forEach((r) => insert.run(r.hash, r.reason, r.at)))();
    },
    async unsuppress(hash) {
      return db.prepare('DELETE FROM suppressions WHERE hash = ?').run(hash).changes > 0;
    },
    async addSuppressedDropped(n) {
      if (n > 0) addMeta.run('suppressed_dropped', n);
    },
    async suppressedDropped() {
      return (meta.get('suppressed_dropped') as number | undefined) ?? 0;
    },

    async saveDeletion(record) {
      db.prepare('INSERT INTO deletions (id, record, requested_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record').run(
        record.id,
        JSON.stringify(record),
        record.requestedAt,
      );
    },
    async listDeletions(status) {
      const records = db.prepare("SELECT record FROM deletions WHERE ? IS NULL OR json_extract(record, '$.status') = ? ORDER BY requested_at DESC, id").pluck();
      return (records.all(status ?? null, status ?? null) as string[]).map((r) => JSON.parse(r) as DeletionRecord);
    },
    async getDeletion(id) {
      const record = db.prepare('SELECT record FROM deletions WHERE id = ?').pluck().get(id) as string | undefined;
      return record === undefined ? undefined : (JSON.parse(record) as DeletionRecord);
    },
    async addAudit(entry) {
      db.prepare('INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)').run(entry.at, entry.actor, entry.action, entry.subject, JSON.stringify(entry.detail));
    },
    async listAudit(limit, beforeId) {
      const rows = db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: r.id as number,
        at: r.at as number,
        actor: r.actor as string,
        action: r.action as AuditEntry['action'],
        subject: r.subject as string,
        detail: JSON.parse(r.detail as string) as Record<string, unknown>,
      }));
    },

    async oldestPeople(before, most) {
      await writer.settled();
      const people = new Set<string>();
      // The oldest events first, by the index on (timestamp, message_id), until `most` people are found.
      const oldest = db.prepare(`SELECT ${PERSON} FROM events e WHERE timestamp < ? ORDER BY timestamp LIMIT ?`).pluck();
      for (const person of oldest.all(before, most * 20) as string[]) if (people.size < most) people.add(person);
      if (people.size === 0) return { people: [], events: [] };
      const rows = await rowsWhere('events e', EVENT_COLUMNS, `${PERSON} IN (SELECT value FROM json_each(?))`, [json([...people])]);
      return { people: [...people], events: rows.map(rawEventOf) };
    },
    async pruneEventsOf(people, before) {
      await writer.settled();
      const rows = await rowsWhere('events e', [], `timestamp < ? AND ${PERSON} IN (SELECT value FROM json_each(?))`, [before, json(people)]);
      return deleteRowids(
        db,
        'events',
        rows.map((r) => r[0] as number),
      );
    },
    async pruneOlderThan(before, most) {
      const run = (sql: string) => db.prepare(sql).run(before, most).changes;
      return {
        attributions: run('DELETE FROM attributions WHERE id IN (SELECT id FROM attributions WHERE at < ? LIMIT ?)'),
        stage_changes: run('DELETE FROM stage_changes WHERE (customer_id, at, to_stage) IN (SELECT customer_id, at, to_stage FROM stage_changes WHERE at < ? LIMIT ?)'),
        webhook_attempts: run(
          "DELETE FROM webhook_attempts WHERE rowid IN (SELECT a.rowid FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.state != 'pending' AND d.created_at < ? LIMIT ?)",
        ),
        webhook_deliveries: run("DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE state != 'pending' AND created_at < ? LIMIT ?)"),
      };
    },
  };
}

/** A row of EVENT_COLUMNS after its rowid, as a raw event. */
const rawEventOf = (r: unknown[]): RawEvent => toRawEvent(r.slice(1) as ScanRow);

function quarantinedRow(r: unknown[]): QuarantinedEvent & { id: number } {
  return { id: r[0] as number, receivedAt: r[1] as number, messageId: r[2] as string | null, reasons: JSON.parse(r[3] as string) as QuarantinedEvent['reasons'], raw: r[4] as string };
}

function attributionOf(r: unknown[]): AttributedOrder {
  return {
    orderId: r[1] as string | null,
    slot: r[2] as string,
    recommendationIds: JSON.parse(r[3] as string) as string[],
    products: JSON.parse(r[4] as string) as string[],
    revenue: r[5] as number,
    at: r[6] as number,
  };
}

/**
 * Takes the person's deliveries out of the queued batches (each holds thousands of customers' deliveries): only the
 * batches that name them are read, each rewritten in a transaction of its own.
 */
function forgetInBatches(db: Database.Database, ids: readonly string[]): number {
  const naming = db.prepare('SELECT seq FROM webhook_batches WHERE EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(deliveries, json_quote(j.value)) > 0)').pluck();
  const read = db.prepare('SELECT seq, deliveries FROM webhook_batches WHERE seq = ?');
  const update = db.prepare('UPDATE webhook_batches SET deliveries = ?, count = ? WHERE seq = ?');
  const drop = db.prepare('DELETE FROM webhook_batches WHERE seq = ?');
  const gone = new Set(ids);
  const rewrite = db.transaction((seq: number) => {
    const b = read.get(seq) as Batch | undefined;
    if (!b) return 0;
    const queued = JSON.parse(b.deliveries) as Queued[];
    const kept = queued.filter((q) => q[1] === null || !gone.has(q[1]));
    if (kept.length) update.run(JSON.stringify(kept), kept.length, b.seq);
    else drop.run(b.seq);
    return queued.length - kept.length;
  });
  let removed = 0;
  for (const seq of naming.all(JSON.stringify(ids)) as number[]) removed += rewrite.immediate(seq);
  return removed;
}

/**
 * The tables where a text column still holds one of `ids`: as the whole value, or inside JSON as JSON writes it;
 * and the ids that occur inside other values at all ("42" in "420"), which a search of raw bytes cannot tell
 * apart. Each answer is a list of rowids (the rows themselves never cross to this thread).
 */
async function tablesHolding(db: Database.Database, ids: readonly string[], rowsWhere: Scan): Promise<{ found: string[]; within: string[] }> {
  const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
  const found: string[] = [];
  const within = new Set<string>();
  const any = (columns: readonly string[], test: (c: string) => string) => `EXISTS (SELECT 1 FROM json_each(?) j WHERE ${columns.map(test).join(' OR ')})`;
  for (const { name, sql } of tables) {
    const columns = (db.prepare('SELECT name, type FROM pragma_table_info(?)').all(name) as { name: string; type: string }[]).filter((c) => c.type === 'TEXT').map((c) => c.name);
    if (columns.length === 0) continue;
    // The tables without rowids are keyed by the customer first (their other text is a stage's name), or small.
    const keyed = /WITHOUT ROWID/i.test(sql);
    const holds = async (condition: string, param: string) =>
      keyed
        ? db.prepare(`SELECT 1 FROM ${name} WHERE ${columns.includes('customer_id') ? 'customer_id IN (SELECT value FROM json_each(?))' : condition} LIMIT 1`).get(param) !== undefined
        : (await rowsWhere(name, [], condition, [param])).length > 0;
    if (
      await holds(
        any(columns, (c) => `${c} = j.value OR instr(${c}, json_quote(j.value)) > 0`),
        JSON.stringify(ids),
      )
    )
      found.push(`table ${name}`);
    for (const id of ids)
      if (
        !within.has(id) &&
        (await holds(
          any(columns, (c) => `instr(${c}, j.value) > 0`),
          JSON.stringify([id]),
        ))
      )
        within.add(id);
  }
  return { found, within: [...within] };
}
