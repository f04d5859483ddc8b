// The shop that already runs Segment's or RudderStack's browser SDK points it at Patron and keeps its
// instrumentation: the real, unmodified SDKs from npm (@segment/analytics-next, @rudderstack/analytics-js) in
// Chromium, on a page of another origin, deliver every call in their default and batching modes (and
// RudderStack's beacon mode), at unload, and through retries (whose extra headers must pass the preflight).
// Between the page and the collector sits a proxy that can fail requests, as an overloaded collector would.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, readDatabase, startCollector, type Running } from '../collector/helpers';
import { CHROMIUM, FLAGS, E2E_TIMEOUT, PATIENCE_MS, eventually } from './demo';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VENDOR: Record<string, string> = {
  '/segment.js': path.join(ROOT, 'node_modules/@segment/analytics-next/dist/umd/index.js'),
  '/rudderstack.js': path.join(ROOT, 'node_modules/@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js'),
};

/** The page: loads one SDK with the configuration the README shows, from `?sdk=...&mode=...&api=host:port`. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1><script>
const q = new URLSearchParams(location.search);
const [sdk, mode, api] = [q.get('sdk'), q.get('mode'), q.get('api')];
document.write('<script src="/' + sdk + '.js"><\\/script>');
</script><script>
if (sdk === 'segment') {
  const segmentIo = { apiKey: '${KEYS.write[0]}', apiHost: api + '/v1', protocol: 'http' };
  if (mode === 'batching') segmentIo.deliveryStrategy = { strategy: 'batching', config: { size: 100, timeout: 200 } };
  window.sdk = AnalyticsNext.AnalyticsBrowser.load(
    { writeKey: '${KEYS.write[0]}', cdnSettings: { integrations: { 'Segment.io': segmentIo }, metrics: { sampleRate: 0 } } },
    { integrations: { 'Segment.io': { apiHost: api + '/v1', protocol: 'http' } } },
  );
  window.anonymousId = async () => (await window.sdk.user()).anonymousId();
} else {
  const ra = new rudderanalytics.RudderAnalytics();
  const options = {
    getSourceConfig: () => ({ source: { id: 'shop', name: 'shop', workspaceId: 'shop', enabled: true, config: {}, destinations: [] } }),
    plugins: ['XhrQueue', 'BeaconQueue', 'StorageEncryption'],
    queueOptions: { minRetryDelay: 200, maxRetryDelay: 1000, ...(mode === 'batching' ? { batch: { enabled: true, maxItems: 100, flushInterval: 200 } } : {}) },
  };
  if (mode === 'beacon') Object.assign(options, { useBeacon: true, beaconQueueOptions: { maxItems: 100, flushQueueInterval: 200 } });
  ra.load('${KEYS.write[0]}', 'http://' + api, options);
  window.sdk = ra;
  window.anonymousId = async () => { await new Promise((resolve) => ra.ready(resolve)); return ra.getAnonymousId(); };
}
</script></body></html>`;

let collector: Running;
let shop: http.Server;
let proxy: http.Server;
let browser: Browser;
let shopUrl: string;
let api: string;

/** What the proxy does: fail the next `failing` POSTs (or all while `failAll`), and what it saw. */
const gate = { failing: 0, failAll: false, posts: [] as { path: string; headers: http.IncomingHttpHeaders; failed: boolean }[] };

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  shop = http.createServer((req, res) => {
    const vendor = VENDOR[req.url ?? ''];
    if (vendor) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(vendor));
    res.writeHead(200, { 'content-type': 'text/html' }).end(req.url?.startsWith('/shop') ? PAGE : '<!doctype html><p>elsewhere</p>');
  });
  shopUrl = `http://127.0.0.1:${await listen(shop)}`;
  collector = await startCollector({ corsOrigins: [shopUrl], rateLimits: false });
  const target = new URL(collector.url);
  proxy = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const failed = gate.failAll || gate.failing > 0;
      gate.posts.push({ path: req.url ?? '', headers: req.headers, failed });
      if (failed) {
        gate.failing = Math.max(0, gate.failing - 1);
        req.resume();
        // As an overloaded collector answers, with the CORS headers so the SDK sees the status.
        return void res.writeHead(503, { 'access-control-allow-origin': shopUrl, 'content-type': 'application/json' }).end('{"error":{"code":"unavailable"}}');
      }
    }
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  api = `127.0.0.1:${await listen(proxy)}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, E2E_TIMEOUT.setup);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => proxy?.close(resolve));
  await new Promise((resolve) => shop?.close(resolve));
  await collector?.stop();
});

interface Row {
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  traits: string | null;
}
const rowsOf = (anonymousId: string) => readDatabase(collector, (db) => db.prepare('SELECT * FROM events WHERE anonymous_id = ? ORDER BY timestamp, id').all(anonymousId) as Row[]);

/** Reads the rows of `anonymousId` until `ok` holds (for PATIENCE_MS at the most). */
async function rowsUntil(anonymousId: string, ok: (rows: Row[]) => boolean): Promise<Row[]> {
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const rows = await rowsOf(anonymousId);
    if (ok(rows) || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const names = (rows: Row[]) => rows.map((r) => r.event ?? r.type);

async function openShop(context: BrowserContext, sdk: string, mode: string): Promise<{ page: Page; anonymousId: string }> {
  const page = await context.newPage();
  await page.goto(`${shopUrl}/shop?sdk=${sdk}&mode=${mode}&api=${api}`);
  const anonymousId = await page.evaluate(() => (window as any).anonymousId() as Promise<string>);
  return { page, anonymousId };
}

const ANONYMOUS_CALLS = ['page', 'Product Viewed', 'Product Added', 'Order Completed'];
const EVERY_CALL = [...ANONYMOUS_CALLS, 'identify', 'alias', 'group'];

/**
 * Every call a shop makes: a page view and the e-commerce events while the shopper is anonymous, then identify,
 * alias and group. (An SDK may resolve the user of a call after the next call: identify waits for the others to
 * be stored, so the anonymous ones are anonymous.)
 */
async function expectEveryCallDelivered(page: Page, anonymousId: string): Promise<void> {
  await page.evaluate(() => {
    const sdk = (window as any).sdk;
    sdk.page();
    sdk.track('Product Viewed', { product_id: 'SKU-1', name: 'Mug', price: 12, currency: 'EUR' });
    sdk.track('Product Added', { product_id: 'SKU-1', price: 12, quantity: 1 });
    sdk.track('Order Completed', { order_id: `o-${Math.random()}`, revenue: 12, currency: 'EUR', products: [{ product_id: 'SKU-1', price: 12, quantity: 1 }] });
  });
  const anonymous = await rowsUntil(anonymousId, (rows) => ANONYMOUS_CALLS.every((name) => names(rows).includes(name)));
  expect(names(anonymous)).toEqual(expect.arrayContaining(ANONYMOUS_CALLS));
  expect(anonymous.map((r) => r.user_id)).toEqual(anonymous.map(() => null));
  await page.evaluate(() => {
    const sdk = (window as any).sdk;
    sdk.identify('shopper-1', { email: 'shopper@shop.test', plan: 'gold' });
    sdk.alias('shopper-1-new');
    sdk.group('acme', { name: 'Acme' });
  });
  const rows = await rowsUntil(anonymousId, (r) => EVERY_CALL.every((name) => names(r).includes(name)));
  expect(names(rows)).toEqual(expect.arrayContaining(EVERY_CALL));
  // The traits where Patron reads them, and the shopper known from identify on.
  expect(JSON.parse(rows.find((r) => r.type === 'identify')!.traits!)).toMatchObject({ email: 'shopper@shop.test', plan: 'gold' });
  expect(rows.find((r) => r.type === 'identify')?.user_id).toBe('shopper-1');
}

/** A call made while the collector fails, delivered by the SDK's retry (its retry headers passing the preflight). */
async function deliveredByRetry(sdk: string, mode: string, retryHeader: string): Promise<void> {
  const context = await browser.newContext();
  const { page, anonymousId } = await openShop(context, sdk, mode);
  gate.failing = 2;
  await page.evaluate(() => (window as any).sdk.track('Product Viewed', { product_id: 'SKU-RETRY' }));
  const rows = await rowsUntil(anonymousId, (r) => names(r).includes('Product Viewed'));
  expect(names(rows)).toContain('Product Viewed');
  expect(gate.posts.some((p) => p.headers[retryHeader] !== undefined && !p.failed)).toBe(true);
  await context.close();
}

/** A call the page could not deliver before it was left, sent at unload or by the next page. */
async function deliveredAcrossUnload(sdk: string, mode: string, failFirst: boolean): Promise<void> {
  const context = await browser.newContext();
  const { page, anonymousId } = await openShop(context, sdk, mode);
  const sent = gate.posts.length;
  gate.failAll = failFirst;
  await page.evaluate(() => (window as any).sdk.track('Checkout Started', { value: 12 }));
  if (failFirst) await eventually(() => gate.posts.length > sent, Boolean); // an attempt failed
  await page.goto(`${shopUrl}/elsewhere`);
  gate.failAll = false;
  if (failFirst) await page.goto(`${shopUrl}/shop?sdk=${sdk}&mode=${mode}&api=${api}`); // the next page sends what was saved
  const rows = await rowsUntil(anonymousId, (r) => names(r).includes('Checkout Started'));
  expect(names(rows).filter((n) => n === 'Checkout Started')).toHaveLength(1);
  await context.close();
}

describe("Segment's analytics-next in Chromium", () => {
  for (const mode of ['default', 'batching']) {
    it(
      `delivers every call in ${mode} mode`,
      async () => {
        const context = await browser.newContext();
        const { page, anonymousId } = await openShop(context, 'segment', mode);
        await expectEveryCallDelivered(page, anonymousId);
        const paths = new Set(gate.posts.map((p) => p.path));
        expect(mode === 'batching' ? paths.has('/v1/b') : paths.has('/v1/t') && paths.has('/v1/i')).toBe(true);
        await context.close();
      },
      E2E_TIMEOUT.test,
    );
  }

  it('retries through a failing collector, X-Retry-Count allowed', () => deliveredByRetry('segment', 'default', 'x-retry-count'), E2E_TIMEOUT.test);
  it('sends what is left at unload in batching mode', () => deliveredAcrossUnload('segment', 'batching', false), E2E_TIMEOUT.test);
  it('sends what it saved at unload from the next page in default mode', () => deliveredAcrossUnload('segment', 'default', true), E2E_TIMEOUT.test);
});

describe("RudderStack's JavaScript SDK in Chromium", () => {
  for (const mode of ['default', 'batching', 'beacon']) {
    it(
      `delivers every call in ${mode} mode`,
      async () => {
        const context = await browser.newContext();
        const { page, anonymousId } = await openShop(context, 'rudderstack', mode);
        await expectEveryCallDelivered(page, anonymousId);
        await context.close();
      },
      E2E_TIMEOUT.test,
    );
  }

  it('retries through a failing collector, its retry headers allowed', () => deliveredByRetry('rudderstack', 'default', 'rsa-retry-attempt'), E2E_TIMEOUT.test);
  it('sends what is left at unload in beacon mode', () => deliveredAcrossUnload('rudderstack', 'beacon', false), E2E_TIMEOUT.test);
  it('sends what it saved at unload from the next page in default mode', () => deliveredAcrossUnload('rudderstack', 'default', true), E2E_TIMEOUT.test);
});
