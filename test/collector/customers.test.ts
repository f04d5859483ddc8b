// Customer value over HTTP: profile for the page (write key), customers, segments and portfolio CLV for
// analysts, all from orders sent as events and a refit in the worker.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random } from '../../recommender';
import type { WireEvent } from '../../sdk/wire';
import { KEYS, catalog, get, orderEvent as order, post, put, startCollector, type Running } from './helpers';

const DAY = 86_400_000;
const NOW = Date.now();

/** 120 buyers over a year: regulars still buying, regulars who stopped half a year ago, one-time buyers. */
function history(): WireEvent[] {
  const rand = random(11);
  const events: WireEvent[] = [];
  for (let i = 0; i < 120; i++) {
    const kind = i % 3; // 0: still buying, 1: stopped, 2: bought once
    const spend = 20 + rand() * rand() * 150;
    const start = NOW - (330 + rand() * 30) * DAY;
    const stop = kind === 1 ? NOW - 180 * DAY : NOW - DAY;
    if (kind === 2) events.push(order(`c${i}`, start + rand() * 200 * DAY, spend));
    else for (let at = start; at < stop; at += (7 + rand() * 21) * DAY) events.push(order(`c${i}`, at, spend * (0.8 + rand() * 0.4)));
  }
  return events;
}

let c: Running;
const analyst = (path: string) => get(`${c.url}${path}`, KEYS.analyst[0], true);

beforeAll(async () => {
  c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9, k: 3, seed: 1 }, profilePublic: [] });
  await put(`${c.url}/v1/catalog/items`, catalog(['p1']));
  const events = history();
  for (let i = 0; i < events.length; i += 400) {
    const res = await post(`${c.url}/v1/batch`, { batch: events.slice(i, i + 400) }, { key: KEYS.admin[0] });
    expect(res.body.accepted).toBe(Math.min(400, events.length - i));
  }
  const refit = await fetch(`${c.url}/v1/segments/refit`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.admin[0]}` } });
  expect(refit.status).toBe(200);
});
afterAll(() => c.stop());

describe('GET /v1/profile', () => {
  it("tells the page the visitor's segment, RFM group and churn risk, and no raw figures", async () => {
    const res = await get(`${c.url}/v1/profile?userId=c0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.segment).toMatchObject({ slug: expect.any(String), label: expect.any(String) });
    expect(res.body.rfm).toMatchObject({ group: expect.any(String), label: expect.any(String) });
    expect(res.body.churnRisk).toBe('active');
    // Buying every one to four weeks all year: loyal, and every trait a targeting rule can name.
    expect(res.body.stage).toBe('loyal');
    expect(res.body.traits).toEqual([`segment:${res.body.segment.slug}`, `segment:${res.body.segment.id}`, `rfm:${res.body.rfm.group}`, 'churn:active', 'stage:loyal']);
    expect(Object.keys(res.body).sort()).toEqual(['churnRisk', 'rfm', 'segment', 'stage', 'traits', 'userId']);
    const stopped = (await get(`${c.url}/v1/profile?userId=c1`)).body;
    expect(stopped.churnRisk).toMatch(/at-risk|lost/);
    // Half a year without an order, where the shop's customers reorder within weeks.
    expect(stopped.stage).toBe('lapsed');
    expect(stopped.traits).toContain('stage:lapsed');
  });

  it('knows nothing yet about a visitor who never bought', async () => {
    const res = await get(`${c.url}/v1/profile?anonymousId=someone-new`);
    expect(res.body).toEqual({ anonymousId: 'someone-new', segment: null, rfm: null, churnRisk: null, stage: null, traits: [] });
  });

  it('needs a write key and an id', async () => {
    expect((await get(`${c.url}/v1/profile?userId=c0`, null)).status).toBe(401);
    const res = await get(`${c.url}/v1/profile`);
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('anonymousId');
  });

  it('shows the figures a merchant made public', async () => {
    const s = await startCollector({ profilePublic: ['clv', 'pAlive'] }, c.dir);
    try {
      const res = await get(`${s.url}/v1/profile?userId=c0`);
      expect(res.body.clv).toBeGreaterThan(0);
      expect(res.body.pAlive).toBeGreaterThan(0.5);
      expect(res.body).not.toHaveProperty('expectedPurchases');
    } finally {
      await s.stop();
    }
  });
});

