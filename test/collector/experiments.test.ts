// Experiments through the HTTP API: the merchant's life cycle, assignment by the hash and by first exposure,
// exposures from Experiment Viewed events, the results (hand-computed), CSV, a restart, holdouts and content.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bucketOf, variantOf } from '../../recommender';
import type { WireEvent } from '../../sdk/wire';
import { KEYS, catalog, get, post, put, startCollector, visitorsIn, type Running } from './helpers';

let c: Running;
const NOW = Date.now();
let tick = 0;
/** An event a moment after the experiments started (their start is the moment they are created). */
const at = (over: Partial<WireEvent> & Pick<WireEvent, 'type'>): WireEvent => ({ messageId: randomUUID(), timestamp: new Date(NOW + 60_000 + tick++ * 1000).toISOString(), ...over });
const exposure = (anonymousId: string, experiment: string, variation: string, extra: Partial<WireEvent> = {}) =>
  at({ type: 'track', event: 'Experiment Viewed', anonymousId, properties: { experiment_id: experiment, variation_id: variation }, ...extra });
const order = (anonymousId: string, revenue: number, extra: Partial<WireEvent> = {}) =>
  at({ type: 'track', event: 'Order Completed', anonymousId, properties: { order_id: randomUUID(), revenue, products: [{ product_id: 'mug', price: revenue, quantity: 1 }] }, ...extra });

const admin = (path: string, body?: unknown) =>
  fetch(`${c.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
const analyst = async (path: string) => (await get(`${c.url}${path}`, KEYS.analyst[0], true)).body;
const send = (batch: WireEvent[]) => post(`${c.url}/v1/batch`, { batch });
const recommend = async (query: string) => (await get(`${c.url}/v1/recommendations?slot=home&${query}`)).body;

const HOME_TEST = { id: 'home-test', name: 'For-you on the home page', kind: 'slot', slot: 'home', variants: [{ id: 'control', unfilled: true }, { id: 'recs' }] };

beforeAll(async () => {
  c = await startCollector();
  await put(`${c.url}/v1/catalog/items`, catalog(['mug', 'lamp', 'book', 'kettle']));
  await put(`${c.url}/v1/slots/home`, { strategy: 'popular', limit: 3 });
  await send([order('seed-1', 10), order('seed-2', 10)].map((e, i) => ({ ...e, properties: { ...e.properties, products: [{ product_id: ['lamp', 'book'][i], price: 10 }] } })));
});
afterAll(() => c.stop());

describe('creating experiments', () => {
  it('validates the definition and names each bad field; only the admin key creates', async () => {
    const bad = await admin('/v1/experiments', { id: 'Bad Id', kind: 'slot', slot: 'home', variants: [{ id: 'only' }], colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['(root)', 'id', 'name', 'variants']);
    const share = await admin('/v1/experiments', { id: 'h', name: 'Holdout', kind: 'holdout', share: 0.5 });
    expect(share.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['share']);
    const asAnalyst = await fetch(`${c.url}/v1/experiments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.analyst[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify(HOME_TEST),
    });
    expect(asAnalyst.status).toBe(401);
  });

  it('starts an experiment on a slot, refuses the same id or a second test of the slot', async () => {
    const created = await admin('/v1/experiments', HOME_TEST);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'home-test',
      state: 'running',
      primaryMetric: 'revenue_per_visitor',
      variations: [
        { id: 'control', weight: 0.5, control: true },
        { id: 'recs', weight: 0.5, control: false },
      ],
    });
    expect((await admin('/v1/experiments', HOME_TEST)).status).toBe(409);
    const again = await admin('/v1/experiments', { ...HOME_TEST, id: 'home-test-2' });
    expect(again.status).toBe(409);
    expect(again.body.error.issues[0].path).toBe('slot');
    expect((await analyst('/v1/experiments')).experiments.map((x: { id: string }) => x.id)).toEqual(['home-test']);
  });
});

