// The retention matrix as a heatmap: a row a cohort (by first order or first visit), each cell the share of
// that cohort active so many weeks or months later, written on the cell where it fits.

import type { Chart, ChartConfiguration, Plugin, TooltipItem } from 'chart.js';
import { byId } from '../api';
import type { Cohort } from './answers';
import { caption, load } from './figure';
import { number, percent } from './format';
import type { Board, Panel } from './panel';
import { since } from './period';

/** One cell: periods since the first (x), the cohort (y), the share active (v) and how many that is (n). */
interface Cell {
  x: string;
  y: string;
  v: number;
  n: number;
}

export function retentionPanel({ api, period, charts }: Board): Panel {
  const basis = () => byId<HTMLSelectElement>('retention-basis').value;
  const interval = () => byId<HTMLSelectElement>('retention-interval').value;
  const report = () => `/v1/query/retention?basis=${basis()}&interval=${interval()}&${since(period())}`;
  const panel: Panel = {
    name: 'retention',
    async draw() {
      const [by, every] = [basis(), interval()];
      const { cohorts } = await api<{ cohorts: Cohort[] }>('GET', report());
      const first = by === 'orders' ? 'order' : 'visit';
      caption('retention', cohorts.length ? `${cohorts.length} ${every}ly cohorts by first ${first}; cell: share active ${every}s later` : 'No cohorts in this period yet');
      charts.draw('retention', heatmap(cohorts, every, first));
    },
    csv: () => [`${report()}&format=csv`, 'retention.csv'],
  };
  // Another basis or interval redraws the matrix alone.
  byId('retention-form').addEventListener('change', () => void load(panel.name, panel.draw));
  return panel;
}

function heatmap(cohorts: Cohort[], interval: string, first: string): ChartConfiguration {
  const periods = Math.max(1, ...cohorts.map((c) => c.rates.length));
  const xs = Array.from({ length: periods }, (_, k) => String(k));
  const data: Cell[] = cohorts.flatMap((c) => c.rates.map((rate, k) => ({ x: String(k), y: c.cohort, v: rate, n: c.active[k] })));
  return {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: 'Retention',
          data,
          backgroundColor: (c: { dataIndex: number }) => {
            const v = data[c.dataIndex]?.v ?? 0;
            return `rgba(37, 99, 235, ${(0.06 + 0.94 * v).toFixed(3)})`;
          },
          borderColor: '#fff',
          borderWidth: 1,
          width: ({ chart }: { chart: Chart }) => (chart.chartArea?.width ?? 0) / periods - 1,
          height: ({ chart }: { chart: Chart }) => (chart.chartArea?.height ?? 0) / Math.max(1, cohorts.length) - 1,
        },
      ],
    },
    plugins: [cellLabels(data)],
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'matrix'>[]) => `Cohort of ${data[items[0].dataIndex].y}`,
            label: (item: TooltipItem<'matrix'>) => {
              const d = data[item.dataIndex];
              return `${interval} ${d.x}: ${number.format(d.n)} active (${percent.format(d.v)})`;
            },
          },
        },
      },
      scales: {
        x: { type: 'category', labels: xs, offset: true, grid: { display: false }, title: { display: true, text: `${interval}s since the first ${first}` } },
        y: { type: 'category', labels: cohorts.map((c) => c.cohort), offset: true, reverse: false, grid: { display: false } },
      },
    },
  };
}

/** Writes each cell's share on it, white on the dark cells, where the cell is big enough to read it. */
function cellLabels(data: Cell[]): Plugin<'matrix'> {
  return {
    id: 'cellLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const meta = chart.getDatasetMeta(0);
      ctx.save();
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      meta.data.forEach((cell, i) => {
        // The matrix element's x and y are its top left corner.
        const { x, y, width, height } = cell.getProps(['x', 'y', 'width', 'height'], true) as { x: number; y: number; width: number; height: number };
        if (width < 26 || height < 12) return;
        const v = data[i].v;
        ctx.fillStyle = v > 0.5 ? '#fff' : '#111827';
        ctx.fillText(`${Math.round(v * 100)}%`, x + width / 2, y + height / 2);
      });
      ctx.restore();
    },
  };
}
