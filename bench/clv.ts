// CLV model fits, timed: BG/NBD and Gamma-Gamma on CDNOW's 2,357 customers from the raw transaction log, and
// on 100,000 customers drawn from the models themselves (so the recovered parameters can be checked against
// the true ones), then every customer valued; and a wholesaler's 100,000 customers, where the activity model is
// chosen. Run by `npm run bench`; prints lines, asserts nothing.

import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { readCsvLines } from '../collector/ingest/csv-file';
import { ordersFromCsv } from '../collector/ingest/orders-csv';
import { fitBgNbd, fitGammaGamma, gammaDraws, random, summarize, valueCustomers, type BuyerHistory, type Purchase } from '../recommender';

const CDNOW = path.resolve(import.meta.dirname, '../test/fixtures/cdnow/CDNOW_sample.txt');

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

// CDNOW, calibration period to 1997-09-30, in weeks.
const purchases: Purchase[] = fs
  .readFileSync(CDNOW, 'utf8')
  .split(/\r?\n/)
  .filter((line) => line.trim())
  .map((line) => {
    const [, id, date, , dollars] = line.trim().split(/\s+/);
    return { customerId: id, at: Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))), amount: Number(dollars) };
  });
const end = Date.UTC(1997, 8, 30);
let cdnow = summarize(purchases, { end, unitDays: 7 });
const cdnowMs = median(5, () => {
  cdnow = summarize(purchases, { end, unitDays: 7 });
  fitBgNbd(cdnow);
  fitGammaGamma(cdnow);
});
const bg = fitBgNbd(cdnow).params;
console.log(
  `CLV fit on CDNOW (2,357 customers, from the raw log): ${cdnowMs.toFixed(0)} ms (target < 500 ms); ` +
    `r ${bg.r.toFixed(3)}, alpha ${bg.alpha.toFixed(3)}, a ${bg.a.toFixed(3)}, b ${bg.b.toFixed(3)} (published 0.243, 4.414, 0.793, 2.426)`,
);

// 100,000 customers drawn from BG/NBD and Gamma-Gamma with known parameters, observed for up to a year (whole days).
const TRUE = { r: 0.8, alpha: 40, a: 0.9, b: 4, p: 4, q: 3, gamma: 20 };
const rand = random(5);
const gamma = gammaDraws(rand);
const buyers: BuyerHistory[] = [];
// Their purchases too (days before a shared end), for the backtest that chooses the model at each refit.
const END = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
const history: Purchase[] = [];
for (let i = 0; i < 100_000; i++) {
  const lambda = gamma(TRUE.r, TRUE.alpha);
  const g1 = gamma(TRUE.a, 1);
  const dropout = g1 / (g1 + gamma(TRUE.b, 1));
  // Whole days, as the collector's ledger counts them.
  const T = Math.round(30 + rand() * 335);
  const meanSpend = TRUE.p / gamma(TRUE.q, TRUE.gamma);
  let t = 0;
  let x = 0;
  let tx = 0;
  let spend = 0;
  history.push({ customerId: `c${i}`, at: END - T * DAY_MS, amount: 50 });
  for (;;) {
    t += -Math.log(rand() || 1e-12) / lambda;
    if (t > T) break;
    x++;
    tx = t;
    const amount = gamma(TRUE.p, TRUE.p / meanSpend);
    spend += amount;
    history.push({ customerId: `c${i}`, at: END - (T - t) * DAY_MS, amount });
    if (rand() < dropout) break;
  }
  buyers.push({ id: `c${i}`, frequency: x, recency: Math.floor(tx), T, monetary: x ? spend / x : 0, revenue: spend + 50, orders: x + 1, recencyDays: T - tx });
}
let fitted = fitBgNbd(buyers).params;
const fitMs = median(3, () => (fitted = fitBgNbd(buyers).params));
let gg = fitGammaGamma(buyers).params;
const ggMs = median(3, () => (gg = fitGammaGamma(buyers).params));
let valued = 0;
const valueMs = median(3, () => (valued = valueCustomers(buyers).customers.length));
// What a refit does: the same, with the models chosen by a backtest on the latest quarter of the history.
let chosen = '';
const choiceMs = median(3, () => {
  const model = valueCustomers(buyers, {}, { purchases: history, end: END });
  chosen = `${model.choice.purchase} (${model.choice.reason})`;
});
const f = (n: number) => n.toFixed(2);
console.log(
  `CLV fit on 100,000 customers drawn from the models: BG/NBD ${fitMs.toFixed(0)} ms, Gamma-Gamma ${ggMs.toFixed(0)} ms; ` +
    `all ${valued.toLocaleString('en-US')} valued (fits, P(alive), expected purchases, 12-month CLV, RFM) in ${valueMs.toFixed(0)} ms`,
);
console.log(
  `  as a refit values them, the models chosen by a backtest on the last quarter (${history.length.toLocaleString('en-US')} purchases), stages and their changes: ` +
    `${choiceMs.toFixed(0)} ms (target < 5,000 ms), ${(choiceMs / valueMs).toFixed(2)}x the fits alone; chose ${chosen}`,
);
console.log(
  `  recovered r ${f(fitted.r)}, alpha ${f(fitted.alpha)}, a ${f(fitted.a)}, b ${f(fitted.b)}, p ${f(gg.p)}, q ${f(gg.q)}, gamma ${f(gg.gamma)} ` +
    `(true ${TRUE.r}, ${TRUE.alpha}, ${TRUE.a}, ${TRUE.b}, ${TRUE.p}, ${TRUE.q}, ${TRUE.gamma})`,
);

// A wholesaler's 100,000 customers, where the backtest chooses the activity model: UCI Online Retail's eight
// months (test/fixtures) 32 times over, each customer of each copy shifted by 0-27 whole days and each copy's spend
// scaled by 0.8-1.2, so that copies share neither the fits' groups nor the valuation's (frequency, recency, age).
const retail = ordersFromCsv(await readCsvLines(path.resolve(import.meta.dirname, '../test/fixtures/online-retail/online_retail_2010-12-01_to_2011-07-31.csv.gz'), new PassThrough()));
const shop: Purchase[] = [];
for (let copy = 0; copy < 32; copy++) {
  const scale = 0.8 + 0.4 * rand();
  const shifts = new Map<string, number>();
  for (const e of retail.events) {
    const id = `${e.userId!}-${copy}`;
    let shift = shifts.get(id);
    if (shift === undefined) shifts.set(id, (shift = Math.floor(rand() * 28) * DAY_MS));
    shop.push({ customerId: id, at: Date.parse(e.timestamp) - shift, amount: e.properties!.revenue! * scale });
  }
}
const shopEnd = Date.UTC(2011, 6, 31);
const shopBuyers: BuyerHistory[] = summarize(shop, { end: shopEnd }).map((c) => ({ ...c, orders: c.frequency + 1, recencyDays: c.T - c.recency }));
let shopChosen = '';
const shopMs = median(3, () => {
  const model = valueCustomers(shopBuyers, {}, { purchases: shop, end: shopEnd });
  shopChosen = `${model.choice.purchase} with ${model.choice.spend} (${model.choice.reason})`;
});
console.log(
  `  a wholesaler's ${shopBuyers.length.toLocaleString('en-US')} customers (Online Retail 32 times over, ${shop.length.toLocaleString('en-US')} order lines) as a refit values them: ` +
    `${shopMs.toFixed(0)} ms (target < 5,000 ms); chose ${shopChosen}`,
);
