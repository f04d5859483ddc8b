// The analysts' queries the event log cannot answer, in SQL: fragments from fixed lists only, every value a
// bound parameter. A person is COALESCE(user_id, the user their anonymous id was tied to, anonymous_id), the
// rule of identity/identities.ts.

import type Database from 'better-sqlite3';
import { BUCKET_NAME } from '../../../recommender';
import type { EventQuery, EventQueryRow, EventQueryStore, TopProductRow } from '../store';

// Buckets as integers (a third faster to group by than date strings), named in JavaScript afterwards, as the
// collector's in-memory event log buckets and names them.
export const DAY_MS = 86_400_000;
export const BUCKETS: Record<NonNullable<EventQuery['interval']>, { sql: string; name: (n: number) => string }> = {
  hour: { sql: 'e.timestamp / 3600000', name: BUCKET_NAME.hour },
  day: { sql: `e.timestamp / ${DAY_MS}`, name: BUCKET_NAME.day },
  // Weeks start on Monday (ISO); day 0 of the epoch was a Thursday.
  week: { sql: `(e.timestamp / ${DAY_MS} + 3) / 7`, name: BUCKET_NAME.week },
  month: { sql: "CAST(strftime('%Y', e.timestamp / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', e.timestamp / 1000, 'unixepoch') AS INTEGER) - 1", name: BUCKET_NAME.month },
};
export const WHO = 'COALESCE(e.user_id, i.user_id, e.anonymous_id)';

/** Adds `from <= timestamp < to` (each when given) to a query's conditions. */
export function timeRange(where: string[], params: unknown[], range: { from?: number; to?: number }): void {
  if (range.from !== undefined) {
    where.push('e.timestamp >= ?');
    params.push(range.from);
  }
  if (range.to !== undefined) {
    where.push('e.timestamp < ?');
    params.push(range.to);
  }
}

/** The SQL of an events query. */
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
    const expression = q.by === 'user' ? WHO : q.by === 'event' || q.by === 'type' || q.by === 'product_id' ? `e.${q.by}` : "json_extract(e.properties, '$.' || ?)";
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

/** `settled`: resolves once the tables hold every acknowledged event. */
export function sqliteEventQueries(db: Database.Database, settled: () => Promise<void>): EventQueryStore {
  return {
    async queryEvents(q) {
      await settled();
      const { sql, params } = eventQuerySql(q);
      const rows = db.prepare(sql).all(...params) as (Omit<EventQueryRow, 'bucket'> & { bucket?: number })[];
      const name = q.interval && BUCKETS[q.interval].name;
      return name ? rows.map((r) => ({ ...r, bucket: name(r.bucket!) })) : (rows as EventQueryRow[]);
    },
    async topProducts(q) {
      await settled();
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
  };
}
