// The customer value tab: how the value is predicted (the models chosen and their backtest), the base's value
// week by week, the flows between lifecycle stages, the customers whose value is falling, the merchant's measures.

import type { Api } from '../api';
import { createCharts } from '../overview/charts';
import { offerDownloads } from '../overview/downloads';
import { load } from '../overview/figure';
import type { Board } from '../overview/panel';
import { modelsPanel } from './models';
import { progressPanel, stagesPanel } from './progress';
import { fallingPanel, measuresPanel } from './tables';

export function createValueTab(api: Api) {
  const charts = createCharts();
  const board: Board = { api, period: () => ({}), charts };
  const panels = [modelsPanel(board), progressPanel(board), stagesPanel(board), fallingPanel(board), measuresPanel(board)];
  offerDownloads(api, panels);
  return {
    refresh: () => Promise.all(panels.map((p) => load(p.name, p.draw))).then(() => undefined),
    data: (name: string) => charts.data(name),
  };
}
