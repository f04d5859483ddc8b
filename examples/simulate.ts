// Realistic shopper traffic into a running collector: Zipf popularity within categories, shoppers loyal to
// one or two categories, repeat buyers, lapsed customers, browsers who never buy and abandoned carts.
//   tsx examples/simulate.ts --endpoint http://localhost:3000 --shoppers 400 --days 90

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readKeysFile } from '../collector/http/keys';
import { runIfEntry } from '../collector/server';
import { bucketOf, random, variantOf } from '../recommender';
import type { WireEvent } from '../sdk/wire';
import { demoCatalog, type DemoProduct } from './catalog';

export interface SimulationOptions {
  endpoint: string;
  /** A write key; an admin key (a back end importing history) is not rate limited. */
  writeKey: string;
  shoppers?: number;
  days?: number;
  seed?: number;
  /** The end of the simulated history (default: now). */
  now?: number;
  batchSize?: number;
  onProgress?: (sent: number) => void;
  experiment?: SimulatedExperiment;
}

/**
 * An experiment on the home page's slot with a known effect: from `since`, every visit shows the visitor's
 * variant (assigned by the collector's hash, 50/50, control first), and the treatment's shoppers check out a
 * share `uplift` more often than they would (their spend per order is unchanged).
 */
export interface SimulatedExperiment {
  id: string;
  variations: [control: string, treatment: string];
  since: number;
  uplift: number;
}

type Persona = 'loyal' | 'regular' | 'occasional' | 'lapsed' | 'browser' | 'abandoner';

/** How each kind of shopper behaves: visits per 30 days, cart-add and checkout probabilities, basket spend. */
const PERSONAS: Record<Persona, { share: number; visitsPer30Days: number; add: number; buy: number; basket: number }> = {
  loyal: { share: 0.12, visitsPer30Days: 6, add: 0.5, buy: 0.75, basket: 3 },
  regular: { share: 0.18, visitsPer30Days: 3, add: 0.35, buy: 0.55, basket: 2 },
  occasional: { share: 0.22, visitsPer30Days: 1.2, add: 0.3, buy: 0.5, basket: 1 },
  lapsed: { share: 0.13, visitsPer30Days: 4, add: 0.4, buy: 0.6, basket: 2 },
  browser: { share: 0.25, visitsPer30Days: 3, add: 0.03, buy: 0, basket: 1 },
  abandoner: { share: 0.1, visitsPer30Days: 2, add: 0.7, buy: 0.05, basket: 2 },
};

const DAY = 86_400_000;