describe('analyst endpoints', () => {
  it('lists customers with CLV, P(alive), expected purchases, segment and RFM, sorted and paged', async () => {
    const first = await analyst('/v1/customers?limit=10');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(120);
    expect(first.body.customers).toHaveLength(10);
    const clvs = first.body.customers.map((x: any) => x.clv);
    expect([...clvs].sort((a, b) => b - a)).toEqual(clvs);
    const top = first.body.customers[0];
    expect(Number(top.id.slice(1)) % 3).toBe(0); // the most valuable are the regulars still buying
    expect(top).toMatchObject({ pAlive: expect.any(Number), expectedPurchases: expect.any(Number), churnRisk: 'active', rfm: { group: expect.any(String) }, segment: { slug: expect.any(String) } });
    const second = await analyst('/v1/customers?limit=10&offset=10');
    expect(second.body.customers[0].clv).toBeLessThanOrEqual(clvs[9]);
    const byRevenue = await analyst('/v1/customers?sort=revenue&order=asc&limit=5');
    const revenues = byRevenue.body.customers.map((x: any) => x.revenue);
    expect([...revenues].sort((a, b) => a - b)).toEqual(revenues);
  });

  it('filters by churn risk, RFM group and segment', async () => {
    const lost = await analyst('/v1/customers?churnRisk=lost&limit=1000');
    expect(lost.body.total).toBeGreaterThan(10);
    // The regulars who stopped, and the one-time buyers of months ago (P(alive) held them alive; the chance of a
    // purchase within the shop's rhythm does not): none of the regulars still buying.
    const kinds = new Set(lost.body.customers.map((x: { id: string }) => Number(x.id.slice(1)) % 3));
    expect([...kinds].sort()).toEqual([1, 2]);
    const anyGroup = (await analyst('/v1/customers?limit=1')).body.customers[0].rfm.group;
    const group = await analyst(`/v1/customers?rfm=${anyGroup}&limit=1000`);
    for (const x of group.body.customers) expect(x.rfm.group).toBe(anyGroup);
    const slug = (await analyst('/v1/customers?limit=1')).body.customers[0].segment.slug;
    const seg = await analyst(`/v1/customers?segment=${slug}&limit=1000`);
    expect(seg.body.total).toBeGreaterThan(0);
    for (const x of seg.body.customers) expect(x.segment.slug).toBe(slug);
    expect((await analyst('/v1/customers?sort=height')).status).toBe(400);
    expect((await analyst('/v1/customers?churnRisk=gone')).body.error.issues[0].path).toBe('churnRisk');
  });

  it('summarises CLV per segment and for the whole base, with the fitted models', async () => {
    const portfolio = (await analyst('/v1/clv')).body;
    const customers = (await analyst('/v1/customers?limit=1000')).body.customers;
    const total = customers.reduce((s: number, x: any) => s + x.clv, 0);
    expect(portfolio.customers).toBe(120);
    expect(portfolio.clv).toBeCloseTo(total, 6);
    expect(portfolio.byChurnRisk.active.customers + portfolio.byChurnRisk.cooling.customers + portfolio.byChurnRisk['at-risk'].customers + portfolio.byChurnRisk.lost.customers).toBe(120);
    expect(portfolio.model.bgnbd.params).toMatchObject({ r: expect.any(Number), alpha: expect.any(Number), a: expect.any(Number), b: expect.any(Number) });
    expect(portfolio.model.gammaGamma.params.q).toBeGreaterThan(1);
    const segments = (await analyst('/v1/segments')).body.segments;
    expect(segments.reduce((s: number, x: any) => s + x.value.clv, 0)).toBeCloseTo(total, 6);
  });

  it('gives the customer table as CSV too', async () => {
    const res = await fetch(`${c.url}/v1/customers?limit=2&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const [header, first] = (await res.text()).trim().split('\n');
    expect(header).toBe('id,segment,orders,revenue,clv,pAlive,expectedPurchases,expectedSpend,churnRisk,stage,rfmR,rfmF,rfmM,rfmGroup');
    const top = (await analyst('/v1/customers?limit=1')).body.customers[0];
    expect(first.split(',').slice(0, 3)).toEqual([top.id, top.segment.slug, String(top.orders)]);
  });

  it('draws the distribution of CLV: readable bins that hold every valued customer, the top percent in an open last bin', async () => {
    const portfolio = (await analyst('/v1/clv?bins=10')).body;
    const bins = portfolio.distribution;
    expect(bins).toHaveLength(10);
    expect(bins.reduce((s: number, b: any) => s + b.customers, 0)).toBe(120);
    expect(bins.reduce((s: number, b: any) => s + b.clv, 0)).toBeCloseTo(portfolio.clv, 6);
    const width = bins[0].to - bins[0].from;
    expect(String(width / 10 ** Math.floor(Math.log10(width)))).toMatch(/^(1|2|2\.5|5)$/);
    bins.slice(0, -1).forEach((b: any, k: number) => expect(b).toMatchObject({ from: k * width, to: (k + 1) * width }));
    expect(bins[9].to).toBeNull();
    const values = (await analyst('/v1/customers?limit=1000')).body.customers.map((x: any) => x.clv);
    expect(bins[0].customers).toBe(values.filter((v: number) => v < width).length);
    expect((await analyst('/v1/clv?bins=1')).body.error.issues[0].path).toBe('bins');
  });

  it('gives segments and the base’s value as CSV', async () => {
    const csv = (path: string) =>
      fetch(`${c.url}${path}`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } }).then(async (r) => ({ type: r.headers.get('content-type'), lines: (await r.text()).trim().split('\n') }));
    const segments = (await analyst('/v1/segments')).body.segments;
    const seg = await csv('/v1/segments?format=csv');
    expect(seg.type).toContain('text/csv');
    const header = seg.lines[0].split(',');
    expect(header.slice(0, 10)).toEqual(['id', 'slug', 'label', 'size', 'revenueShare', 'customers', 'clv', 'meanClv', 'expectedPurchases', 'revenue']);
    expect(header).toContain('centroid.orders');
    expect(seg.lines).toHaveLength(segments.length + 1);
    const first = seg.lines[1].split(',');
    expect(first.slice(0, 4)).toEqual([String(segments[0].id), segments[0].slug, segments[0].label, String(segments[0].size)]);
    expect(Number(first[header.indexOf('centroid.orders')])).toBeCloseTo(segments[0].centroid.orders, 9);

    const portfolio = (await analyst('/v1/clv')).body;
    const clv = await csv('/v1/clv?format=csv');
    expect(clv.lines[0]).toBe('group,name,customers,clv,meanClv,expectedPurchases,revenue');
    expect(clv.lines[1].split(',').slice(0, 3)).toEqual(['all', 'all', '120']);
    expect(clv.lines.find((l) => l.startsWith('churnRisk,lost,'))!.split(',')[2]).toBe(String(portfolio.byChurnRisk.lost.customers));
    expect(clv.lines.filter((l) => l.startsWith('rfm,'))).toHaveLength(Object.keys(portfolio.byRfmGroup).length);
    const hist = await csv('/v1/clv?format=csv&table=distribution');
    expect(hist.lines[0]).toBe('from,to,customers,clv');
    expect(hist.lines).toHaveLength(portfolio.distribution.length + 1);
    expect(hist.lines.at(-1)!.split(',')[1]).toBe('');
  });

  it('is for analysts only', async () => {
    expect((await get(`${c.url}/v1/customers`)).status).toBe(401);
    expect((await get(`${c.url}/v1/clv`)).status).toBe(401);
  });

  it('keeps the values across a restart', async () => {
    const before = (await analyst('/v1/customers?limit=3')).body.customers;
    const dir = c.dir;
    await c.stop();
    c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 } }, dir);
    expect((await analyst('/v1/customers?limit=3')).body.customers).toEqual(before);
  });
});

describe('GET /v1/backtest', () => {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('values the stored customers as of a past day with each purchase model, in the worker, and scores them on what followed', async () => {
    const res = await analyst(`/v1/backtest?calibrationEnd=${day(NOW - 120 * DAY)}`);
    expect(res.status).toBe(200);
    const r = res.body;
    // Everyone had bought by then; only the regulars still buying bought again since.
    expect(r).toMatchObject({ calibrationEnd: day(NOW - 120 * DAY), customers: 120, active: 40 });
    expect(r.models.map((m: { model: string }) => m.model)).toEqual(['naive', 'bgnbd', 'activity']);
    // The regulars who stopped half a year ago, and the one-time buyers, have gone longest without buying.
    expect(r.recencyAuc).toBeGreaterThan(0.9);
    for (const m of r.models) expect(m.purchases.actual).toBe(r.models[0].purchases.actual);
    const csv = await fetch(`${c.url}/v1/backtest?calibrationEnd=${day(NOW - 120 * DAY)}&format=csv&models=naive,bgnbd`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    const [header, ...rows] = (await csv.text()).trim().split(/\r?\n/);
    expect(header.split(',').slice(0, 3)).toEqual(['model', 'purchasesRmse', 'purchasesMae']);
    expect(rows).toHaveLength(2);
  });

  it('names what is wrong with the question', async () => {
    expect((await analyst('/v1/backtest')).body.error.issues[0].path).toBe('calibrationEnd');
    expect((await analyst(`/v1/backtest?calibrationEnd=${day(NOW)}`)).body.error.issues[0].path).toBe('calibrationEnd');
    expect((await analyst(`/v1/backtest?calibrationEnd=${day(NOW - 120 * DAY)}&models=magic`)).body.error.issues[0].path).toBe('models');
    expect((await get(`${c.url}/v1/backtest?calibrationEnd=${day(NOW - 120 * DAY)}`)).status).toBe(401);
  });
});

describe('the value over time', () => {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('values the customers as of a past day, from the orders up to it', async () => {
    const then = (await analyst(`/v1/clv?asOf=${day(NOW - 200 * DAY)}`)).body;
    // 200 days ago the regulars who later stopped were still buying: none of them lapsed yet.
    expect(then.updatedAt.slice(0, 10)).toBe(day(NOW - 200 * DAY));
    expect(then.byStage.lapsed.customers).toBeLessThan((await analyst('/v1/clv')).body.byStage.lapsed.customers);
    const c1 = (await analyst(`/v1/customers?asOf=${day(NOW - 200 * DAY)}&limit=1000`)).body.customers.find((x: { id: string }) => x.id === 'c1');
    expect(c1.stage).not.toBe('lapsed');
    expect((await analyst('/v1/customers?asOf=2026-02-30')).body.error.issues[0].path).toBe('asOf');
  });

  it("keeps each refit's base, every customer's moved values and stage changes", async () => {
    const { points } = (await analyst('/v1/value/progress?bucket=refit')).body;
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(points.at(-1)).toMatchObject({ customers: 120, clv: expect.any(Number) });
    expect(Object.values(points.at(-1).byStage as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(120);
    const history = (await analyst('/v1/customers/c1/history')).body;
    expect(history.history[0]).toMatchObject({ clv: expect.any(Number), stage: 'lapsed' });
    // A regular who stopped half a year ago: new, then active and loyal (a long gap may have put them at risk on the
    // way, as the days fall), then at risk and lapsed, each on its day.
    const stages = history.stageChanges.map((s: { to: string }) => s.to);
    expect(stages[0]).toBe('new');
    expect(stages).toContain('active');
    expect(stages).toContain('loyal');
    expect(stages.slice(-2)).toEqual(['at-risk', 'lapsed']);
    expect(history.stageChanges.map((s: { at: string }) => s.at)).toEqual(history.stageChanges.map((s: { at: string }) => s.at).sort());
    expect((await analyst('/v1/customers/nobody/history')).status).toBe(404);
    const flows = (await analyst('/v1/stages/flows?bucket=month')).body.flows;
    expect(flows.filter((f: { to: string }) => f.to === 'new').reduce((s: number, f: { customers: number }) => s + f.customers, 0)).toBe(120);
    expect((await analyst('/v1/stages/changes?stage=someday')).body.error.issues[0].path).toBe('stage');
  });

  it('lists the customers whose value fell against what was kept some days ago', async () => {
    const now = (await analyst('/v1/customers?limit=1')).body.customers[0];
    // Forty days ago this customer was worth three times as much.
    await c.app.patron.store.addValueHistory([{ customerId: now.id, at: NOW - 40 * DAY, clv: now.clv * 3, churnRisk: 'active', stage: 'loyal' }]);
    const falling = (await analyst('/v1/customers/falling?days=30&minDrop=0.5')).body;
    expect(falling.customers).toEqual([{ id: now.id, clvBefore: now.clv * 3, clv: now.clv, drop: expect.closeTo(2 / 3, 9), churnRisk: now.churnRisk, stage: now.stage }]);
    expect((await analyst('/v1/customers/falling?minDrop=2')).body.error.issues[0].path).toBe('minDrop');
  });
});

describe('GET /v1/audiences', () => {
  it('lists the customers the filters pick in id order, page after page by the cursor, and as CSV', async () => {
    const lapsed = (await analyst('/v1/clv')).body.byStage.lapsed.customers;
    expect(lapsed).toBeGreaterThan(5);
    const ids: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { customers: { id: string; stage: string }[]; nextCursor: string | null } = (await analyst(`/v1/audiences?stage=lapsed&limit=5${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.customers.length).toBeLessThanOrEqual(5);
      expect(page.customers.every((x) => x.stage === 'lapsed')).toBe(true);
      ids.push(...page.customers.map((x) => x.id));
      cursor = page.nextCursor;
    }
    expect(ids).toHaveLength(lapsed);
    expect(ids).toEqual([...ids].sort());
    const rich = (await analyst('/v1/audiences?minClv=100&limit=1000')).body.customers;
    expect(rich.every((x: { clv: number }) => x.clv >= 100)).toBe(true);
    const csv = await fetch(`${c.url}/v1/audiences?stage=lapsed&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,segment,stage,churnRisk,rfmGroup,clv,orders,revenue');
    expect(lines).toHaveLength(lapsed + 1);
    expect((await analyst('/v1/audiences?stage=gone')).body.error.issues[0].path).toBe('stage');
  });
});
