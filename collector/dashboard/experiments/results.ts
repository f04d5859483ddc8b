// One experiment's results on the page: the decision first, then each variant's figures, the uplifts with their
// intervals (the always-valid one is what the reading follows), and the primary metric's uplift day by day.

import type { ChartConfiguration } from 'chart.js';
import { byId, el } from '../api';
import { COLORS, type Charts } from '../overview/charts';
import { caption, figure } from '../overview/figure';
import { money, number, percent } from '../overview/format';
import { METRIC_NAMES, targetOf, type Range, type Results } from './experiment';

const DECISIONS: Record<string, string> = {
  'keep-running': 'Keep running',
  ship: 'Ship',
  'keep-control': 'Keep control',
  'no-difference': 'No difference',
  'check-assignment': 'Check the assignment',
};

const ratio = (r: Range | null) => (r ? `${percent.format(r.estimate)} (${percent.format(r.lower)} to ${percent.format(r.upper)})` : '–');
const amount = (r: Range | null) => (r ? `${money.format(r.estimate)} (${money.format(r.lower)} to ${money.format(r.upper)})` : '–');
const signed = (r: Range | null) => (r ? `${r.estimate >= 0 ? '+' : ''}${percent.format(r.estimate)}` : '–');
const span = (r: Range | null) => (r ? `${percent.format(r.lower)} to ${percent.format(r.upper)}` : '–');

const cell = (text: string, cls = 'num') => el('td', { class: cls }, text);

function showSummary(r: Results) {
  const x = r.experiment;
  byId('experiment-title').textContent = x.name;
  byId('experiment-about').textContent =
    `${x.id}: tests ${targetOf(x)}; ${x.state}; since ${x.startedAt.slice(0, 10)}${x.stoppedAt ? ` until ${x.stoppedAt.slice(0, 10)}` : ''}; primary metric ${METRIC_NAMES[r.primaryMetric].toLowerCase()}`;
  const decision = byId('experiment-decision');
  decision.dataset.status = r.decision.status;
  decision.textContent = `${DECISIONS[r.decision.status] ?? r.decision.status}${r.decision.variant ? ` ${r.decision.variant}` : ''}: ${r.decision.message}`;
  const srm = byId('experiment-srm');
  srm.hidden = !r.sampleRatio.mismatch;
  srm.textContent = `Sample ratio mismatch (p = ${r.sampleRatio.pValue.toExponential(1)}): visitors split ${Object.entries(r.sampleRatio.counts)
    .map(([k, n]) => `${k} ${number.format(n)}`)
    .join(', ')} against the weights.`;
  const s = r.sampleSize;
  byId('experiment-sample').textContent = s.visitorsPerVariant
    ? `${number.format(s.visitorsSoFar)} of the ${number.format(s.visitorsPerVariant)} visitors per variant needed to detect a ${percent.format(s.minimumDetectableEffect)} uplift (${percent.format(s.progress ?? 0)}).${r.exposures.mismatched ? ` ${number.format(r.exposures.mismatched)} exposures named another variant than the visitor's and are not counted.` : ''}`
    : 'The sample needed shows once the control has visitors whose figures vary.';
}

function showVariants(r: Results) {
  figure('experiment-variants')
    .querySelector('tbody')!
    .replaceChildren(
      ...r.variants.map((v) => {
        const tr = el('tr');
        tr.append(
          cell(v.control ? `${v.id} (control)` : v.id, ''),
          cell(number.format(v.visitors)),
          cell(ratio(v.conversionRate)),
          cell(amount(v.revenuePerVisitor)),
          cell(v.ordersPerVisitor.estimate.toFixed(3)),
          cell(amount(v.averageOrderValue)),
          cell(amount(v.clvPerVisitor)),
        );
        return tr;
      }),
    );
  figure('experiment-effects')
    .querySelector('tbody')!
    .replaceChildren(
      ...r.effects.map((e) => {
        const tr = el('tr', { 'data-metric': e.metric, 'data-verdict': e.verdict });
        const reading = e.verdict === 'inconclusive' ? 'not decided' : e.verdict;
        tr.append(
          cell(METRIC_NAMES[e.metric], ''),
          cell(e.variant, ''),
          cell(signed(e.relative)),
          cell(span(e.sequential.relative)),
          cell(span(e.relative)),
          cell(e.cuped ? `−${percent.format(e.cuped.varianceReduction)} variance` : '–'),
          cell(reading, e.verdict),
        );
        return tr;
      }),
    );
}

/** The uplift axis: the always-valid bands of the later half of the days, within -100% and +300%. */
function bounds(r: Results): { min?: number; max?: number } {
  const later = r.overTime.slice(Math.floor(r.overTime.length / 2)).flatMap((d) => d.effects.map((e) => e.sequential.relative).filter((x) => x !== null));
  if (!later.length) return {};
  return { min: Math.max(-1, Math.min(...later.map((x) => x.lower))), max: Math.min(3, Math.max(...later.map((x) => x.upper))) };
}

function drawUplift(r: Results, charts: Charts) {
  const days = r.overTime;
  const variants = r.variants.filter((v) => !v.control).map((v) => v.id);
  const palette = [COLORS.blue, COLORS.violet, COLORS.amber, COLORS.green, COLORS.red];
  const series = (variant: string, pick: (e: Results['overTime'][number]['effects'][number]) => number | undefined) => days.map((d) => pick(d.effects.find((e) => e.variant === variant)!) ?? null);
  caption('experiment-uplift', `${METRIC_NAMES[r.primaryMetric]}: the uplift over control at each day's end, with its always-valid 95% band`);
  const config: ChartConfiguration<'line', (number | null)[]> = {
    type: 'line',
    data: {
      labels: days.map((d) => d.day),
      datasets: variants.flatMap((v, i) => [
        { label: `${v}: uplift`, data: series(v, (e) => e.relative?.estimate), borderColor: palette[i % 5], backgroundColor: palette[i % 5] },
        { label: `${v}: lower`, data: series(v, (e) => e.sequential.relative?.lower), borderColor: palette[i % 5], borderDash: [4, 4], pointRadius: 0 },
        {
          label: `${v}: upper`,
          data: series(v, (e) => e.sequential.relative?.upper),
          borderColor: palette[i % 5],
          borderDash: [4, 4],
          pointRadius: 0,
          fill: '-1',
          backgroundColor: `${palette[i % 5]}22`,
        },
      ]),
    },
    options: {
      // The first days' bands are wide: the scale follows the later half, where the reading is made.
      scales: { y: { ...bounds(r), ticks: { callback: (v) => percent.format(Number(v)) } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${percent.format(item.parsed.y ?? 0)}` } } },
    },
  };
  charts.draw('experiment-uplift', config);
}

export function showResults(r: Results, charts: Charts) {
  showSummary(r);
  showVariants(r);
  drawUplift(r, charts);
}
