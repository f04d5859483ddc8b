// Events and revenue over time, every day (or week) of the period shown: one without events is drawn at zero,
// not skipped, so that a quiet spell shows as one.

import type { ChartConfiguration } from 'chart.js';
import type { EventRow } from './answers';
import { COLORS } from './charts';
import { caption } from './figure';
import { money, number } from './format';
import type { Board, Panel } from './panel';
import { type Period, since, weekly } from './period';

const DAY = 86_400_000;

export function activityPanel({ api, period, charts }: Board): Panel {
  const report = () => `/v1/query/events?interval=${weekly(period()) ? 'week' : 'day'}&measures=count,users,revenue&${since(period())}`;
  return {
    name: 'activity',
    async draw() {
      const { rows } = await api<{ rows: EventRow[] }>('GET', report());
      const drawn = period();
      const totals = { count: 0, revenue: 0 };
      for (const r of rows) {
        totals.count += r.count ?? 0;
        totals.revenue += r.revenue ?? 0;
      }
      caption('activity', `${number.format(totals.count)} events and ${money.format(totals.revenue)} in revenue, by ${weekly(drawn) ? 'week' : 'day'}`);
      charts.draw('activity', activityChart(buckets(rows, drawn), rows));
    },
    csv: () => [`${report()}&format=csv`, 'events.csv'],
  };
}

/** Every day (or Monday) from the period's start to today, with any bucket the collector answered besides. */
function buckets(rows: EventRow[], period: Period): string[] {
  const step = weekly(period) ? 7 * DAY : DAY;
  const monday = (t: number) => Math.floor(t / DAY) * DAY - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
  const first = period.from ?? (rows.length ? Date.parse(rows[0].bucket!) : Date.now());
  const labels: string[] = [];
  for (let t = weekly(period) ? monday(first) : Math.floor(first / DAY) * DAY; t <= Date.now(); t += step) labels.push(new Date(t).toISOString().slice(0, 10));
  for (const r of rows) if (!labels.includes(r.bucket!)) labels.push(r.bucket!);
  return labels.sort();
}

/** Events and revenue on an axis each: money and a count of events have scales of their own. */
function activityChart(labels: string[], rows: EventRow[]): ChartConfiguration {
  const byBucket = new Map(rows.map((r) => [r.bucket!, r]));
  return {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'Events',
          data: labels.map((b) => byBucket.get(b)?.count ?? 0),
          borderColor: COLORS.blue,
          backgroundColor: `${COLORS.blue}22`,
          fill: true,
          yAxisID: 'y',
          pointRadius: 0,
          tension: 0.25,
        },
        { label: 'Revenue', data: labels.map((b) => byBucket.get(b)?.revenue ?? 0), borderColor: COLORS.green, yAxisID: 'revenue', pointRadius: 0, tension: 0.25 },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: 'Events' } },
        revenue: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'Revenue' } },
        x: { ticks: { maxTicksLimit: 12 } },
      },
    },
  };
}
