// How the value is predicted: the models the last refit chose, why, and the backtest it chose them on, drawn as
// the calibration-against-holdout chart (mean holdout purchases by repeat purchases before it, predicted and actual).

import { COLORS } from '../overview/charts';
import { caption } from '../overview/figure';
import { number } from '../overview/format';
import type { Board, Panel } from '../overview/panel';
import type { ModelChoice } from './answers';

const NAMES: Record<string, string> = { naive: 'Own past rate', bgnbd: 'BG/NBD', activity: 'Activity model' };
const fixed = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : v.toFixed(3));

export function modelsPanel({ api, charts }: Board): Panel {
  return {
    name: 'value-models',
    async draw() {
      const { model } = await api<{ model: { choice: ModelChoice } | null }>('GET', '/v1/clv?bins=2');
      const choice = model?.choice;
      const backtest = choice?.backtest;
      if (!choice || !backtest) {
        caption('value-models', choice ? `${choice.reason}.` : 'No refit yet.');
        charts.draw('value-models', { type: 'line', data: { labels: [], datasets: [] } });
        return;
      }
      document.querySelector<HTMLElement>('[data-chart="value-models"]')!.dataset.calibrationEnd = backtest.calibrationEnd;
      const scores = backtest.scores.filter((s) => !s.error);
      caption(
        'value-models',
        `Valued with ${NAMES[choice.purchase] ?? choice.purchase} and ${choice.spend} spend: ${choice.reason}. Backtest: ${number.format(backtest.customers)} customers as of ${backtest.calibrationEnd}, ` +
          `the ${backtest.holdoutDays} days to ${backtest.holdoutEnd} held out. ` +
          scores
            .map((s) => `${NAMES[s.model] ?? s.model}: RMSE ${fixed(s.purchasesRmse)}, rank ρ ${fixed(s.purchasesSpearman)}, top-decile ${fixed(s.topDecileCapture)}, churn AUC ${fixed(s.churnAuc)}`)
            .join('; ') +
          ` (recency alone: ${fixed(backtest.recencyAuc)}).`,
      );
      const rows = scores[0]?.byFrequency ?? [];
      const palette = [COLORS.grey, COLORS.blue, COLORS.violet, COLORS.amber];
      charts.draw('value-models', {
        type: 'line',
        data: {
          labels: rows.map((r) => (r.frequency === 7 ? '7+' : String(r.frequency))),
          datasets: [
            { label: 'Actual', data: rows.map((r) => r.actual), borderColor: COLORS.green, backgroundColor: COLORS.green, borderWidth: 3 },
            ...scores.map((s, i) => ({
              label: NAMES[s.model] ?? s.model,
              data: s.byFrequency.map((r) => r.predicted),
              borderColor: palette[i % palette.length],
              backgroundColor: palette[i % palette.length],
              borderDash: [4, 3],
            })),
          ],
        },
        options: {
          scales: {
            y: { beginAtZero: true, title: { display: true, text: `Mean purchases in the ${backtest.holdoutDays}-day holdout` } },
            x: { title: { display: true, text: 'Repeat purchases before it' } },
          },
        },
      });
    },
    csv: () => {
      // The calibration end is the last refit's; the file is the full backtest on it.
      const end = document.querySelector<HTMLElement>('[data-chart="value-models"]')?.dataset.calibrationEnd;
      return [`/v1/backtest?format=csv${end ? `&calibrationEnd=${end}` : ''}`, 'backtest.csv'];
    },
  };
}
