// The overview: what shoppers did and what they are worth, drawn with Chart.js from the analyst API. Every
// figure here is one of the API's answers, unchanged; the CSV buttons download the same reports.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type TooltipItem,
  type Plugin,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { type Api, byId, el } from './api';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, MatrixController, MatrixElement);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#4b5563';
Chart.defaults.animation = { duration: 250 };

const DAY = 86_400_000;
const COLORS = { blue: '#2563eb', green: '#059669', amber: '#d97706', red: '#dc2626', violet: '#7c3aed', grey: '#9ca3af' };

// The collector's answers, as far as the dashboard reads them.
interface EventRow { bucket?: string; count?: number; users?: number; revenue?: number }
interface FunnelStep { step: string; people: number; conversion: number; dropOff: number }
interface Cohort { cohort: string; size: number; active: number[]; rates: number[] }
interface ValueSummary { customers: number; clv: number; meanClv: number; expectedPurchases: number; revenue: number }
interface ClvBin { from: number; to: number | null; customers: number; clv: number }
interface Portfolio extends ValueSummary {
  byChurnRisk: Record<'active' | 'cooling' | 'at-risk' | 'lost', ValueSummary>;
  distribution: ClvBin[];
  model: { options?: { clvMonths?: number } } | null;
}
interface SegmentRow { id: number; slug: string; label: string; size: number; revenueShare: number; value: ValueSummary }
interface SlotTotals { slot: string; impressions: number; clicks: number; orders: number; revenue: number; ctr: number }
interface ProductRow { productId: string; views: number; cartAdds: number; orders: number; revenue: number }
interface CustomerRow { id: string; segment: { label: string } | null; rfm: { label: string }; churnRisk: string | null; pAlive: number | null; clv: number | null }

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export interface Period {
  /** Milliseconds since the epoch, or undefined for all time. */
  from?: number;
  days?: number;
}

export interface Overview {
  refresh(period: Period): Promise<void>;
  /** The data each chart was drawn with (labels and datasets), by chart name. */
  data(name: string): { labels: unknown[]; datasets: { label?: string; data: unknown[] }[] } | undefined;
}