describe('assignment and results', () => {
  const [c1, c2, c3] = visitorsIn('home-test', 0, 3);
  const [t1, t2] = visitorsIn('home-test', 1, 2);

  it("leaves the control's slot unfilled and fills the treatment's, the same way every time", async () => {
    for (let i = 0; i < 2; i++) {
      expect(await recommend(`anonymousId=${c1}`)).toMatchObject({ items: [], unfilled: true, experiments: [{ experiment_id: 'home-test', variation_id: 'control' }] });
      const treated = await recommend(`anonymousId=${t1}`);
      expect(treated.items.length).toBeGreaterThan(0);
      expect(treated.unfilled).toBeUndefined();
      expect(treated.experiments).toEqual([{ experiment_id: 'home-test', variation_id: 'recs' }]);
    }
  });

  it('counts first exposures and the orders after them only, CUPED on what came before, as worked out by hand', async () => {
    await send([order(t1, 20)]); // before t1's exposure: pre-exposure revenue
    await send([exposure(c1, 'home-test', 'control'), exposure(c2, 'home-test', 'control'), exposure(t1, 'home-test', 'recs'), exposure(t2, 'home-test', 'recs')]);
    await send([
      exposure(c3, 'home-test', 'recs'), // not c3's variant: a tampered page, not counted
      exposure(c1, 'home-test', 'control'), // a second exposure changes nothing
      order(c1, 10),
      order(t1, 30),
      order(t2, 10),
      order(t2, 20),
      order('never-exposed', 99),
    ]);
    const r = await analyst('/v1/experiments/home-test/results');
    expect(r.exposures).toEqual({ visitors: 4, mismatched: 1 });
    expect(r.sampleRatio).toMatchObject({ counts: { control: 2, recs: 2 }, mismatch: false });
    const [control, recs] = r.variants;
    expect(control).toMatchObject({ id: 'control', control: true, visitors: 2, converters: 1, orders: 1, revenue: 10 });
    expect(recs).toMatchObject({ id: 'recs', visitors: 2, converters: 2, orders: 3, revenue: 60 });
    // Revenue per visitor in control: 10 and 0, mean 5, sample variance 50: 5 ± 1.96·√(50/2).
    expect(control.revenuePerVisitor.estimate).toBe(5);
    expect(control.revenuePerVisitor.upper - 5).toBeCloseTo(1.959964 * 5, 4);
    expect(recs.averageOrderValue.estimate).toBe(20);
    const rpv = r.effects.find((e: { metric: string }) => e.metric === 'revenue_per_visitor');
    // Both treated visitors spent 30 after exposure: no within-arm covariance with pre-exposure spend, θ = 0.
    expect(rpv).toMatchObject({ variant: 'recs', cuped: null });
    expect(rpv.absolute.estimate).toBe(25);
    expect(rpv.relative.estimate).toBeCloseTo(5, 12);
    // Four visitors decide nothing.
    expect(r.decision.status).toBe('keep-running');
    expect(r.overTime.at(-1).visitors).toEqual([2, 2]);
  });

  it('plans the sample for the minimum detectable effect asked for: a tenth of the effect, a hundred times the visitors', async () => {
    const own = (await analyst('/v1/experiments/home-test/results')).sampleSize;
    const asked = (await analyst('/v1/experiments/home-test/results?minimumDetectableEffect=0.5')).sampleSize;
    expect(own.minimumDetectableEffect).toBe(0.05);
    expect(asked.minimumDetectableEffect).toBe(0.5);
    expect(own.visitorsPerVariant / asked.visitorsPerVariant).toBeCloseTo(100, 0);
    expect((await get(`${c.url}/v1/experiments/home-test/results?minimumDetectableEffect=0`, KEYS.analyst[0], true)).body.error.issues[0].path).toBe('minimumDetectableEffect');
  });

  it('gives the results as CSV tables', async () => {
    const res = await fetch(`${c.url}/v1/experiments/home-test/results?format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, ...rows] = (await res.text()).trim().split(/\r?\n/);
    expect(header.split(',')).toEqual(expect.arrayContaining(['id', 'visitors', 'revenuePerVisitor', 'revenuePerVisitorLower', 'revenuePerVisitorUpper']));
    expect(rows).toHaveLength(2);
    const effects = await fetch(`${c.url}/v1/experiments/home-test/results?format=csv&table=effects`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect((await effects.text()).split(/\r?\n/)[0]).toContain('sequentialAbsoluteLower');
  });

  it('keeps a visitor identified later in the variant of their first exposure, and gives it to that user on a second device', async () => {
    const [first] = visitorsIn('home-test', 0, 1, [0.5, 0.5]).map((v) => `${v}-device-1`);
    const firstVariant = variantOf(bucketOf('home-test', first), [0.5, 0.5]);
    const second = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `device-2-${i}`).find((v) => variantOf(bucketOf('home-test', v), [0.5, 0.5]) !== firstVariant)!;
    const name = ['control', 'recs'][firstVariant];
    await send([exposure(first, 'home-test', name), at({ type: 'identify', anonymousId: first, userId: 'user-7', traits: {} })]);
    await vi.waitFor(async () => expect((await recommend(`anonymousId=${second}&userId=user-7`)).experiments[0].variation_id).toBe(name), { timeout: 20_000 });
    await send([exposure(second, 'home-test', name, { userId: 'user-7' })]);
    const r = await analyst('/v1/experiments/home-test/results');
    expect(r.exposures).toEqual({ visitors: 5, mismatched: 1 });
  });

  it('keeps exposures and results across a restart', async () => {
    const before = await analyst('/v1/experiments/home-test/results');
    await c.stop();
    c = await startCollector({}, c.dir);
    const after = await analyst('/v1/experiments/home-test/results');
    expect(after.variants).toEqual(before.variants);
    expect(after.exposures).toEqual(before.exposures);
  });
});

describe('the life of an experiment', () => {
  it('pauses (the slot shows as without it), resumes, and stops for good with its results kept', async () => {
    const [held] = visitorsIn('home-test', 0, 1);
    expect((await admin('/v1/experiments/home-test/pause')).body.state).toBe('paused');
    const paused = await recommend(`anonymousId=${held}`);
    expect(paused.experiments).toBeUndefined();
    expect(paused.items.length).toBeGreaterThan(0);
    expect((await admin('/v1/experiments/home-test/resume')).body.state).toBe('running');
    expect((await recommend(`anonymousId=${held}`)).unfilled).toBe(true);
    const stopped = await admin('/v1/experiments/home-test/stop');
    expect(stopped.body).toMatchObject({ state: 'stopped', exposed: 5 });
    expect((await admin('/v1/experiments/home-test/resume')).status).toBe(409);
    expect((await analyst('/v1/experiments/home-test/results')).exposures.visitors).toBe(5);
    expect((await admin('/v1/experiments/nope/stop')).status).toBe(404);
    // The slot is free for a new experiment.
    expect((await admin('/v1/experiments', { ...HOME_TEST, id: 'home-test-2' })).status).toBe(201);
  });
});

describe('a holdout and content', () => {
  it('gives held-out visitors no personalisation at all, and tells both arms which they are in', async () => {
    const created = await admin('/v1/experiments', { id: 'holdout', name: 'Personalisation holdout', kind: 'holdout', share: 0.1 });
    expect(created.body.variations).toEqual([
      { id: 'holdout', weight: 0.1, control: true },
      { id: 'personalised', weight: 0.9, control: false },
    ]);
    const [held] = visitorsIn('holdout', 0, 1, [0.1, 0.9]);
    const [personalised] = visitorsIn('holdout', 1, 1, [0.1, 0.9]);
    expect(await recommend(`anonymousId=${held}`)).toMatchObject({ items: [], unfilled: true, experiments: [{ experiment_id: 'holdout', variation_id: 'holdout' }] });
    const profile = (await get(`${c.url}/v1/profile?anonymousId=${held}`)).body;
    expect(profile).toMatchObject({ segment: null, rfm: null, churnRisk: null, experiments: [{ experiment_id: 'holdout', variation_id: 'holdout' }] });
    expect((await get(`${c.url}/v1/segment?anonymousId=${held}`)).body.segment).toBeNull();
    const open = await recommend(`anonymousId=${personalised}`);
    expect(open.experiments[0]).toEqual({ experiment_id: 'holdout', variation_id: 'personalised' });
    expect(open.unfilled === true).toBe(open.experiments[1]?.variation_id === 'control');
  });

  it('tells the page which content blocks under test each visitor is shown', async () => {
    const body = {
      id: 'promo-test',
      name: 'Promo banner',
      kind: 'content',
      content: 'promo',
      variants: [
        { id: 'hidden', shown: false },
        { id: 'shown', shown: true },
      ],
    };
    expect((await admin('/v1/experiments', body)).status).toBe(201);
    const [personalised] = visitorsIn('holdout', 1, 8, [0.1, 0.9]).filter((v) => variantOf(bucketOf('promo-test', v), [0.5, 0.5]) === 0);
    const profile = (await get(`${c.url}/v1/profile?anonymousId=${personalised}`)).body;
    expect(profile.experiments).toEqual([
      { experiment_id: 'holdout', variation_id: 'personalised' },
      { experiment_id: 'promo-test', variation_id: 'hidden', content: 'promo', shown: false },
    ]);
  });
});
