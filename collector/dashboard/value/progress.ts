// The base's predicted value week by week (as each week's last refit left it), and the customers moving between
// lifecycle stages month by month.

import { COLORS } from '../overview/charts';
import { caption } from '../overview/figure';
import { money, number } from '../overview/format';
import type { Board, Panel } from '../overview/panel';
import type { Flow, ProgressPoint } from './answers';

export function progressPanel({ api, charts }: Board): Panel {
  return {
    name: 'value-progress',
    async draw() {
      const { points } = await api<{ points: ProgressPoint[] }>('GET', '/v1/value/progress?bucket=week');
      const last = points.at(-1);
      caption('value-progress', last ? `${number.format(last.customers)} customers worth ${money.format(last.clv)} at the last refit; one point per week (its last refit)` : 'No refit yet.');
      charts.draw('value-progress', {
        type: 'line',
        data: {
          labels: points.map((p) => p.period ?? p.at.slice(0, 10)),
          datasets: [
            { label: 'Predicted value of the base', data: points.map((p) => p.clv), borderColor: COLORS.violet, backgroundColor: COLORS.violet, yAxisID: 'y' },
            { label: 'Customers', data: points.map((p) => p.customers), borderColor: COLORS.grey, backgroundColor: COLORS.grey, yAxisID: 'y1' },
          ],
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'Predicted CLV' } }, y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } } } },
      });
    },
    csv: () => ['/v1/value/progress?bucket=week&format=csv', 'value-progress.csv'],
  };
}

const STAGE_COLORS: Record<string, string> = { new: COLORS.blue, active: COLORS.green, loyal: COLORS.violet, 'at-risk': COLORS.amber, lapsed: COLORS.red, reactivated: '#0891b2' };

export function stagesPanel({ api, charts }: Board): Panel {
  return {
    name: 'value-stages',
    async draw() {
      const { flows, stages } = await api<{ flows: Flow[]; stages: string[] }>('GET', '/v1/stages/flows?bucket=month');
      const periods = [...new Set(flows.map((f) => f.period))].sort();
      const moved = (period: string, to: string) => flows.filter((f) => f.period === period && f.to === to).reduce((s, f) => s + f.customers, 0);
      caption('value-stages', `${number.format(flows.reduce((s, f) => s + f.customers, 0))} stage changes over ${periods.length} months, by the stage customers moved into`);
      charts.draw('value-stages', {
        type: 'bar',
        data: { labels: periods, datasets: stages.map((to) => ({ label: to, data: periods.map((p) => moved(p, to)), backgroundColor: STAGE_COLORS[to] ?? COLORS.grey })) },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Customers moving into' } } } },
      });
    },
    csv: () => ['/v1/stages/flows?bucket=month&format=csv', 'stage-flows.csv'],
  };
}