/** Every event of the simulated history, in time order. Deterministic for a given seed and `now`. */
export function simulatedEvents(options: { shoppers?: number; days?: number; seed?: number; now?: number; experiment?: SimulatedExperiment } = {}): WireEvent[] {
  const { shoppers = 400, days = 90, seed = 1 } = options;
  const now = options.now ?? Date.now();
  const rand = random(seed);
  const products = demoCatalog();
  const byId = new Map(products.map((p) => [p.id, p]));
  const categories = [...new Set(products.map((p) => p.category))];
  const zipf = (list: DemoProduct[]) => {
    const weights = list.map((p) => 1 / p.rank ** 1.2);
    let target = rand() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < list.length; i++) if ((target -= weights[i]) <= 0) return list[i];
    return list[list.length - 1];
  };
  const pickPersona = (): Persona => {
    let target = rand();
    for (const [persona, spec] of Object.entries(PERSONAS)) if ((target -= spec.share) <= 0) return persona as Persona;
    return 'occasional';
  };
  const events: WireEvent[] = [];
  for (let s = 0; s < shoppers; s++) {
    const persona = pickPersona();
    const spec = PERSONAS[persona];
    const anonymousId = `sim-${seed}-${s}`;
    const userId = persona === 'browser' ? undefined : `customer-${seed}-${s}`;
    const favourites = [categories[Math.floor(rand() * categories.length)], categories[Math.floor(rand() * categories.length)]];
    // How many of each thing this shopper buys: most one, some stock up (spend differs between customers, as
    // Gamma-Gamma models it).
    const units = 1 + Math.floor(rand() * rand() * 4);
    // Lapsed shoppers were active in the first half of the window only; new ones arrive late.
    const from = now - days * DAY + (persona === 'occasional' ? rand() * days * 0.5 * DAY : 0);
    const until = persona === 'lapsed' ? now - days * 0.55 * DAY : now - 60_000;
    const visits = Math.max(1, Math.round(((((until - from) / DAY) * spec.visitsPer30Days) / 30) * (0.6 + rand() * 0.8)));
    let identified = false;
    const test = options.experiment;
    const treated = test !== undefined && variantOf(bucketOf(test.id, anonymousId), [0.5, 0.5]) === 1;
    const starts = Array.from({ length: visits }, () => from + rand() * (until - from)).sort((a, b) => a - b);
    for (const start of starts) {
      let t = start;
      const session = randomUUID();
      /** An event `ms` after the last one. */
      const at = (ms: number, e: Omit<WireEvent, 'messageId' | 'anonymousId' | 'timestamp' | 'context'>) => {
        t += ms;
        events.push({
          messageId: randomUUID(),
          anonymousId,
          ...(identified && userId ? { userId } : {}),
          timestamp: new Date(Math.min(t, now)).toISOString(),
          context: { sessionId: session, library: { name: 'patron-simulator', version: '1' } },
          ...e,
        });
      };
      const emit = (e: Parameters<typeof at>[1]) => at(15_000 + rand() * 75_000, e);
      // What the product page's slot showed last. Slot events take no draw from the generator (a fixed delay):
      // the rest of the history is the same with or without them.
      let shown: { id: string; products: string[] } | undefined;
      emit({ type: 'page', name: 'Home', properties: {} });
      const exposed = test !== undefined && t >= test.since;
      if (exposed) at(500, { type: 'track', event: 'Experiment Viewed', properties: { experiment_id: test.id, variation_id: test.variations[treated ? 1 : 0] } });
      const cart: DemoProduct[] = [];
      const views = 2 + Math.floor(rand() * 6);
      let last: DemoProduct | undefined;
      for (let v = 0; v < views; v++) {
        // Shoppers follow complements from the product they are on, else browse their favourite categories.
        const category = rand() < 0.85 ? favourites[Math.floor(rand() * favourites.length)] : categories[Math.floor(rand() * categories.length)];
        const followed = last !== undefined && rand() < 0.35;
        const next = followed ? byId.get(last!.complements[Math.floor(rand() * last!.complements.length)])! : zipf(products.filter((p) => p.category === category));
        // Following a complement is a click on the product page's "bought together" slot that showed it.
        if (followed && shown?.products.includes(next.id))
          at(1_000, {
            type: 'track',
            event: 'Recommendation Clicked',
            properties: { slot: 'pdp-also-bought', recommendation_id: shown.id, product_id: next.id, position: shown.products.indexOf(next.id) },
          });
        emit({ type: 'track', event: 'Product Viewed', properties: productProps(next) });
        shown = { id: randomUUID(), products: next.complements.slice(0, 4) };
        at(500, {
          type: 'track',
          event: 'Recommendation Viewed',
          properties: { slot: 'pdp-also-bought', recommendation_id: shown.id, products: shown.products.map((id, position) => ({ product_id: id, position })) },
        });
        last = next;
        if (next.in_stock && rand() < spec.add && cart.length < spec.basket + 2) {
          cart.push(next);
          emit({ type: 'track', event: 'Product Added', properties: { ...productProps(next), quantity: units } });
        }
      }
      if (cart.length === 0) continue;
      emit({ type: 'track', event: 'Cart Viewed', properties: { products: cart.map(productProps) } });
      if (rand() >= spec.buy * (exposed && treated ? 1 + test.uplift : 1)) {
        // An abandoned cart; with more than one thing in it the shopper got as far as the checkout.
        if (cart.length > 1) at(20_000, { type: 'track', event: 'Checkout Started', properties: { products: cart.map(productProps) } });
        continue;
      }
      // Baskets pick up complements at checkout: what makes "also bought" worth showing.
      for (const item of [...cart]) {
        const complement = byId.get(item.complements[Math.floor(rand() * item.complements.length)])!;
        if (complement.in_stock && rand() < 0.45 && !cart.includes(complement)) {
          cart.push(complement);
          emit({ type: 'track', event: 'Product Added', properties: { ...productProps(complement), quantity: units } });
        }
      }
      emit({ type: 'track', event: 'Checkout Started', properties: { products: cart.map(productProps) } });
      if (userId && !identified) {
        identified = true;
        emit({ type: 'identify', traits: { persona } });
      }
      const revenue = Math.round(cart.reduce((sum, p) => sum + p.price * units, 0) * 100) / 100;
      emit({ type: 'track', event: 'Order Completed', properties: { order_id: randomUUID(), revenue, currency: 'EUR', products: cart.map((p) => ({ ...productProps(p), quantity: units })) } });
    }
  }
  return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}

function productProps(p: DemoProduct) {
  return { product_id: p.id, name: p.name, category: p.category, price: p.price, currency: p.currency };
}

/** Sends the simulated history to a collector in batches; resolves with the number of events accepted. */
export async function simulate(options: SimulationOptions): Promise<number> {
  const events = simulatedEvents(options);
  const size = options.batchSize ?? 200;
  const auth = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  let accepted = 0;
  for (let i = 0; i < events.length; i += size) {
    const send = () =>
      fetch(`${options.endpoint.replace(/\/+$/, '')}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch: events.slice(i, i + size) }),
      });
    let res = await send();
    while (res.status === 429) {
      // A good client waits as long as the collector asks.
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      res = await send();
    }
    const body = (await res.json()) as { accepted?: number; error?: { message: string } };
    if (!res.ok) throw new Error(`collector answered ${res.status}: ${body.error?.message}`);
    accepted += body.accepted ?? 0;
    options.onProgress?.(Math.min(i + size, events.length));
  }
  return accepted;
}

async function main() {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string', default: process.env.PATRON_ENDPOINT ?? 'http://localhost:3000' },
      'write-key': { type: 'string' },
      'keys-file': { type: 'string', default: path.resolve('data/keys.json') },
      shoppers: { type: 'string', default: '400' },
      days: { type: 'string', default: '90' },
      seed: { type: 'string', default: String(Date.now() % 100000) },
    },
  });
  const writeKey = values['write-key'] ?? process.env.PATRON_WRITE_KEY ?? readKeysFile(values['keys-file']).write[0];
  const started = performance.now();
  const accepted = await simulate({ endpoint: values.endpoint, writeKey, shoppers: Number(values.shoppers), days: Number(values.days), seed: Number(values.seed) });
  console.log(`simulated ${accepted} events in ${Math.round(performance.now() - started)} ms`);
}

runIfEntry(import.meta.url, 'simulate', main);
