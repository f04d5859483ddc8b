// What changed for each customer between two refits, as webhook events: their lifecycle stage (each change on
// its day, those since the last refit's day), churn tier, RFM group and segment, and predicted CLV where it fell
// (each subscription decides by how much it must fall). Keyed by the previous refit's time, so a refit redone
// after a crash finds the same events and queues them once.

import type { CustomerValue, StageChange } from '../../recommender';
import type { CustomerEvent } from './webhooks';

const DAY_MS = 86_400_000;

export interface RefitSide {
  value(customerId: string): CustomerValue | undefined;
  segmentOf(customerId: string): string | undefined;
}

export function customerEvents(
  previous: RefitSide & { updatedAt: number },
  next: { customers: readonly CustomerValue[]; segmentOf(id: string): string | undefined; at: number },
  stageChanges: readonly StageChange[],
): CustomerEvent[] {
  const out: CustomerEvent[] = [];
  const since = Math.floor(previous.updatedAt / DAY_MS);
  for (const c of stageChanges) {
    if (c.day < since) continue;
    out.push({ type: 'customer.stage_changed', customerId: c.customerId, at: c.day * DAY_MS, from: c.from, to: c.to, key: `${c.customerId}|${c.day}|${c.to}` });
  }
  const event = (type: CustomerEvent['type'], id: string, from: unknown, to: unknown): CustomerEvent => ({
    type,
    customerId: id,
    at: next.at,
    from,
    to,
    key: `${id}|${previous.updatedAt}|${String(from)}|${String(to)}`,
  });
  for (const c of next.customers) {
    const was = previous.value(c.id);
    if (!was) continue;
    if (was.churnRisk !== c.churnRisk && was.churnRisk !== null && c.churnRisk !== null) out.push(event('customer.churn_risk_changed', c.id, was.churnRisk, c.churnRisk));
    if (was.rfm.group !== c.rfm.group) out.push(event('customer.rfm_group_changed', c.id, was.rfm.group, c.rfm.group));
    if (was.clv !== null && c.clv !== null && c.clv < was.clv) out.push(event('customer.value_dropped', c.id, was.clv, c.clv));
    const [before, after] = [previous.segmentOf(c.id), next.segmentOf(c.id)];
    if (before !== undefined && after !== undefined && before !== after) out.push(event('customer.segment_changed', c.id, before, after));
  }
  return out;
}
