// Reference SQL for the reports the collector answers from its in-memory event log (reports/event-reports.ts):
// cohort retention and ordered funnels as an analyst with sqlite3 would compute them from the tables. Production
// no longer runs it; test/collector/event-log.test.ts holds the log's answers to it, and bench/reports.ts times both.

import type Database from 'better-sqlite3';
import { BUCKETS, timeRange, WHO } from '../../collector/store/sqlite/queries';
import type { FunnelQuery, RetentionQuery, RetentionRow } from '../../collector/reports/event-reports';
import { stepsReached } from '../../recommender';

/** People active in each period after their cohort's, by first order or first visit. */
export function sqlRetention(db: Database.Database, q: RetentionQuery): RetentionRow[] {
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
}

/** How many people (anonymous ids resolved to their users) reached each step, per group ('' counts everyone once). */
export function sqlFunnel(db: Database.Database, q: FunnelQuery, groupOf: (person: string) => string = () => ''): Map<string, number[]> {
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
}
