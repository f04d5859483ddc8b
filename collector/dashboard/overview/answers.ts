// The analyst API's answers, as far as the overview reads them (the collector's schemas say the rest).

import type { ValueSummary } from '../../customers/tables';

export interface EventRow {
  bucket?: string;
  count?: number;
  users?: number;
  revenue?: number;
}
export interface FunnelStep {
  step: string;
  people: number;
  conversion: number;
  dropOff: number;
}
export interface Cohort {
  cohort: string;
  size: number;
  active: number[];
  rates: number[];
}
export interface ClvBin {
  from: number;
  to: number | null;
  customers: number;
  clv: number;
}
export interface Portfolio extends ValueSummary {
  byChurnRisk: Record<'active' | 'cooling' | 'at-risk' | 'lost', ValueSummary>;
  distribution: ClvBin[];
  model: { options?: { clvMonths?: number } } | null;
}
export interface SegmentRow {
  id: number;
  slug: string;
  label: string;
  size: number;
  revenueShare: number;
  value: ValueSummary;
}
export interface SlotTotals {
  slot: string;
  impressions: number;
  clicks: number;
  orders: number;
  revenue: number;
  ctr: number;
}
export interface ProductRow {
  productId: string;
  views: number;
  cartAdds: number;
  orders: number;
  revenue: number;
}
export interface CustomerRow {
  id: string;
  segment: { label: string } | null;
  rfm: { label: string };
  churnRisk: string | null;
  pAlive: number | null;
  clv: number | null;
}
