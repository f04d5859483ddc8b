// CLV model fits, timed: BG/NBD and Gamma-Gamma on CDNOW's 2,357 customers from the raw transaction log, and
// on 100,000 customers drawn from the models themselves (so the recovered parameters can be checked against
// the true ones), then every customer valued. Run by `npm run bench`; prints lines, asserts nothing.

import fs from 'node:fs';
import path from 'node:path';
import { fitBgNbd, fitGammaGamma, random, summarize, valueCustomers, type BuyerHistory, type Purchase } from '../recommender';

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
function gamma(shape: number, rate: number): number {
  // Marsaglia & Tsang, with the shape < 1 boost.
  if (shape < 1) return gamma(shape + 1, rate) * Math.pow(rand(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = rand() || 1e-12;
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}
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
