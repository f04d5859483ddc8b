// What an overview panel is (a figure in index.html drawn from one report of the period) and what it may use.

import type { Api } from '../api';
import type { Charts } from './charts';
import type { Period } from './period';

/** What every panel is given: the API, the period picked (read when asked: the analyst may change it), the charts. */
export interface Board {
  api: Api;
  period: () => Period;
  charts: Charts;
}

export interface Panel {
  /** Its figure's data-chart or data-table name in index.html, which its CSV button's data-csv names too. */
  name: string;
  /** Asks the collector for the panel's report and draws it. */
  draw: () => Promise<void>;
  /** What its CSV button saves, a path and a file name: the very report drawn, asked for with format=csv. */
  csv(): [path: string, file: string];
}
