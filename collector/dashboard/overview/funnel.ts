// The funnel: how many of the people who took its first step took each later one, in order, within the window.

import { byId } from '../api';
import type { FunnelStep } from './answers';
import { COLORS } from './charts';
import { caption, load } from './figure';
import { number, percent } from './format';
import type { Board, Panel } from './panel';
import { since } from './period';

export function funnelPanel({ api, period, charts }: Board): Panel {
  const report = () => `/v1/query/funnel?steps=${encodeURIComponent(byId<HTMLInputElement>('funnel-steps').value)}&within=${byId<HTMLSelectElement>('funnel-within').value}&${since(period())}`;
  const panel: Panel = {
    name: 'funnel',
    async draw() {
      const within = byId<HTMLSelectElement>('funnel-within').value;
      const { steps } = await api<{ steps: FunnelStep[] }>('GET', report());
      const last = steps.at(-1)!;
      caption('funnel', `${percent.format(last.conversion)} of the ${number.format(steps[0].people)} people who did “${steps[0].step}” went on to “${last.step}” within ${within}`);
      charts.draw('funnel', {
        type: 'bar',
        data: {
          labels: steps.map((s) => s.step),
          // Each step a shade lighter than the one before, as the funnel narrows.
          datasets: [{ label: 'People', data: steps.map((s) => s.people), backgroundColor: steps.map((_, k) => `${COLORS.blue}${k === 0 ? 'ff' : (255 - k * 40).toString(16)}`) }],
        },
        options: {
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: { afterLabel: (item) => `${percent.format(steps[item.dataIndex].conversion)} of the first step; ${percent.format(steps[item.dataIndex].dropOff)} dropped off here` },
            },
          },
          scales: { y: { beginAtZero: true } },
        },
      });
    },
    csv: () => [`${report()}&bySegment=true&format=csv`, 'funnel.csv'],
  };
  // Other steps or another window redraw the funnel alone: the rest of the page has not changed.
  byId('funnel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void load(panel.name, panel.draw);
  });
  return panel;
}
