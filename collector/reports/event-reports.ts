// The analyst reports the collector answers from its in-memory event log (recommender/event-log.ts) rather
// than SQL: the same answers as the store's queries, in tens of milliseconds over a million events.
// `linkedUser` says which user an anonymous id was tied to (identity/identities.ts). The learner fills the log.

import { BUCKET_NAME, canonicalPeople, type EventLog } from '../../recommender';
import type { EventQuery, EventQueryRow } from '../store/store';

/** Cohorts by the period of their first order (or first visit), and how many were active in each later period. */
export interface RetentionQuery {
  interval: 'week' | 'month';
  /** orders: cohorts by first order, active = ordered; visits: by first event of any kind, active = any event. */
  basis: 'orders' | 'visits';
  from?: number;
  to?: number;
}

export interface RetentionRow {
  cohort: string;
  /** Periods since the cohort's (0: its own). */
  offset: number;
  customers: number;
}

export interface FunnelQuery {
  /** Event names, in order: a person reaches step k by doing it after step k - 1... */
  steps: string[];
  /** ...and within this long of their first step. */
  windowMs: number;
  from?: number;
  to?: number;
}

type LinkedUser = (id: string) => string | undefined;

/**
 * An events query, when the log holds what it needs (names, times, people, revenue, category); else null:
 * filters on type, a person, a product or another property, and groups by them, are the store's SQL's.
 */
export function eventsFromLog(log: EventLog, q: EventQuery, linkedUser: LinkedUser): EventQueryRow[] | null {
  // The category property is the log's; other properties are SQL's.
  const categories = q.properties.filter(([name]) => name === 'category').map(([, value]) => value);
  const byCategory = q.by === 'prop.category';
  if ((categories.length || byCategory) && !log.categoriesExact) return null;
  if (categories.length > 1 && categories.some((c) => c !== categories[0])) return null;
  const plain = q.type === undefined && q.userId === undefined && q.anonymousId === undefined && q.productId === undefined && categories.length === q.properties.length;
  if (!plain || (q.by !== undefined && q.by !== 'event' && q.by !== 'user' && !byCategory)) return null;
  const canonical = q.by === 'user' || q.measures.includes('users') ? canonicalPeople(log, linkedUser) : undefined;
  const by = byCategory ? 'category' : (q.by as 'event' | 'user' | undefined);
  const rows = log.count({ names: q.events?.length ? q.events : undefined, category: categories[0], from: q.from, to: q.to, interval: q.interval, by, measures: q.measures, canonical });
  return rows.slice(0, q.limit).map(({ bucket, ...row }) => (bucket === undefined ? row : { bucket: BUCKET_NAME[q.interval!](bucket), ...row }));
}

/** Cohort retention by first order or first visit. */
export function retentionFromLog(log: EventLog, q: RetentionQuery, linkedUser: LinkedUser): RetentionRow[] {
  const cells = log.cohorts({ interval: q.interval, name: q.basis === 'orders' ? 'Order Completed' : undefined, from: q.from, to: q.to, canonical: canonicalPeople(log, linkedUser) });
  return cells.map((c) => ({ cohort: BUCKET_NAME[q.interval](c.cohort), offset: c.offset, customers: c.people }));
}

/** An ordered funnel, per group of people (`groupOf` a person's id). */
export function funnelFromLog(log: EventLog, q: FunnelQuery, linkedUser: LinkedUser, groupOf?: (person: string) => string): Map<string, number[]> {
  return log.funnel({ ...q, canonical: canonicalPeople(log, linkedUser) }, groupOf && ((p) => groupOf(log.personId(p))));
}
