// Audiences: the customers a webhook subscription's filters would pick (segment, lifecycle stage, least predicted
// CLV; and churn tier, RFM group), as a list an analyst exports or a tool polls, paged by a cursor (the last id of
// a page; ids in order, so a page is stable while values are refitted).

import type { CustomerValue } from '../../recommender';
import type { CustomerInsights } from './insights';
import type { AudienceQuery } from './schemas';

export interface AudienceMember {
  id: string;
  segment: string | null;
  stage: string | null;
  churnRisk: string | null;
  rfmGroup: string;
  clv: number | null;
  orders: number;
  revenue: number;
}

export function audience(insights: CustomerInsights, q: Omit<AudienceQuery, 'format'>): { customers: AudienceMember[]; nextCursor: string | null } {
  const segment = q.segment === undefined ? undefined : insights.segments.find((s) => s.slug === q.segment || String(s.id) === q.segment);
  const keeps = (c: CustomerValue) => {
    if (q.cursor !== undefined && c.id <= q.cursor) return false;
    if (q.segment !== undefined && (segment === undefined || insights.segmentIdOf(c.id) !== segment.id)) return false;
    if (q.churnRisk !== undefined && c.churnRisk !== q.churnRisk) return false;
    if (q.rfm !== undefined && c.rfm.group !== q.rfm) return false;
    if (q.minClv !== undefined && !((c.clv ?? -1) >= q.minClv)) return false;
    return q.stage === undefined || insights.stageOf(c.id) === q.stage;
  };
  const picked = [...insights.values.customers].filter(keeps).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = picked.slice(0, q.limit);
  const slugOf = (id: string) => {
    const s = insights.segmentIdOf(id);
    return s === undefined ? null : (insights.segments.find((x) => x.id === s)?.slug ?? null);
  };
  return {
    customers: page.map((c) => ({ id: c.id, segment: slugOf(c.id), stage: insights.stageOf(c.id), churnRisk: c.churnRisk, rfmGroup: c.rfm.group, clv: c.clv, orders: c.orders, revenue: c.revenue })),
    nextCursor: picked.length > q.limit ? page[page.length - 1].id : null,
  };
}
