// How well predictions of customers' purchases and spend match what they then did: the measures a backtest
// reports (as lifetimes' and PyMC-Marketing's calibration-against-holdout checks, and the usual ranking ones).

/** Mean absolute error and root mean squared error. */
export function errors(predicted: ArrayLike<number>, actual: ArrayLike<number>): { mae: number; rmse: number } {
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = predicted[i] - actual[i];
    abs += Math.abs(d);
    sq += d * d;
  }
  const n = Math.max(1, actual.length);
  return { mae: abs / n, rmse: Math.sqrt(sq / n) };
}

/** Ranks from 1, ties sharing their mean rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's on the ranks (ties at mean ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) ** 2;
    sbb += (rb[i] - mean) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The share of the actual total that the top `share` of customers by prediction account for. */
export function topShareCapture(predicted: ArrayLike<number>, actual: ArrayLike<number>, share = 0.1): number {
  const order = Array.from({ length: actual.length }, (_, i) => i).sort((a, b) => predicted[b] - predicted[a]);
  const top = Math.max(1, Math.round(actual.length * share));
  let captured = 0;
  let total = 0;
  for (let k = 0; k < order.length; k++) {
    total += actual[order[k]];
    if (k < top) captured += actual[order[k]];
  }
  return total > 0 ? captured / total : 0;
}

/** The ROC AUC of `score` for `positive` (Mann-Whitney, ties counted half): 0.5 is chance. */
export function rocAuc(score: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const r = ranks(score);
  let sum = 0;
  let pos = 0;
  for (let i = 0; i < r.length; i++)
    if (positive[i]) {
      sum += r[i];
      pos++;
    }
  const neg = r.length - pos;
  return pos && neg ? (sum - (pos * (pos + 1)) / 2) / (pos * neg) : 0.5;
}
