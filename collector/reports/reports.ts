// The analysts' reports: events counted, people and revenue (from the in-memory event log where it holds what
// a query needs, else the store), cohort retention, ordered funnels, and top products.

import type { CustomerInsights } from '../customers/insights';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { EventQuery, EventQueryRow, EventQueryStore, TopProductRow, TopProductsQuery } from '../store/store';
import { eventsFromLog, funnelFromLog, retentionFromLog, type FunnelQuery, type RetentionQuery, type RetentionRow } from './event-reports';

export interface RetentionReport {
  /** Each cohort and period: its size, how many were active, and the rate. */
  rows: (RetentionRow & { size: number; rate: number })[];
  /** The same as one matrix row per cohort. */
  cohorts: { cohort: string; size: number; active: number[]; rates: number[] }[];
}

export interface FunnelStep {
  step: string;
  people: number;
  /** Of those who took the first step. */
  conversion: number;
  /** Of those who took the step before. */
  dropOff: number;
}

export interface FunnelReport {
  steps: FunnelStep[];
  /** Per segment, when asked for (null: people in no segment). */
  segments?: { segment: { id: number; slug: string; label: string } | null; steps: FunnelStep[] }[];
}

export class Reports {
  private readonly _userOf: (anonymousId: string) => string | undefined;

  constructor(
    private readonly _learner: Learner,
    identities: Identities,
    private readonly _insights: CustomerInsights,
    private readonly _store: EventQueryStore,
  ) {
    this._userOf = (id) => identities.userOf(id);
  }

  /** An events query: the log answers what it holds (names, times, people, revenue, category), the store the rest. */
  async queryEvents(q: EventQuery): Promise<EventQueryRow[]> {
    await this.settled();
    return this.eventsFromLog(q) ?? (await this._store.queryEvents(q));
  }

  /** Resolves once the event log holds every event stored so far (learning may run a moment behind a flood). */
  settled(): Promise<void> {
    return this._learner.settled();
  }

  /** An events query from the event log, or null when the store must answer it. */
  eventsFromLog(q: EventQuery): EventQueryRow[] | null {
    return eventsFromLog(this._learner.events, q, this._userOf);
  }

  /** People active in each period after their cohort's (by first order or first visit). */
  retentionRows(q: RetentionQuery): RetentionRow[] {
    return retentionFromLog(this._learner.events, q, this._userOf);
  }

  /** Retention with each cohort's size and rates (a cohort's size is its period 0). */
  retention(q: RetentionQuery): RetentionReport {
    const cells = this.retentionRows(q);
    const sizes = new Map(cells.filter((r) => r.offset === 0).map((r) => [r.cohort, r.customers]));
    const rows = cells.map((r) => ({ ...r, size: sizes.get(r.cohort) ?? 0, rate: r.customers / (sizes.get(r.cohort) || 1) }));
    const cohorts = [...sizes.keys()].map((cohort) => {
      const own = rows.filter((r) => r.cohort === cohort);
      const periods = Math.max(...own.map((r) => r.offset)) + 1;
      const active = Array.from({ length: periods }, (_, offset) => own.find((r) => r.offset === offset)?.customers ?? 0);
      return { cohort, size: sizes.get(cohort)!, active, rates: active.map((n) => n / sizes.get(cohort)!) };
    });
    return { rows, cohorts };
  }

  /** How many people reached each step, per group of people (`groupOf` a person's id; everyone under '' without it). */
  funnelCounts(q: FunnelQuery, groupOf?: (person: string) => string): Map<string, number[]> {
    return funnelFromLog(this._learner.events, q, this._userOf, groupOf);
  }

  /** An ordered funnel: people, conversion and drop-off per step, overall and, when asked, per segment. */
  funnel(q: FunnelQuery, bySegment: boolean): FunnelReport {
    const counts = this.funnelCounts(q, bySegment ? (person) => String(this._insights.segmentIdOf(person) ?? '') : undefined);
    const describe = (people: number[]): FunnelStep[] =>
      q.steps.map((step, k) => ({ step, people: people[k], conversion: people[0] ? people[k] / people[0] : 0, dropOff: k === 0 || !people[k - 1] ? 0 : 1 - people[k] / people[k - 1] }));
    const total = q.steps.map((_, k) => [...counts.values()].reduce((s, list) => s + list[k], 0));
    if (!bySegment) return { steps: describe(total) };
    const segments = [...counts.entries()].map(([key, people]) => {
      const s = this._insights.segments.find((x) => String(x.id) === key);
      return { segment: s ? { id: s.id, slug: s.slug, label: s.label } : null, steps: describe(people) };
    });
    return { steps: describe(total), segments };
  }

  topProducts(q: TopProductsQuery): Promise<TopProductRow[]> {
    return this._store.topProducts(q);
  }
}
