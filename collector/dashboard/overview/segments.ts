// The behavioural segments (k-means over the shoppers), by size, with each one's share of revenue and mean CLV.

import type { SegmentRow } from './answers';
import { COLORS } from './charts';
import { caption } from './figure';
import { money, percent } from './format';
import type { Board, Panel } from './panel';

export function segmentsPanel({ api, charts }: Board): Panel {
  return {
    name: 'segments',
    async draw() {
      const { segments } = await api<{ segments: SegmentRow[] }>('GET', '/v1/segments');
      caption('segments', segments.length ? `${segments.length} behavioural segments (k-means), refitted as data grows` : 'Segments appear once enough shoppers have been seen');
      charts.draw('segments', {
        type: 'bar',
        data: {
          labels: segments.map((s) => s.label),
          datasets: [{ label: 'Shoppers', data: segments.map((s) => s.size), backgroundColor: segments.map((_, k) => Object.values(COLORS)[k % 6]) }],
        },
        options: {
          indexAxis: 'y',
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { afterLabel: (item) => `${percent.format(segments[item.dataIndex].revenueShare)} of revenue; mean CLV ${money.format(segments[item.dataIndex].value.meanClv)}` } },
          },
          scales: { x: { beginAtZero: true, title: { display: true, text: 'Shoppers' } } },
        },
      });
    },
    csv: () => ['/v1/segments?format=csv', 'segments.csv'],
  };
}
