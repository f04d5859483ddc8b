// How each recommendation slot did over the period: impressions, clicks and attributed orders, with its
// click-through rate on a scale of its own.

import type { SlotTotals } from './answers';
import { COLORS } from './charts';
import { caption } from './figure';
import { money, number, percent } from './format';
import type { Board, Panel } from './panel';

export function slotReportPanel({ api, period, charts }: Board): Panel {
  // The slot report takes days, not instants.
  const report = () => {
    const { from } = period();
    return `/v1/reports/slots?${from === undefined ? '' : `from=${new Date(from).toISOString().slice(0, 10)}`}`;
  };
  return {
    name: 'slots',
    async draw() {
      const { slots } = await api<{ slots: SlotTotals[] }>('GET', report());
      const totals = slots.reduce((s, x) => ({ impressions: s.impressions + x.impressions, clicks: s.clicks + x.clicks, orders: s.orders + x.orders, revenue: s.revenue + x.revenue }), {
        impressions: 0,
        clicks: 0,
        orders: 0,
        revenue: 0,
      });
      caption(
        'slots',
        `${number.format(totals.impressions)} impressions, ${number.format(totals.clicks)} clicks (${percent.format(totals.impressions ? totals.clicks / totals.impressions : 0)}), ${number.format(totals.orders)} attributed orders worth ${money.format(totals.revenue)}`,
      );
      charts.draw('slots', {
        type: 'bar',
        data: {
          labels: slots.map((s) => s.slot),
          datasets: [
            { type: 'bar', label: 'Impressions', data: slots.map((s) => s.impressions), backgroundColor: COLORS.grey, yAxisID: 'y' },
            { type: 'bar', label: 'Clicks', data: slots.map((s) => s.clicks), backgroundColor: COLORS.blue, yAxisID: 'y' },
            { type: 'bar', label: 'Attributed orders', data: slots.map((s) => s.orders), backgroundColor: COLORS.green, yAxisID: 'y' },
            { type: 'line', label: 'Click-through rate', data: slots.map((s) => s.ctr), borderColor: COLORS.amber, backgroundColor: COLORS.amber, yAxisID: 'ctr' } as never,
          ],
        },
        options: {
          interaction: { mode: 'index', intersect: false },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.dataset.yAxisID === 'ctr' ? percent.format(item.parsed.y ?? 0) : number.format(item.parsed.y ?? 0)}` } } },
          scales: {
            y: { beginAtZero: true },
            ctr: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { callback: (v) => percent.format(Number(v)) } },
          },
        },
      });
    },
    csv: () => [`${report()}&format=csv`, 'slots.csv'],
  };
}
