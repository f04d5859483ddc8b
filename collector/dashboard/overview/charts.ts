// Chart.js as the overview uses it: the chart types it draws registered once, the house defaults and colours,
// and the charts drawn so far by name, so that a redraw replaces its chart and the page can say what each shows.

import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { figure } from './figure';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, MatrixController, MatrixElement);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#4b5563';
Chart.defaults.animation = { duration: 250 };

export const COLORS = { blue: '#2563eb', green: '#059669', amber: '#d97706', red: '#dc2626', violet: '#7c3aed', grey: '#9ca3af' };

/** What a chart was drawn with: its labels and each dataset's values. */
export interface DrawnData {
  labels: unknown[];
  datasets: { label?: string; data: unknown[] }[];
}

export interface Charts {
  /** Draws in the named figure's canvas, in place of the chart drawn there before. */
  draw(name: string, config: ChartConfiguration): void;
  /** A copy of what the named chart was drawn with; undefined before it is drawn. */
  data(name: string): DrawnData | undefined;
}

export function createCharts(): Charts {
  const charts = new Map<string, Chart>();
  return {
    draw(name, config) {
      charts.get(name)?.destroy();
      const canvas = figure(name).querySelector('canvas')!;
      config.options = { responsive: true, maintainAspectRatio: false, ...config.options };
      charts.set(name, new Chart(canvas, config));
    },
    data(name) {
      const chart = charts.get(name);
      if (!chart) return undefined;
      return { labels: [...(chart.data.labels ?? [])], datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
    },
  };
}
