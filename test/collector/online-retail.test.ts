// A real shop's history through the product: eight months of UCI Online Retail imported with `patron import`,
// a collector started on it, the customers valued as of the history's last day, the models chosen by a backtest
// on its own latest weeks, churn tiers that separate, and lifecycle stages that change month after month.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../collector/cli';
import { KEYS, get, startCollector, type Running } from './helpers';

const FILE = path.resolve(import.meta.dirname, '../fixtures/online-retail/online_retail_2010-12-01_to_2011-07-31.csv.gz');

let c: Running;
const analyst = async (p: string) => {
  const res = await get(`${c.url}${p}`, KEYS.analyst[0], true);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const count = (groups: Record<string, { customers: number }>) => Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.customers]));

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-retail-'));
  const out = new PassThrough();
  const said: string[] = [];
  out.on('data', (d) => said.push(String(d)));
  expect(await run(['import', FILE, '--database', path.join(dir, 'patron.db')], out, new PassThrough())).toBe(0);
  expect(said.join('')).toMatch(/good orders .*: \d+ imported/);
  c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 } }, dir);
  // The collector refits at start (the store has no values yet); a refit asked for meanwhile waits on that one.
  const refit = await fetch(`${c.url}/v1/segments/refit`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.admin[0]}` } });
  expect(refit.status).toBe(200);
}, 300_000);
afterAll(() => c?.stop());

describe('UCI Online Retail imported and valued', () => {
  it('values the customers as of the last day with the model its own backtest chose, in churn tiers that separate', async () => {
    const asOf = await analyst('/v1/clv?asOf=2011-07-31');
    expect(asOf.customers).toBeGreaterThan(3000);
    const tiers = count(asOf.byChurnRisk);
    // Not one tier for everyone (a collapsed P(alive) put every customer in `active`): at least three hold a
    // twentieth of the base each.
    expect(Object.values(tiers).filter((n) => n >= asOf.customers / 20).length, JSON.stringify(tiers)).toBeGreaterThanOrEqual(3);
    const { choice } = asOf.model;
    expect(choice.backtest).toMatchObject({ calibrationEnd: '2011-05-31', holdoutEnd: '2011-07-31', holdoutDays: 61 });
    expect(choice.backtest.scores.map((s: { model: string }) => s.model)).toEqual(['naive', 'bgnbd', 'activity']);
    const chosen = choice.backtest.scores.find((s: { model: string }) => s.model === choice.purchase);
    const bgnbd = choice.backtest.scores.find((s: { model: string }) => s.model === 'bgnbd');
    const naive = choice.backtest.scores.find((s: { model: string }) => s.model === 'naive');
    // The issue's goal on this shop: the chosen models beat each customer's own rate (and own mean spend) and plain
    // BG/NBD (with Gamma-Gamma) on errors, rank correlation and top-decile capture, predict the holdout's purchases
    // within 10%, and their churn risk ranks lapsing customers well above recency alone.
    for (const [other, spend] of [
      [naive, 'own-mean'],
      [bgnbd, 'gamma-gamma'],
    ]) {
      expect(chosen.purchasesRmse, other.model).toBeLessThan(other.purchasesRmse);
      expect(chosen.purchasesSpearman, other.model).toBeGreaterThan(other.purchasesSpearman);
      expect(chosen.captureBySpend[choice.spend], other.model).toBeGreaterThan(other.captureBySpend[spend]);
    }
    expect(Math.abs(chosen.purchasesRatio - 1)).toBeLessThan(0.1);
    // A wholesaler's first order says what they spend: Gamma-Gamma over every purchase day errs least on the holdout.
    expect(choice.spend).toBe('gamma-gamma-all');
    expect(asOf.model.gammaGammaAllDays.params.q).toBeGreaterThan(1);
    expect(chosen.churnAuc).toBeGreaterThan(choice.backtest.recencyAuc + 0.05);
    expect(choice.reason).toContain(choice.purchase);
  }, 120_000);

  it('puts customers in every lifecycle stage as of the last day, from the shop’s own gaps', async () => {
    const asOf = await analyst('/v1/clv?asOf=2011-07-31');
    const stages = count(asOf.byStage);
    for (const stage of ['new', 'active', 'loyal', 'at-risk', 'lapsed', 'reactivated']) expect(stages[stage], stage).toBeGreaterThan(0);
    expect(asOf.model.lifecycle.atRiskAfterDays).toBeLessThan(asOf.model.lifecycle.lapsedAfterDays);
    const atRisk = await analyst('/v1/customers?asOf=2011-07-31&stage=at-risk&limit=5');
    expect(atRisk.total).toBe(stages['at-risk']);
    expect(atRisk.customers.every((x: { stage: string }) => x.stage === 'at-risk')).toBe(true);
  }, 120_000);

  it('records stage changes over time: month after month customers arrive, slip, lapse and come back', async () => {
    const { flows } = await analyst('/v1/stages/flows?bucket=month&to=2011-08-01');
    const months = (to: string) => new Set(flows.filter((f: { to: string }) => f.to === to).map((f: { period: string }) => f.period));
    expect(months('new').size).toBe(8);
    expect(months('at-risk').size).toBeGreaterThanOrEqual(6);
    expect(months('reactivated').size).toBeGreaterThanOrEqual(3);
    expect(months('lapsed').size).toBeGreaterThanOrEqual(4);
    const changes = await analyst('/v1/stages/changes?stage=reactivated&limit=1');
    const [change] = changes.changes;
    expect(change.from).toMatch(/at-risk|lapsed/);
    const history = await analyst(`/v1/customers/${encodeURIComponent(change.customerId)}/history`);
    expect(history.stageChanges.map((s: { to: string }) => s.to)).toContain('reactivated');
    expect(history.stageChanges[0].from).toBeNull();
  }, 120_000);

  it("gives the merchant's measures month by month, for the base and for a segment, and revenue retention by cohort", async () => {
    const all = await analyst('/v1/measures?bucket=month');
    expect(all.periods.map((p: { period: string }) => p.period)).toEqual(['2010-12', '2011-01', '2011-02', '2011-03', '2011-04', '2011-05', '2011-06', '2011-07']);
    const [december, ...later] = all.periods;
    expect(december.newCustomers).toBe(december.customers);
    expect(december.repeatPurchaseRate).toBe(0);
    for (const p of later) {
      expect(p.retentionRate).toBeGreaterThan(0);
      expect(p.retentionRate).toBeLessThan(1);
      expect(p.churnRate).toBeCloseTo(1 - p.retentionRate, 12);
      expect(p.averagePurchaseValue).toBeCloseTo(p.revenue / p.orders, 9);
      expect(p.historicalClv).toBeGreaterThan(0);
    }
    expect(all.cohorts[0]).toMatchObject({ cohort: '2010-12', offset: 0, revenueRetention: 1, size: december.customers });
    const { segments } = await analyst('/v1/segments');
    const one = await analyst(`/v1/measures?bucket=month&segment=${segments[0].slug}`);
    expect(one.segment.slug).toBe(segments[0].slug);
    expect(one.periods[0].customers).toBeLessThan(december.customers);
    const res = await get(`${c.url}/v1/measures?segment=nothing`, KEYS.analyst[0], true);
    expect(res.body.error.issues[0].path).toBe('segment');
    const csv = await fetch(`${c.url}/v1/measures?format=csv&table=cohorts`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect((await csv.text()).split(/\r?\n/)[0]).toBe('cohort,offset,size,customers,revenue,revenueRetention');
  }, 120_000);
});
