// The value tab's tables: the customers whose value fell most in the last 30 days, and the merchant's measures
// month by month. Every cell is text.

import { el } from '../api';
import { figure } from '../overview/figure';
import { money, number, percent } from '../overview/format';
import type { Board, Panel } from '../overview/panel';
import type { Falling, PeriodMeasures } from './answers';

const cell = (value: string, num = false) => el('td', num ? { class: 'num' } : {}, value);
const or = (v: number | null, f: Intl.NumberFormat) => (v === null ? '—' : f.format(v));
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function fill(name: string, rows: Node[][]) {
  figure(name)
    .querySelector('tbody')!
    .replaceChildren(
      ...rows.map((cells) => {
        const tr = el('tr');
        tr.append(...cells);
        return tr;
      }),
    );
}

export function fallingPanel({ api }: Board): Panel {
  return {
    name: 'value-falling',
    async draw() {
      const { customers } = await api<{ customers: Falling[] }>('GET', '/v1/customers/falling?days=30&minDrop=0.2&limit=10');
      fill(
        'value-falling',
        customers.map((c) => [cell(c.id), cell(c.stage ?? '—'), cell(c.churnRisk ?? '—'), cell(money.format(c.clvBefore), true), cell(money.format(c.clv), true), cell(percent.format(-c.drop), true)]),
      );
    },
    csv: () => ['/v1/customers/falling?days=30&minDrop=0.2&limit=1000&format=csv', 'falling-value.csv'],
  };
}

export function measuresPanel({ api }: Board): Panel {
  return {
    name: 'value-measures',
    async draw() {
      const { periods } = await api<{ periods: PeriodMeasures[] }>('GET', '/v1/measures?bucket=month');
      fill(
        'value-measures',
        periods.map((p) => [
          cell(p.period),
          cell(number.format(p.customers), true),
          cell(or(p.averagePurchaseValue, money), true),
          cell(or(p.purchaseFrequency, decimal), true),
          cell(or(p.repeatPurchaseRate, percent), true),
          cell(or(p.retentionRate, percent), true),
          cell(or(p.churnRate, percent), true),
          cell(or(p.historicalClv, money), true),
          cell(or(p.predictedClv, money), true),
        ]),
      );
    },
    csv: () => ['/v1/measures?bucket=month&format=csv', 'measures.csv'],
  };
}
