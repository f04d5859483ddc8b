// The demo shop's catalog: 200 products in 8 categories, the same every time. Each product has
// complements (a grinder goes with beans) that the simulator buys together, so also-bought means something.

import { random } from '../recommender';

export interface DemoProduct {
  id: string;
  name: string;
  url: string;
  image: string;
  price: number;
  currency: string;
  category: string;
  in_stock: boolean;
  attributes: Record<string, string>;
  /** Ids of products often bought with this one (simulator only). */
  complements: string[];
  /** 1 for the most popular product of its category, 2 for the next, ... (simulator only). */
  rank: number;
}

const CATEGORIES: Record<string, { nouns: string[]; price: [number, number]; hue: number; pairsWith: string }> = {
  Coffee: { nouns: ['Espresso Beans', 'Filter Roast', 'Decaf Blend', 'Cold Brew Pack', 'Single Origin'], price: [9, 28], hue: 25, pairsWith: 'Kitchen' },
  Kitchen: { nouns: ['Burr Grinder', 'Pour-Over Kettle', 'French Press', 'Milk Frother', 'Scale'], price: [19, 180], hue: 200, pairsWith: 'Coffee' },
  Audio: { nouns: ['Headphones', 'Earbuds', 'Speaker', 'Turntable', 'Amplifier'], price: [29, 399], hue: 260, pairsWith: 'Books' },
  Books: { nouns: ['Cookbook', 'Novel', 'Field Guide', 'Poetry Collection', 'Biography'], price: [8, 45], hue: 40, pairsWith: 'Home' },
  Outdoor: { nouns: ['Tent', 'Sleeping Bag', 'Headlamp', 'Water Bottle', 'Backpack'], price: [12, 320], hue: 120, pairsWith: 'Coffee' },
  Home: { nouns: ['Throw Blanket', 'Candle', 'Vase', 'Desk Lamp', 'Cushion'], price: [12, 140], hue: 330, pairsWith: 'Books' },
  Beauty: { nouns: ['Face Cream', 'Shampoo', 'Lip Balm', 'Soap Bar', 'Serum'], price: [6, 65], hue: 300, pairsWith: 'Home' },
  Toys: { nouns: ['Puzzle', 'Board Game', 'Building Set', 'Plush Fox', 'Kite'], price: [9, 90], hue: 0, pairsWith: 'Books' },
};
const ADJECTIVES = ['Classic', 'Nordic', 'Everyday', 'Studio', 'Wild'];

export const CATEGORY_NAMES = Object.keys(CATEGORIES);

export function demoCatalog(): DemoProduct[] {
  const rand = random(2026);
  const products: DemoProduct[] = [];
  let n = 0;
  for (const [category, spec] of Object.entries(CATEGORIES)) {
    for (const noun of spec.nouns) {
      for (const adjective of ADJECTIVES) {
        const id = `SKU-${String(++n).padStart(3, '0')}`;
        const [lo, hi] = spec.price;
        products.push({
          id,
          name: `${adjective} ${noun}`,
          url: `/product.html?id=${id}`,
          image: `/img/${id}.svg`,
          price: Math.round((lo + (hi - lo) * rand() ** 2) * 100) / 100 - 0.01,
          currency: 'EUR',
          category,
          in_stock: rand() > 0.04,
          attributes: { line: adjective },
          complements: [],
          rank: 0,
        });
      }
    }
    // Popularity within the category is shuffled, so best sellers are not simply the first ids.
    const own = products.filter((p) => p.category === category);
    const order = own.map((_, i) => i).sort(() => rand() - 0.5);
    order.forEach((i, r) => (own[i].rank = r + 1));
  }
  for (const p of products) {
    const partner = CATEGORIES[p.category].pairsWith;
    const candidates = products.filter((q) => q.category === partner);
    const same = products.filter((q) => q.category === p.category && q.id !== p.id);
    p.complements = [candidates[Math.floor(rand() * candidates.length)].id, candidates[Math.floor(rand() * candidates.length)].id, same[Math.floor(rand() * same.length)].id];
  }
  return products;
}

/** What the collector's catalog API takes: the display fields, without the simulator's extras. */
export function catalogItems(products: DemoProduct[]) {
  return products.map(({ complements: _c, rank: _r, ...item }) => item);
}

/** A simple generated picture per product, so the demo needs no image files. */
export function productSvg(product: DemoProduct): string {
  const hue = CATEGORIES[product.category]?.hue ?? 0;
  const initials = product.name
    .split(' ')
    .map((w) => w[0])
    .join('')
    .slice(0, 3);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,82%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},55%,62%)"/></linearGradient></defs><rect width="320" height="240" fill="url(#g)"/><text x="160" y="138" font-family="Helvetica,Arial,sans-serif" font-size="56" font-weight="700" text-anchor="middle" fill="rgba(255,255,255,.92)">${initials}</text></svg>`;
}
