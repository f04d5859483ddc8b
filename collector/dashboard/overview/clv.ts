// Customer lifetime value: how the customers who bought spread over predicted value for the months ahead, and
// the whole base's value, which the headline tiles show too.

import type { Portfolio } from './answers';
import { COLORS } from './charts';
import { caption } from './figure';
import { money, number } from './format';
import type { Board, Panel } from './panel';
import type { Tiles } from './tiles';

export function clvPanel({ api, charts }: Board, tiles: Tiles): Panel {
  return {
    name: 'clv',
    async draw() {
      const p = await api<Portfolio>('GET', '/v1/clv?bins=12');
      const months = p.model?.options?.clvMonths ?? 12;
      caption(
        'clv',
        `${number.format(p.customers)} customers who bought, worth ${money.format(p.clv)} over the next ${months} months (mean ${money.format(p.meanClv)}); ` +
          `${number.format(p.byChurnRisk['at-risk'].customers)} at risk, ${number.format(p.byChurnRisk.lost.customers)} lost`,
      );
      tiles.set('portfolio', { label: `Customer base value, ${months} months`, value: money.format(p.clv) });
      const bins = p.distribution;
      charts.draw('clv', {
        type: 'bar',
        data: {
          labels: bins.map((b) => (b.to === null ? `≥ ${number.format(b.from)}` : `${number.format(b.from)}–${number.format(b.to)}`)),
          datasets: [{ label: 'Customers', data: bins.map((b) => b.customers), backgroundColor: COLORS.violet, categoryPercentage: 1, barPercentage: 0.95 }],
        },
        options: {
          plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: (item) => `worth ${money.format(bins[item.dataIndex].clv)} together` } } },
          scales: { y: { beginAtZero: true, title: { display: true, text: 'Customers' } }, x: { title: { display: true, text: `Predicted CLV, next ${months} months` } } },
        },
      });
    },
    // Not of the period: the model predicts from everything it has seen.
    csv: () => ['/v1/clv?format=csv&table=distribution&bins=12', 'clv-distribution.csv'],
  };
}