export function createOverview(api: Api): Overview {
  const charts = new Map<string, Chart>();
  let period: Period = {};
  const since = () => (period.from === undefined ? '' : `from=${new Date(period.from).toISOString()}`);
  const figure = (name: string) => document.querySelector<HTMLElement>(`[data-chart="${name}"], [data-table="${name}"]`)!;
  // The reports drawn from the period and the forms; their CSV downloads ask for the same with format=csv.
  const weekly = () => period.days === undefined || period.days > 120;
  const reports = {
    activity: () => `/v1/query/events?interval=${weekly() ? 'week' : 'day'}&measures=count,users,revenue&${since()}`,
    funnel: () => `/v1/query/funnel?steps=${encodeURIComponent(byId<HTMLInputElement>('funnel-steps').value)}&within=${byId<HTMLSelectElement>('funnel-within').value}&${since()}`,
    retention: () => `/v1/query/retention?basis=${byId<HTMLSelectElement>('retention-basis').value}&interval=${byId<HTMLSelectElement>('retention-interval').value}&${since()}`,
    slots: () => `/v1/reports/slots?${period.from === undefined ? '' : `from=${new Date(period.from).toISOString().slice(0, 10)}`}`,
  };
  const caption = (name: string, text: string) => (figure(name).querySelector('[data-caption]')!.textContent = text);

  function draw(name: string, config: ChartConfiguration) {
    charts.get(name)?.destroy();
    const canvas = figure(name).querySelector('canvas')!;
    config.options = { responsive: true, maintainAspectRatio: false, ...config.options };
    charts.set(name, new Chart(canvas, config));
  }

  /** Runs one chart's loader; a failure shows in that chart's place and leaves the others be. */
  async function load(name: string, loader: () => Promise<void>) {
    const f = figure(name);
    f.dataset.state = 'loading';
    try {
      await loader();
      f.dataset.state = 'ready';
    } catch (error) {
      f.dataset.state = 'error';
      const p = f.querySelector('[data-caption]');
      if (p) p.textContent = `Could not load: ${(error as Error).message}`;
    }
  }

  // Events and revenue over time, every bucket of the period shown (empty days are days too).
  async function activity() {
    const { rows } = await api<{ rows: EventRow[] }>('GET', reports.activity());
    const byBucket = new Map(rows.map((r) => [r.bucket!, r]));
    const step = weekly() ? 7 * DAY : DAY;
    const monday = (t: number) => Math.floor(t / DAY) * DAY - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
    const first = period.from ?? (rows.length ? Date.parse(rows[0].bucket!) : Date.now());
    const labels: string[] = [];
    for (let t = weekly() ? monday(first) : Math.floor(first / DAY) * DAY; t <= Date.now(); t += step) labels.push(new Date(t).toISOString().slice(0, 10));
    for (const r of rows) if (!labels.includes(r.bucket!)) labels.push(r.bucket!);
    labels.sort();
    const totals = { count: 0, revenue: 0 };
    for (const r of rows) {
      totals.count += r.count ?? 0;
      totals.revenue += r.revenue ?? 0;
    }
    caption('activity', `${number.format(totals.count)} events and ${money.format(totals.revenue)} in revenue, by ${weekly() ? 'week' : 'day'}`);
    draw('activity', {
      type: 'line',
      data: {
        labels,
        datasets: [
          { label: 'Events', data: labels.map((b) => byBucket.get(b)?.count ?? 0), borderColor: COLORS.blue, backgroundColor: `${COLORS.blue}22`, fill: true, yAxisID: 'y', pointRadius: 0, tension: 0.25 },
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
    });
  }

  async function funnel() {
    const within = byId<HTMLSelectElement>('funnel-within').value;
    const res = await api<{ steps: FunnelStep[] }>('GET', reports.funnel());
    const last = res.steps.at(-1)!;
    caption('funnel', `${percent.format(last.conversion)} of the ${number.format(res.steps[0].people)} people who did “${res.steps[0].step}” went on to “${last.step}” within ${within}`);
    draw('funnel', {
      type: 'bar',
      data: {
        labels: res.steps.map((s) => s.step),
        datasets: [{ label: 'People', data: res.steps.map((s) => s.people), backgroundColor: res.steps.map((_, k) => `${COLORS.blue}${k === 0 ? 'ff' : (255 - k * 40).toString(16)}`) }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: (item) => `${percent.format(res.steps[item.dataIndex].conversion)} of the first step; ${percent.format(res.steps[item.dataIndex].dropOff)} dropped off here` } },
        },
        scales: { y: { beginAtZero: true } },
      },
    });
  }

  // The cohort matrix as a heatmap: each cell the share of a cohort active that many periods later.
  async function retention() {
    const basis = byId<HTMLSelectElement>('retention-basis').value;
    const interval = byId<HTMLSelectElement>('retention-interval').value;
    const res = await api<{ cohorts: Cohort[] }>('GET', reports.retention());
    const cohorts = res.cohorts;
    const periods = Math.max(1, ...cohorts.map((c) => c.rates.length));
    const xs = Array.from({ length: periods }, (_, k) => String(k));
    const data = cohorts.flatMap((c) => c.rates.map((rate, k) => ({ x: String(k), y: c.cohort, v: rate, n: c.active[k] })));
    caption('retention', cohorts.length ? `${cohorts.length} ${interval}ly cohorts by first ${basis === 'orders' ? 'order' : 'visit'}; cell: share active ${interval}s later` : 'No cohorts in this period yet');
    const labelCells: Plugin<'matrix'> = {
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
    draw('retention', {
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
      plugins: [labelCells],
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
          x: { type: 'category', labels: xs, offset: true, grid: { display: false }, title: { display: true, text: `${interval}s since the first ${basis === 'orders' ? 'order' : 'visit'}` } },
          y: { type: 'category', labels: cohorts.map((c) => c.cohort), offset: true, reverse: false, grid: { display: false } },
        },
      },
    } as unknown as ChartConfiguration);
  }

  async function clv() {
    const p = await api<Portfolio>('GET', '/v1/clv?bins=12');
    const months = p.model?.options?.clvMonths ?? 12;
    caption(
      'clv',
      `${number.format(p.customers)} customers who bought, worth ${money.format(p.clv)} over the next ${months} months (mean ${money.format(p.meanClv)}); ` +
        `${number.format(p.byChurnRisk['at-risk'].customers)} at risk, ${number.format(p.byChurnRisk.lost.customers)} lost`,
    );
    tiles.portfolio = { label: `Customer base value, ${months} months`, value: money.format(p.clv) };
    const bins = p.distribution;
    draw('clv', {
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
  }

  async function segments() {
    const { segments: list } = await api<{ segments: SegmentRow[] }>('GET', '/v1/segments');
    caption('segments', list.length ? `${list.length} behavioural segments (k-means), refitted as data grows` : 'Segments appear once enough shoppers have been seen');
    draw('segments', {
      type: 'bar',
      data: {
        labels: list.map((s) => s.label),
        datasets: [{ label: 'Shoppers', data: list.map((s) => s.size), backgroundColor: list.map((_, k) => Object.values(COLORS)[k % 6]) }],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: (item) => `${percent.format(list[item.dataIndex].revenueShare)} of revenue; mean CLV ${money.format(list[item.dataIndex].value.meanClv)}` } },
        },
        scales: { x: { beginAtZero: true, title: { display: true, text: 'Shoppers' } } },
      },
    });
  }

  async function slots() {
    const { slots: list } = await api<{ slots: SlotTotals[] }>('GET', reports.slots());
    const totals = list.reduce((s, x) => ({ impressions: s.impressions + x.impressions, clicks: s.clicks + x.clicks, orders: s.orders + x.orders, revenue: s.revenue + x.revenue }), { impressions: 0, clicks: 0, orders: 0, revenue: 0 });
    caption('slots', `${number.format(totals.impressions)} impressions, ${number.format(totals.clicks)} clicks (${percent.format(totals.impressions ? totals.clicks / totals.impressions : 0)}), ${number.format(totals.orders)} attributed orders worth ${money.format(totals.revenue)}`);
    draw('slots', {
      type: 'bar',
      data: {
        labels: list.map((s) => s.slot),
        datasets: [
          { type: 'bar', label: 'Impressions', data: list.map((s) => s.impressions), backgroundColor: COLORS.grey, yAxisID: 'y' },
          { type: 'bar', label: 'Clicks', data: list.map((s) => s.clicks), backgroundColor: COLORS.blue, yAxisID: 'y' },
          { type: 'bar', label: 'Attributed orders', data: list.map((s) => s.orders), backgroundColor: COLORS.green, yAxisID: 'y' },
          { type: 'line', label: 'Click-through rate', data: list.map((s) => s.ctr), borderColor: COLORS.amber, backgroundColor: COLORS.amber, yAxisID: 'ctr' } as never,
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
  }

  async function products() {
    const { products: list } = await api<{ products: ProductRow[] }>('GET', `/v1/query/top-products?limit=10&${since()}`);
    const body = figure('products').querySelector('tbody')!;
    body.replaceChildren(
      ...list.map((p) => {
        const row = el('tr', { 'data-product': p.productId });
        row.append(el('td', {}, p.productId), el('td', { class: 'num' }, number.format(p.views)), el('td', { class: 'num' }, number.format(p.cartAdds)), el('td', { class: 'num' }, number.format(p.orders)), el('td', { class: 'num' }, money.format(p.revenue)));
        return row;
      }),
    );
  }

  async function customers() {
    const { customers: list } = await api<{ customers: CustomerRow[] }>('GET', '/v1/customers?limit=10&sort=clv');
    const body = figure('customers').querySelector('tbody')!;
    body.replaceChildren(
      ...list.map((c) => {
        const row = el('tr', { 'data-customer': c.id });
        row.append(
          el('td', {}, c.id),
          el('td', {}, c.segment?.label ?? '—'),
          el('td', {}, c.rfm.label),
          el('td', {}, c.churnRisk ?? '—'),
          el('td', { class: 'num' }, c.pAlive === null ? '—' : percent.format(c.pAlive)),
          el('td', { class: 'num' }, c.clv === null ? '—' : money.format(c.clv)),
        );
        return row;
      }),
    );
  }

  // The headline figures over the period.
  const tiles: Record<string, { label: string; value: string }> = {};
  async function headline() {
    const [all, orders] = await Promise.all([
      api<{ rows: EventRow[] }>('GET', `/v1/query/events?measures=count,users,revenue&${since()}`),
      api<{ rows: EventRow[] }>('GET', `/v1/query/events?event=Order%20Completed&measures=count,users&${since()}`),
    ]);
    const a = all.rows[0] ?? {};
    const o = orders.rows[0] ?? {};
    tiles.visitors = { label: 'People', value: number.format(a.users ?? 0) };
    tiles.events = { label: 'Events', value: number.format(a.count ?? 0) };
    tiles.orders = { label: 'Orders', value: number.format(o.count ?? 0) };
    tiles.buyers = { label: 'Buyers', value: number.format(o.users ?? 0) };
    tiles.revenue = { label: 'Revenue', value: money.format(a.revenue ?? 0) };
  }
  function showTiles() {
    byId('tiles').replaceChildren(
      ...['visitors', 'events', 'orders', 'buyers', 'revenue', 'portfolio']
        .filter((k) => tiles[k])
        .map((k) => {
          const tile = el('div', { class: 'tile', 'data-tile': k });
          tile.append(el('span', { class: 'muted' }, tiles[k].label), el('strong', {}, tiles[k].value));
          return tile;
        }),
    );
  }

  const loaders: Record<string, () => Promise<void>> = { activity, funnel, retention, clv, segments, slots, products, customers };
  byId('funnel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void load('funnel', funnel);
  });
  byId('retention-form').addEventListener('change', () => void load('retention', retention));
  const csv: Record<string, () => [string, string]> = {
    activity: () => [`${reports.activity()}&format=csv`, 'events.csv'],
    funnel: () => [`${reports.funnel()}&bySegment=true&format=csv`, 'funnel.csv'],
    retention: () => [`${reports.retention()}&format=csv`, 'retention.csv'],
    clv: () => ['/v1/clv?format=csv&table=distribution&bins=12', 'clv-distribution.csv'],
    segments: () => ['/v1/segments?format=csv', 'segments.csv'],
    slots: () => [`${reports.slots()}&format=csv`, 'slots.csv'],
    products: () => [`/v1/query/top-products?limit=1000&format=csv&${since()}`, 'top-products.csv'],
    customers: () => ['/v1/customers?limit=1000&format=csv', 'customers.csv'],
  };
  document.querySelectorAll<HTMLButtonElement>('[data-csv]').forEach((button) =>
    button.addEventListener('click', () => {
      const [path, name] = csv[button.dataset.csv!]();
      api.download(path, name).catch((error: Error) => alert(`Could not download: ${error.message}`));
    }),
  );

  return {
    async refresh(next) {
      period = next;
      await Promise.all([headline().catch(() => undefined), ...Object.entries(loaders).map(([name, loader]) => load(name, loader))]);
      showTiles();
    },
    data(name) {
      const chart = charts.get(name);
      if (!chart) return undefined;
      return { labels: [...(chart.data.labels ?? [])], datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
    },
  };
}
