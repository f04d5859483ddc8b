// `patron backtest FILE.csv --calibration-end DATE [--holdout-end DATE]`: the shop's order history (the import's
// CSV) valued as of the calibration end by each purchase model, and scored on what the customers did after.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { backtest, PURCHASE_MODELS, type Backtest, type PurchaseModel } from '../../recommender';
import { parseDay } from '../domain/timestamp';
import { readCsvLines } from '../ingest/csv-file';
import { CsvError, ordersFromCsv } from '../ingest/orders-csv';

const DAY_MS = 86_400_000;
// Pareto/NBD's fit can take a minute on a few thousand customers in days: asked for by name.
const DEFAULT_MODELS: PurchaseModel[] = ['naive', 'bgnbd', 'activity'];

class BacktestUsage extends Error {}

function day(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDay(value);
  if (Number.isNaN(ms)) throw new BacktestUsage(`--${flag} must be a day, YYYY-MM-DD, got ${value}`);
  return ms;
}

const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));

/** The backtest as a table a person reads. */
export function formatBacktest(r: Backtest): string {
  const lines = [
    `${r.customers} customers as of ${r.calibrationEnd}; ${r.active} bought again in the ${r.holdoutDays} days to ${r.holdoutEnd}`,
    `churn risk ("no purchase in the holdout") by the days since the last purchase alone: ROC AUC ${fixed(r.recencyAuc)}`,
    '',
    'model        purchases: RMSE    MAE  rank ρ  predicted/actual   spend: rank ρ  top-decile  predicted/actual   churn AUC',
  ];
  for (const m of r.models) {
    if (m.error) {
      lines.push(`${m.model.padEnd(12)} not fitted: ${m.error}`);
      continue;
    }
    const p = m.purchases;
    const s = m.spend;
    lines.push(
      `${m.model.padEnd(12)}  ${fixed(p.rmse).padStart(13)} ${fixed(p.mae).padStart(6)} ${fixed(p.spearman).padStart(7)}  ${`${p.predicted.toFixed(0)}/${p.actual}`.padStart(16)}  ${fixed(s.spearman).padStart(14)} ${fixed(s.topDecileCapture).padStart(11)}  ${`${s.predicted.toFixed(0)}/${s.actual.toFixed(0)}`.padStart(16)}  ${fixed(m.churnAuc).padStart(10)}`,
    );
  }
  lines.push('', 'spend by spend model (rank ρ, top-decile capture, predicted/actual):');
  for (const m of r.models.filter((x) => !x.error))
    lines.push(
      `${m.model.padEnd(12)} ${Object.entries(m.spendBy)
        .map(([name, s]) => `${name}: ${fixed(s.spearman)} ${fixed(s.topDecileCapture)} ${fixed(s.predicted / s.actual)}`)
        .join('   ')}`,
    );
  lines.push('', 'mean holdout purchases by repeat purchases in calibration (predicted / actual):');
  for (const m of r.models.filter((x) => !x.error))
    lines.push(`${m.model.padEnd(12)} ${m.byFrequency.map((b) => `${b.frequency === 7 ? '7+' : b.frequency}: ${b.predicted.toFixed(2)}/${b.actual.toFixed(2)}`).join('  ')}`);
  return `${lines.join('\n')}\n`;
}

export async function backtestOrders(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'calibration-end': { type: 'string' }, 'holdout-end': { type: 'string' }, models: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  try {
    if (!file || !fs.existsSync(file)) throw new BacktestUsage(file ? `no file ${file}` : 'patron backtest needs a CSV file of orders');
    const calibrationEnd = day('calibration-end', values['calibration-end']);
    if (calibrationEnd === undefined) throw new BacktestUsage('patron backtest needs --calibration-end YYYY-MM-DD');
    const models = (values.models?.split(',') ?? DEFAULT_MODELS) as PurchaseModel[];
    const unknown = models.find((m) => !(PURCHASE_MODELS as readonly string[]).includes(m));
    if (unknown) throw new BacktestUsage(`--models: no model ${unknown} (${PURCHASE_MODELS.join(', ')})`);
    const parsed = ordersFromCsv(await readCsvLines(file, err));
    const purchases = parsed.events.map((e) => ({ customerId: e.userId!, at: Date.parse(e.timestamp), amount: e.properties!.revenue! }));
    const last = purchases.reduce((m, p) => Math.max(m, p.at), -Infinity);
    const holdoutEnd = day('holdout-end', values['holdout-end']) ?? Math.floor(last / DAY_MS) * DAY_MS;
    if (!(holdoutEnd > calibrationEnd)) throw new BacktestUsage('--holdout-end must come after --calibration-end (by default it is the last order day)');
    const result = backtest(purchases, { calibrationEnd, holdoutEnd, models });
    out.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${file}: ${parsed.orders} orders (${parsed.rejected.length} rows not orders)\n${formatBacktest(result)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof BacktestUsage || error instanceof CsvError)) throw error;
    err.write(`patron backtest: ${error.message}\n`);
    return 2;
  }
}
