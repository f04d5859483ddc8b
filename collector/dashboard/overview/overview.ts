// The overview: what shoppers did and what they are worth, drawn with Chart.js from the analyst API. Every
// figure here is one of the API's answers, unchanged; the CSV buttons download the same reports.

import type { Api } from '../api';
import { activityPanel } from './activity';
import { type DrawnData, createCharts } from './charts';
import { clvPanel } from './clv';
import { offerDownloads } from './downloads';
import { load } from './figure';
import { funnelPanel } from './funnel';
import type { Board } from './panel';
import type { Period } from './period';
import { retentionPanel } from './retention';
import { segmentsPanel } from './segments';
import { slotReportPanel } from './slot-report';
import { customersPanel, productsPanel } from './tables';
import { createTiles } from './tiles';

export type { Period } from './period';

export interface Overview {
  refresh(period: Period): Promise<void>;
  /** The data each chart was drawn with (labels and datasets), by chart name. */
  data(name: string): DrawnData | undefined;
}

export function createOverview(api: Api): Overview {
  let period: Period = {};
  const charts = createCharts();
  const board: Board = { api, period: () => period, charts };
  const tiles = createTiles(board);
  const panels = [activityPanel(board), funnelPanel(board), retentionPanel(board), clvPanel(board, tiles), segmentsPanel(board), slotReportPanel(board), productsPanel(board), customersPanel(board)];
  offerDownloads(api, panels);
  return {
    async refresh(next) {
      period = next;
      // Every panel loads on its own, so one slow or failing report holds up none of the others; the tiles
      // wait for all of them, since the CLV panel supplies one.
      await Promise.all([tiles.load().catch(() => undefined), ...panels.map((p) => load(p.name, p.draw))]);
      tiles.show();
    },
    data: (name) => charts.data(name),
  };
}
