// The headline tiles above the charts: people, events, orders, buyers and revenue over the period, and the
// customer base's predicted value, which the CLV panel supplies.

import { byId, el } from '../api';
import type { EventRow } from './answers';
import { money, number } from './format';
import type { Board } from './panel';
import { since } from './period';

export interface Tile {
  label: string;
  value: string;
}

/** The tiles in the order shown. */
const TILES = ['visitors', 'events', 'orders', 'buyers', 'revenue', 'portfolio'] as const;
export type TileName = (typeof TILES)[number];

export interface Tiles {
  set(name: TileName, tile: Tile): void;
  /** Asks for the period's totals: of every event, and of the orders alone. */
  load(): Promise<void>;
  /** Shows the tiles known so far; one whose report has never answered is left out rather than shown empty. */
  show(): void;
}

export function createTiles({ api, period }: Board): Tiles {
  const tiles: Partial<Record<TileName, Tile>> = {};
  return {
    set(name, tile) {
      tiles[name] = tile;
    },
    async load() {
      const [all, orders] = await Promise.all([
        api<{ rows: EventRow[] }>('GET', `/v1/query/events?measures=count,users,revenue&${since(period())}`),
        api<{ rows: EventRow[] }>('GET', `/v1/query/events?event=Order%20Completed&measures=count,users&${since(period())}`),
      ]);
      const a = all.rows[0] ?? {};
      const o = orders.rows[0] ?? {};
      tiles.visitors = { label: 'People', value: number.format(a.users ?? 0) };
      tiles.events = { label: 'Events', value: number.format(a.count ?? 0) };
      tiles.orders = { label: 'Orders', value: number.format(o.count ?? 0) };
      tiles.buyers = { label: 'Buyers', value: number.format(o.users ?? 0) };
      tiles.revenue = { label: 'Revenue', value: money.format(a.revenue ?? 0) };
    },
    show() {
      byId('tiles').replaceChildren(
        ...TILES.filter((k) => tiles[k]).map((k) => {
          const tile = el('div', { class: 'tile', 'data-tile': k });
          tile.append(el('span', { class: 'muted' }, tiles[k]!.label), el('strong', {}, tiles[k]!.value));
          return tile;
        }),
      );
    },
  };
}
