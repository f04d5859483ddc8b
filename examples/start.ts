// `npm start`: the collector on SQLite (./data/patron.db), the demo storefront on http://localhost:8080, the
// demo catalog uploaded and, on a fresh database, simulated history so recommendations show at once.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configFrom, runIfEntry, startServer, stopOnSignals } from '../collector/server';
import { catalogItems, demoCatalog } from './catalog';
import { simulate } from './simulate';
import { createStorefront } from './storefront/server';
import { startReceiver } from './receiver';

const DAY = 86_400_000;

/** The slots the demo store's pages name. */
export const DEMO_SLOTS: Record<string, object> = {
  'home-for-you': { strategy: 'for-you', limit: 4, maxPerCategory: 2, description: 'Home page: picked for this shopper' },
  'home-trending': { strategy: 'trending', limit: 4, description: 'Home page: rising this week' },
  'pdp-also-bought': { strategy: 'also-bought', limit: 4, minSupport: 2, description: 'Product page: bought together' },
  'pdp-also-viewed': { strategy: 'also-viewed', limit: 4, fallback: ['also-bought', 'popular'], description: 'Product page: viewed together' },
  'cart-complete-the-order': {
    strategy: 'also-bought',
    limit: 4,
    filters: { priceMax: 60, excludeCart: true, excludePurchased: true },
    description: 'Cart: small things that go with the cart',
  },
  'thanks-for-you': { strategy: 'for-you', limit: 4, filters: { excludePurchased: true }, description: 'Order confirmation: what next' },
};

/** The demo's experiment: the home page's for-you slot against the page's own markup, for the last 30 days. */
export const DEMO_EXPERIMENT = {
  id: 'home-for-you-test',
  name: 'For-you on the home page',
  description: "Does the home page's for-you slot add revenue over the page without it? The simulated shoppers who see it check out 15% more often.",
  kind: 'slot',
  slot: 'home-for-you',
  variants: [{ id: 'control', unfilled: true }, { id: 'for-you' }],
  primaryMetric: 'revenue_per_visitor',
  guardrails: ['average_order_value'],
};
/** What the demo's webhook receiver subscribes to: a customer slipping, coming back or losing value, and orders. */
export const DEMO_WEBHOOK = {
  description: 'The demo receiver (examples/receiver.ts)',
  events: ['customer.stage_changed', 'customer.churn_risk_changed', 'customer.value_dropped', 'order.completed'],
  traits: ['stage', 'churnRisk', 'clv'],
};

/** The uplift in checkouts the simulator gives the experiment's treatment. */
export const DEMO_UPLIFT = 0.15;
const EXPERIMENT_DAYS = 30;

export interface DemoOptions {
  collectorPort?: number;
  storePort?: number;
  /** The webhook receiver's port (RECEIVER_PORT; 8090). */
  receiverPort?: number;
  database?: string;
  shoppers?: number;
  host?: string;
  log?: (message: string) => void;
}

