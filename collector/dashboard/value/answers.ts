// The analyst API's answers the value tab draws, as far as it reads them.

export interface ChoiceScore {
  model: string;
  purchasesRmse: number;
  purchasesSpearman: number;
  purchasesRatio: number;
  topDecileCapture: number;
  churnAuc: number | null;
  byFrequency: { frequency: number; customers: number; predicted: number; actual: number }[];
  error?: string;
}

export interface ModelChoice {
  purchase: string;
  spend: string;
  reason: string;
  backtest: { calibrationEnd: string; holdoutEnd: string; holdoutDays: number; customers: number; recencyAuc: number; scores: ChoiceScore[] } | null;
}

export interface ProgressPoint {
  period?: string;
  at: string;
  customers: number;
  clv: number;
  expectedPurchases: number;
  byStage: Record<string, number>;
  byChurnRisk: Record<string, number>;
}

export interface Flow {
  period: string;
  from: string | null;
  to: string;
  customers: number;
}

export interface Falling {
  id: string;
  clvBefore: number;
  clv: number;
  drop: number;
  churnRisk: string | null;
  stage: string | null;
}

export interface PeriodMeasures {
  period: string;
  customers: number;
  orders: number;
  averagePurchaseValue: number | null;
  purchaseFrequency: number | null;
  repeatPurchaseRate: number | null;
  retentionRate: number | null;
  churnRate: number | null;
  historicalClv: number | null;
  predictedClv: number | null;
}
