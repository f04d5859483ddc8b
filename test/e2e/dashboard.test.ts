// The dashboard in real Chromium, on the demo's simulated history: a key to enter, every chart drawn with the
// numbers the analyst API returns, and the merchants' slot editor behind the admin key.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { E2E_TIMEOUT, PATIENCE_MS, SHOTS, startDemoAndBrowser, type Demo } from './demo';

const DAY = 86_400_000;

let demo: Demo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ demo, browser } = await startDemoAndBrowser('dashboard', 120));
  await demo.collector.app.patron.refits.refit();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => console.error('page error:', error.message));
}, E2E_TIMEOUT.setup);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const analystApi = async (p: string) => {
  const res = await fetch(`${demo.collector.url}${p}`, { headers: { authorization: `Bearer ${demo.config.keys.analyst[0]}` } });
  expect(res.status).toBe(200);
  return await res.json();
};
const chartData = (name: string) => page.evaluate((n) => window.patronDashboard!.data(n), name) as Promise<{ labels: any[]; datasets: { label?: string; data: any[] }[] }>;

describe('the dashboard in Chromium', { timeout: E2E_TIMEOUT.test }, () => {
  it('is served with a strict content security policy and no caching of stale scripts', async () => {
    const res = await fetch(`${demo.collector.url}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const script = await fetch(`${demo.collector.url}/dashboard/dashboard.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    // The page itself holds no data: everything comes through the API with the key.
    expect((await fetch(`${demo.collector.url}/v1/clv`)).status).toBe(401);
  });

  it('refuses a write key, lets an analyst in, and draws every chart with the numbers the API returns', async () => {
    await page.goto(`${demo.collector.url}/dashboard`);
    await page.fill('#key', demo.config.keys.write[0]);
    await page.click('#login button');
    await page.waitForFunction(() => /does not open/.test(document.getElementById('login-error')!.textContent ?? ''));

    await page.fill('#key', demo.config.keys.analyst[0]);
    await page.click('#login button');
    await page.waitForSelector('html[data-ready="true"]');
    const states = await page.$$eval('#overview [data-chart], #overview [data-table]', (els) =>
      els.map((e) => [e.getAttribute('data-chart') ?? e.getAttribute('data-table'), (e as HTMLElement).dataset.state]),
    );
    expect(states).toEqual(['activity', 'funnel', 'retention', 'clv', 'segments', 'slots', 'products', 'customers'].map((n) => [n, 'ready']));
    const from = new Date(Math.floor(Date.now() / DAY) * DAY - 89 * DAY).toISOString();

    // Events and revenue by day: every bucket the API has, at its day; the days without events at zero.
    const activity = await chartData('activity');
    const rows = (await analystApi(`/v1/query/events?interval=day&measures=count,users,revenue&from=${from}`)).rows;
    expect(activity.labels).toHaveLength(90);
    for (const r of rows) {
      const k = activity.labels.indexOf(r.bucket);
      expect(activity.datasets[0].data[k]).toBe(r.count);
      expect(activity.datasets[1].data[k]).toBe(r.revenue);
    }
    const total = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(total(activity.datasets[0].data)).toBe(total(rows.map((r: any) => r.count)));

    const funnel = await analystApi(`/v1/query/funnel?steps=${encodeURIComponent('Product Viewed, Product Added, Checkout Started, Order Completed')}&within=7d&from=${from}`);
    expect(await chartData('funnel')).toMatchObject({ labels: funnel.steps.map((s: any) => s.step), datasets: [{ data: funnel.steps.map((s: any) => s.people) }] });
    expect(funnel.steps[3].people).toBeGreaterThan(0);

    const retention = await analystApi(`/v1/query/retention?basis=orders&interval=week&from=${from}`);
    const cells = (await chartData('retention')).datasets[0].data;
    expect(cells).toEqual(retention.cohorts.flatMap((c: any) => c.rates.map((v: number, k: number) => ({ x: String(k), y: c.cohort, v, n: c.active[k] }))));
    expect(cells.length).toBeGreaterThan(10);

    const clv = await analystApi('/v1/clv?bins=12');
    expect((await chartData('clv')).datasets[0].data).toEqual(clv.distribution.map((b: any) => b.customers));
    expect(await page.textContent('[data-chart="clv"] [data-caption]')).toContain(`${clv.customers} customers who bought`);

    const segments = (await analystApi('/v1/segments')).segments;
    expect(segments.length).toBeGreaterThan(1);
    expect(await chartData('segments')).toMatchObject({ labels: segments.map((s: any) => s.label), datasets: [{ data: segments.map((s: any) => s.size) }] });

    // The simulated shoppers click the product page's slot: its impressions, clicks and orders are drawn.
    const slots = (await analystApi(`/v1/reports/slots?from=${from.slice(0, 10)}`)).slots;
    const drawn = await chartData('slots');
    expect(drawn.labels).toEqual(slots.map((s: any) => s.slot));
    expect(drawn.datasets.map((d) => d.data)).toEqual([slots.map((s: any) => s.impressions), slots.map((s: any) => s.clicks), slots.map((s: any) => s.orders), slots.map((s: any) => s.ctr)]);
    expect(slots.find((s: any) => s.slot === 'pdp-also-bought')).toMatchObject({ impressions: expect.any(Number), clicks: expect.any(Number) });
    expect(slots.find((s: any) => s.slot === 'pdp-also-bought').orders).toBeGreaterThan(0);

    const products = (await analystApi(`/v1/query/top-products?limit=10&from=${from}`)).products;
    expect(await page.$$eval('[data-table="products"] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-product')))).toEqual(products.map((p: any) => p.productId));
    const customers = (await analystApi('/v1/customers?limit=10&sort=clv')).customers;
    expect(await page.$$eval('[data-table="customers"] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-customer')))).toEqual(customers.map((c: any) => c.id));

    // Drawn, not just configured: every canvas has ink on it, once the charts' short entry animation has run
    // (its frames come as fast as the machine draws them: look until they have, not after 400 ms).
    const inked = () =>
      page.$$eval('#overview [data-chart] canvas', (canvases) =>
        canvases.map((c) => {
          const { data } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
          return n;
        }),
      );
    await vi.waitFor(
      async () => {
        const ink = await inked();
        expect(ink).toHaveLength(6);
        for (const n of ink) expect(n).toBeGreaterThan(2_000);
      },
      { timeout: PATIENCE_MS, interval: 100 },
    );
    expect(await page.$$eval('[data-tile]', (els) => els.map((e) => e.getAttribute('data-tile')))).toEqual(['visitors', 'events', 'orders', 'buyers', 'revenue', 'portfolio']);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });

    // Another period redraws from the API.
    await page.selectOption('#period', '7');
    await page.evaluate(() => window.patronDashboard!.ready);
    expect((await chartData('activity')).labels).toHaveLength(7);
  });

  it('shows how customer value is predicted, its progression, the stage flows and the measures, with the API’s figures', async () => {
    await page.goto(`${demo.collector.url}/dashboard#value`);
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLElement>('#value [data-chart], #value [data-table]')].every((f) => f.dataset.state === 'ready' || f.dataset.state === 'error'),
      null,
      {
        timeout: PATIENCE_MS,
      },
    );
    const states = await page.$$eval('#value [data-chart], #value [data-table]', (els) => els.map((e) => (e as HTMLElement).dataset.state));
    expect(states).toEqual(['ready', 'ready', 'ready', 'ready', 'ready']);
    // The models chosen at the last refit, and the backtest they were chosen on, as the chart of predicted against actual.
    const { model } = await analystApi('/v1/clv?bins=2');
    const backtest = model.choice.backtest;
    expect(backtest).not.toBeNull();
    const drawn = await chartData('value-models');
    expect(drawn.datasets.map((d) => d.label)).toEqual(['Actual', 'Own past rate', 'BG/NBD', 'Activity model']);
    expect(drawn.datasets[0].data).toEqual(backtest.scores[0].byFrequency.map((r: { actual: number }) => r.actual));
    expect(drawn.datasets[2].data).toEqual(backtest.scores[1].byFrequency.map((r: { predicted: number }) => r.predicted));
    expect(await page.textContent('[data-chart="value-models"] [data-caption]')).toContain(model.choice.reason);
    const { points } = await analystApi('/v1/value/progress?bucket=week');
    expect((await chartData('value-progress')).datasets[0].data).toEqual(points.map((p: { clv: number }) => p.clv));
    const { flows } = await analystApi('/v1/stages/flows?bucket=month');
    // The history streamed in after the collector's first refit has its stage changes too, month after month.
    expect(new Set(flows.map((f: { period: string }) => f.period)).size).toBeGreaterThanOrEqual(3);
    const stages = (await chartData('value-stages')).datasets;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(stages.flatMap((d) => d.data as number[]))).toBe(sum(flows.map((f: { customers: number }) => f.customers)));
    const { periods } = await analystApi('/v1/measures?bucket=month');
    expect(await page.$$eval('[data-table="value-measures"] tbody tr', (rows) => rows.map((r) => r.firstElementChild!.textContent))).toEqual(periods.map((p: { period: string }) => p.period));
    await page.screenshot({ path: path.join(SHOTS, 'customer-value.png'), fullPage: true });
  });

  it("has the demo's receiver print each signed webhook: today's stage changes, and an order as it comes", async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const { changes } = await analystApi(`/v1/stages/changes?from=${today}&limit=10000`);
    const stageHooks = () => demo.receiver.received.filter((p) => p.type === 'customer.stage_changed');
    // Each of today's changes (found since the last refit) is delivered once, its signature verified by the receiver.
    await vi.waitFor(() => expect(stageHooks()).toHaveLength(changes.length), { timeout: PATIENCE_MS, interval: 100 });
    const key = (c: { customerId: string; from: string | null; to: string }) => `${c.customerId} ${c.from} ${c.to}`;
    expect(
      stageHooks()
        .map((p) => key({ customerId: p.data.customer!.id, from: p.data.from as string | null, to: p.data.to as string }))
        .sort(),
    ).toEqual(changes.map(key).sort());
    const order = {
      type: 'track',
      event: 'Order Completed',
      messageId: `hook-${Date.now()}`,
      userId: 'webhook-buyer',
      timestamp: new Date().toISOString(),
      properties: { order_id: 'W-1', revenue: 12.5, products: [{ product_id: 'SKU-001', price: 12.5, quantity: 1 }] },
    };
    const res = await fetch(`${demo.collector.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.config.keys.admin[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [order] }),
    });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(demo.receiver.received.find((p) => p.type === 'order.completed')?.data.order).toMatchObject({ id: 'W-1', revenue: 12.5 }), { timeout: PATIENCE_MS, interval: 100 });
  });

  it('keeps the slot editor behind the admin key; a merchant edits, previews and sees the collector’s errors', async () => {
    // A hostile description is shown as text.
    const admin = { authorization: `Bearer ${demo.config.keys.admin[0]}`, 'content-type': 'application/json' };
    await fetch(`${demo.collector.url}/v1/slots/xss-check`, { method: 'PUT', headers: admin, body: JSON.stringify({ strategy: 'popular', description: '<img src=x onerror="window.pwned=1">' }) });

    await page.click('[data-tab="slots"]');
    await page.waitForSelector('#admin-login', { state: 'visible' });
    await page.fill('#admin-key', demo.config.keys.analyst[0]);
    await page.click('#admin-login button');
    await page.waitForFunction(() => /not an admin key/.test(document.getElementById('admin-error')!.textContent ?? ''));
    await page.fill('#admin-key', demo.config.keys.admin[0]);
    await page.click('#admin-login button');
    await page.waitForSelector('#editor', { state: 'visible' });

    await page.click('[data-slot="pdp-also-bought"]');
    expect(await page.inputValue('input[name="name"]')).toBe('pdp-also-bought');
    expect(await page.inputValue('input[name="minSupport"]')).toBe('2');
    await page.fill('input[name="limit"]', '2');
    await page.fill('input[name="boosters"]', 'Coffee=1.5, roast:dark=2');
    await page.click('#save-slot');
    await page.waitForFunction(() => /Saved/.test(document.getElementById('saved')!.textContent ?? ''));
    const saved = await (await fetch(`${demo.collector.url}/v1/slots/pdp-also-bought`, { headers: admin })).json();
    expect(saved).toMatchObject({
      limit: 2,
      minSupport: 2,
      boosters: [
        { category: 'Coffee', weight: 1.5 },
        { attribute: { name: 'roast', value: 'dark' }, weight: 2 },
      ],
    });

    await page.fill('#preview-item', 'SKU-001');
    await page.click('#preview');
    await page.waitForSelector('#preview-items .product');
    expect(await page.$$eval('#preview-items .product', (els) => els.length)).toBe(2);

    await page.click('#new-slot');
    await page.fill('input[name="name"]', 'bad-range');
    await page.fill('input[name="priceMin"]', '50');
    await page.fill('input[name="priceMax"]', '10');
    await page.click('#save-slot');
    await page.waitForSelector('#errors li');
    expect(await page.textContent('#errors li')).toContain('filters.priceMin');
    expect((await fetch(`${demo.collector.url}/v1/slots/bad-range`, { headers: admin })).status).toBe(404);

    expect(await page.textContent('#slot-list')).toContain('<img src=x onerror="window.pwned=1">');
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
    await page.screenshot({ path: path.join(SHOTS, 'slot-editor.png'), fullPage: true });
  });

  it("lists the webhook subscriptions and a delivery log for the admin, with the API's figures", async () => {
    // The slot editor's test above entered the admin key in this tab.
    await page.goto(`${demo.collector.url}/dashboard#webhooks`);
    await page.waitForSelector('#webhooks[data-state="ready"]', { timeout: PATIENCE_MS });
    const admin = { authorization: `Bearer ${demo.config.keys.admin[0]}` };
    const { subscriptions } = await (await fetch(`${demo.collector.url}/v1/webhooks`, { headers: admin })).json();
    expect(await page.$$eval('#webhook-list tr', (rows) => rows.map((r) => r.getAttribute('data-subscription')))).toEqual(subscriptions.map((s: { id: string }) => s.id));
    const { deliveries } = await (await fetch(`${demo.collector.url}/v1/webhooks/${subscriptions[0].id}/deliveries?limit=50`, { headers: admin })).json();
    expect(deliveries.length).toBeGreaterThan(0);
    const ids = await page.$$eval('[data-table="webhook-deliveries"] tbody tr', (rows) => rows.map((r) => r.children[2].textContent));
    expect(ids).toEqual(deliveries.map((d: { id: string }) => d.id));
    await page.screenshot({ path: path.join(SHOTS, 'webhooks.png'), fullPage: true });
  });

  it('subscribes an endpoint from the form, shows its secret once, pauses and resumes it, and replays a delivery', async () => {
    const admin = { authorization: `Bearer ${demo.config.keys.admin[0]}` };
    const api = async (p: string) => (await fetch(`${demo.collector.url}${p}`, { headers: admin })).json();
    const [first] = (await api('/v1/webhooks')).subscriptions;
    await page.fill('#webhook-form input[name="url"]', first.url);
    await page.check('#webhook-events input[value="experiment.decided"]');
    await page.check('#webhook-traits input[value="clv"]');
    await page.selectOption('#webhook-form select[name="stage"]', 'at-risk');
    await page.click('#webhook-form button[type="submit"]');
    await page.waitForSelector('#webhook-secret:not([hidden])', { timeout: PATIENCE_MS });
    expect(await page.textContent('#webhook-secret code')).toMatch(/^whsec_/);
    const made = (await api('/v1/webhooks')).subscriptions.find((s: { id: string }) => s.id !== first.id);
    expect(made).toMatchObject({ url: first.url, events: ['experiment.decided'], traits: ['clv'], filters: { stage: 'at-risk' }, state: 'enabled' });
    await page.waitForSelector(`#webhook-list tr[data-subscription="${made.id}"]`, { timeout: PATIENCE_MS });
    await page.click(`#webhook-list tr[data-subscription="${made.id}"] button`);
    await vi.waitFor(async () => expect((await api(`/v1/webhooks/${made.id}`)).state).toBe('paused'), { timeout: PATIENCE_MS, interval: 100 });
    await page.waitForSelector(`#webhook-list tr[data-subscription="${made.id}"] button:text("Resume")`, { timeout: PATIENCE_MS });
    await page.click(`#webhook-list tr[data-subscription="${made.id}"] button`);
    await vi.waitFor(async () => expect((await api(`/v1/webhooks/${made.id}`)).state).toBe('enabled'), { timeout: PATIENCE_MS, interval: 100 });
    // The first subscription's newest delivery, replayed from its row: one more attempt in its log.
    await page.click(`#webhook-list tr[data-subscription="${first.id}"] a`);
    await page.waitForFunction((id) => document.getElementById('webhook-deliveries-title')?.textContent === `Deliveries of ${id}`, first.id, { timeout: PATIENCE_MS });
    const [newest] = (await api(`/v1/webhooks/${first.id}/deliveries?limit=1`)).deliveries;
    const row = page.locator('[data-table="webhook-deliveries"] tbody tr', { hasText: newest.id });
    await row.locator('button').click();
    await vi.waitFor(
      async () => {
        const [again] = (await api(`/v1/webhooks/${first.id}/deliveries?limit=50`)).deliveries.filter((d: { id: string }) => d.id === newest.id);
        expect(again.log.length).toBeGreaterThan(newest.log.length);
      },
      { timeout: PATIENCE_MS, interval: 100 },
    );
  });

  it("shows the demo's experiment on the home page's slot with the API's figures, and lets the merchant pause it and start another", async () => {
    const results = await analystApi('/v1/experiments/home-for-you-test/results');
    // A shopper on the store's home page is shown their variant, and the page tells the collector so.
    const shopper = await browser.newPage();
    await shopper.goto(demo.storeUrl);
    const slot = await shopper.waitForSelector('[data-patron-slot="home-for-you"][data-patron-state="held"], [data-patron-slot="home-for-you"][data-patron-state="ready"]');
    const state = await slot.getAttribute('data-patron-state');
    const visitor = await shopper.evaluate(() => (window as any).patron.anonymousId() as string);
    await shopper.evaluate(() => (window as any).patron.flush());
    await shopper.close();
    await vi.waitFor(async () => expect((await analystApi('/v1/experiments/home-for-you-test/results')).exposures.visitors).toBe(results.exposures.visitors + 1), { timeout: PATIENCE_MS });
    const after = await analystApi('/v1/experiments/home-for-you-test/results');
    const variant = after.variants.find((v: { visitors: number }, i: number) => v.visitors === results.variants[i].visitors + 1);
    expect(variant.id).toBe(state === 'held' ? 'control' : 'for-you');
    expect(visitor).toMatch(/^[0-9a-f-]{36}$/);

    await page.click('[data-tab="experiments"]');
    await page.waitForSelector('#experiment-view[data-state="ready"]');
    expect(await page.textContent('#experiment-title')).toBe('For-you on the home page');
    const visitors = await page.$$eval('[data-table="experiment-variants"] tbody tr', (rows) => rows.map((r) => r.children[1].textContent));
    expect(visitors).toEqual(after.variants.map((v: { visitors: number }) => v.visitors.toLocaleString()));
    expect(await page.getAttribute('#experiment-decision', 'data-status')).toBe(after.decision.status);
    const uplift = await chartData('experiment-uplift');
    expect(uplift.labels).toEqual(after.overTime.map((d: { day: string }) => d.day));
    expect(uplift.datasets[0].data.at(-1)).toBeCloseTo(after.overTime.at(-1).effects[0].relative.estimate, 10);
    await page.screenshot({ path: path.join(SHOTS, 'experiment.png'), fullPage: true });
    // Planning for a ten times larger uplift needs about a hundredth of the visitors.
    const planned = await analystApi('/v1/experiments/home-for-you-test/results?minimumDetectableEffect=0.5');
    await page.fill('#experiment-mde', '50');
    await page.dispatchEvent('#experiment-mde', 'change');
    await page.waitForFunction((n) => document.getElementById('experiment-sample')!.textContent.includes(n), planned.sampleSize.visitorsPerVariant.toLocaleString());

    // The admin key (entered for the slot editor) shows the controls.
    await page.click('#experiment-actions [data-action="pause"]');
    await vi.waitFor(async () => expect((await analystApi('/v1/experiments/home-for-you-test')).state).toBe('paused'), { timeout: PATIENCE_MS });
    await page.waitForSelector('#experiment-actions [data-action="resume"]:not([hidden])');
    await page.click('#experiment-actions [data-action="resume"]');
    await vi.waitFor(async () => expect((await analystApi('/v1/experiments/home-for-you-test')).state).toBe('running'), { timeout: PATIENCE_MS });

    await page.selectOption('#experiment-form select[name="kind"]', 'content');
    await page.fill('#experiment-form input[name="id"]', 'promo-test');
    await page.fill('#experiment-form input[name="name"]', 'Promo banner');
    await page.fill('#experiment-form input[name="content"]', 'promo banner');
    await page.click('#experiment-form button[type="submit"]');
    await page.waitForSelector('#experiment-errors li');
    expect(await page.textContent('#experiment-errors')).toContain('content:');
    await page.fill('#experiment-form input[name="content"]', 'promo');
    await page.click('#experiment-form button[type="submit"]');
    await page.waitForSelector('[data-experiment="promo-test"]');
    expect(await analystApi('/v1/experiments/promo-test')).toMatchObject({ kind: 'content', content: 'promo', state: 'running', variations: [{ id: 'hidden' }, { id: 'shown' }] });
  });
});