export async function startDemo(options: DemoOptions = {}) {
  const log = options.log ?? ((m: string) => console.log(m));
  const args = ['--port', String(options.collectorPort ?? process.env.PATRON_PORT ?? 3000)];
  if (options.database) args.push('--database', options.database);
  const config = configFrom(args);
  config.host = options.host ?? config.host;

  // The store first: the collector must know its origin (CORS), and its pages the collector's URL.
  let endpoint = '';
  const store = createStorefront({ endpoint: () => endpoint, writeKey: config.keys.write[0] });
  const storeServer = await new Promise<Server>((resolve, reject) => {
    const s = store.listen(options.storePort ?? Number(process.env.STORE_PORT ?? 8080), config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const storePort = (storeServer.address() as AddressInfo).port;
  const storeHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const storeUrl = `http://${storeHost}:${storePort}`;
  config.corsOrigins = [...new Set([...config.corsOrigins, `http://localhost:${storePort}`, `http://127.0.0.1:${storePort}`])];
  // The receiver is on this machine: the operator allows the collector to reach it (over plain http).
  const receiver = await startReceiver({ port: options.receiverPort ?? Number(process.env.RECEIVER_PORT ?? 8090), log });
  config.webhooks = { ...config.webhooks, allowHosts: [...config.webhooks.allowHosts, '127.0.0.1'] };
  // While the simulated history streams in, segment refits come and go: report only the settled result.
  let bootstrapping = false;
  const collector = await startServer(config, { log: (m) => (bootstrapping && m.startsWith('segments:') ? undefined : log(`[patron] ${m}`)) });
  endpoint = collector.url;

  const admin = { 'content-type': 'application/json', authorization: `Bearer ${config.keys.admin[0]}` };
  const catalog = await fetch(`${endpoint}/v1/catalog/items`, { method: 'PUT', headers: admin, body: JSON.stringify({ items: catalogItems(demoCatalog()) }) });
  if (!catalog.ok) throw new Error(`catalog upload failed: ${catalog.status} ${await catalog.text()}`);

  // The demo's slots, as a merchant would configure them; left alone if they exist (edits survive restarts).
  for (const [name, config] of Object.entries(DEMO_SLOTS)) {
    if (collector.app.patron.slots.get(name)) continue;
    const res = await fetch(`${endpoint}/v1/slots/${name}`, { method: 'PUT', headers: admin, body: JSON.stringify(config) });
    if (!res.ok) throw new Error(`slot ${name}: ${res.status} ${await res.text()}`);
  }

  if ((await collector.app.patron.store.countEvents()) === 0) {
    log('[demo] fresh database: simulating 90 days of shoppers…');
    bootstrapping = true;
    const started = performance.now();
    // The experiment began 30 days into the past the simulation makes.
    const since = Date.now() - EXPERIMENT_DAYS * DAY;
    const res = await fetch(`${endpoint}/v1/experiments`, { method: 'POST', headers: admin, body: JSON.stringify({ ...DEMO_EXPERIMENT, startAt: new Date(since).toISOString() }) });
    if (!res.ok) throw new Error(`experiment: ${res.status} ${await res.text()}`);
    const experiment = { id: DEMO_EXPERIMENT.id, variations: ['control', 'for-you'] as [string, string], since, uplift: DEMO_UPLIFT };
    // Bulk history is a back-end import: sent with the admin key, which is not rate limited.
    const accepted = await simulate({ endpoint, writeKey: config.keys.admin[0], shoppers: options.shoppers ?? 400, days: 90, seed: 1, experiment });
    await collector.app.patron.refits.refit();
    bootstrapping = false;
    const segments = collector.app.patron.insights.segments.map((x) => `${x.label} (${x.size})`).join(', ');
    log(`[demo] ${accepted} events in ${((performance.now() - started) / 1000).toFixed(1)} s; segments: ${segments}`);
  }

  // Subscribed once bootstrapping is done (its orders are history, not news); on a restart, the subscription's
  // secret is rotated, since it is shown only when made.
  const existing = collector.app.patron.webhooks.list().find((x) => x.definition.url === receiver.url);
  const subscribed = existing
    ? await fetch(`${endpoint}/v1/webhooks/${existing.id}/rotate`, { method: 'POST', headers: admin, body: JSON.stringify({ graceHours: 0 }) })
    : await fetch(`${endpoint}/v1/webhooks`, { method: 'POST', headers: admin, body: JSON.stringify({ ...DEMO_WEBHOOK, url: receiver.url }) });
  if (!subscribed.ok) throw new Error(`webhook subscription: ${subscribed.status} ${await subscribed.text()}`);
  receiver.trust(((await subscribed.json()) as { secret: string }).secret);
  // A refit now finds what changed since the last one (today's stage changes among them): the receiver prints them.
  await collector.app.patron.refits.refit();

  return {
    collector,
    config,
    storeUrl,
    receiver,
    async stop() {
      await receiver.close();
      await new Promise((r) => storeServer.close(r));
      await new Promise((r) => collector.server.close(r));
      await collector.app.patron.close();
    },
  };
}

async function main() {
  const demo = await startDemo();
  console.log(`
  Patron is running.
    Demo store:   ${demo.storeUrl}
    Collector:    ${demo.collector.url}   (store ${demo.config.store})
    Dashboard:    ${demo.collector.url}/dashboard   (analyst key: charts and experiments; admin key: also slots and experiments' controls)
    Write key:    ${demo.config.keys.write[0]}   (public: it goes in the script tag)
    Admin key:    ${demo.config.keys.admin[0]}
    Analyst key:  ${demo.config.keys.analyst[0]}
    Keys file:    ${demo.config.keysFile ?? '(from flags or environment)'}
    Webhooks:     ${demo.receiver.url}   (prints each signed delivery: customers changing stage or value, orders)
  Ctrl+C stops both.
`);
  stopOnSignals(() => demo.stop());
}

runIfEntry(import.meta.url, 'demo', main);
