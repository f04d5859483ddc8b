// The overview's two tables: the period's top products by revenue, and the most valuable customers by
// predicted CLV with their churn risk and RFM group. Every cell is text.

import { el } from '../api';
import type { CustomerRow, ProductRow } from './answers';
import { figure } from './figure';
import { money, number, percent } from './format';
import type { Board, Panel } from './panel';
import { since } from './period';

/** Replaces the named table's rows. */
function fillTable(name: string, rows: HTMLTableRowElement[]) {
  figure(name)
    .querySelector('tbody')!
    .replaceChildren(...rows);
}

function row(attrs: Record<string, string>, ...cells: HTMLTableCellElement[]) {
  const tr = el('tr', attrs);
  tr.append(...cells);
  return tr;
}

const textCell = (value: string) => el('td', {}, value);
// Figures are right-aligned so that their digits line up.
const numberCell = (value: string) => el('td', { class: 'num' }, value);

export function productsPanel({ api, period }: Board): Panel {
  return {
    name: 'products',
    async draw() {
      const { products } = await api<{ products: ProductRow[] }>('GET', `/v1/query/top-products?limit=10&${since(period())}`);
      fillTable(
        'products',
        products.map((p) =>
          row(
            { 'data-product': p.productId },
            textCell(p.productId),
            numberCell(number.format(p.views)),
            numberCell(number.format(p.cartAdds)),
            numberCell(number.format(p.orders)),
            numberCell(money.format(p.revenue)),
          ),
        ),
      );
    },
    // The table shows the top ten; the file, for working on elsewhere, up to a thousand.
    csv: () => [`/v1/query/top-products?limit=1000&format=csv&${since(period())}`, 'top-products.csv'],
  };
}

export function customersPanel({ api }: Board): Panel {
  return {
    name: 'customers',
    async draw() {
      const { customers } = await api<{ customers: CustomerRow[] }>('GET', '/v1/customers?limit=10&sort=clv');
      fillTable(
        'customers',
        customers.map((c) =>
          row(
            { 'data-customer': c.id },
            textCell(c.id),
            textCell(c.segment?.label ?? '—'),
            textCell(c.rfm.label),
            textCell(c.churnRisk ?? '—'),
            numberCell(c.pAlive === null ? '—' : percent.format(c.pAlive)),
            numberCell(c.clv === null ? '—' : money.format(c.clv)),
          ),
        ),
      );
    },
    csv: () => ['/v1/customers?limit=1000&format=csv', 'customers.csv'],
  };
}
