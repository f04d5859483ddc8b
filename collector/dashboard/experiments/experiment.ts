// Experiments as the API answers them, as much of them as the dashboard reads.

export interface Range {
  estimate: number;
  lower: number;
  upper: number;
}

export interface Experiment {
  id: string;
  name: string;
  kind: 'slot' | 'content' | 'holdout';
  slot?: string;
  content?: string;
  state: 'scheduled' | 'running' | 'paused' | 'stopped';
  primaryMetric: string;
  variations: { id: string; weight: number; control: boolean }[];
  startedAt: string;
  stoppedAt: string | null;
  exposed: number;
}

export interface VariantRow {
  id: string;
  control: boolean;
  visitors: number;
  conversionRate: Range;
  revenuePerVisitor: Range;
  ordersPerVisitor: Range;
  averageOrderValue: Range | null;
  clvPerVisitor: Range;
}

export interface EffectRow {
  variant: string;
  metric: string;
  relative: Range | null;
  absolute: Range | null;
  sequential: { absolute: Range | null; relative: Range | null };
  cuped: { theta: number; varianceReduction: number } | null;
  verdict: 'better' | 'worse' | 'inconclusive';
}

export interface Results {
  experiment: Experiment;
  primaryMetric: string;
  exposures: { visitors: number; mismatched: number };
  sampleRatio: { pValue: number; mismatch: boolean; counts: Record<string, number> };
  variants: VariantRow[];
  effects: EffectRow[];
  decision: { status: string; variant?: string; message: string };
  sampleSize: { minimumDetectableEffect: number; visitorsPerVariant: number | null; visitorsSoFar: number; progress: number | null };
  overTime: { day: string; visitors: number[]; effects: { variant: string; relative: Range | null; sequential: { relative: Range | null } }[] }[];
}

export const METRIC_NAMES: Record<string, string> = {
  revenue_per_visitor: 'Revenue per visitor',
  conversion_rate: 'Conversion rate',
  orders_per_visitor: 'Orders per visitor',
  clv_per_visitor: '12-month CLV per visitor',
  average_order_value: 'Average order value',
};

/** What an experiment tests, in the merchant's words. */
export const targetOf = (x: Experiment) => (x.kind === 'slot' ? `slot ${x.slot}` : x.kind === 'content' ? `content block ${x.content}` : 'all personalisation (holdout)');
