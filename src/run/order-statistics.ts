import { standardNormal, uniform } from '../random/index.ts';

/**
 * Distribution-free statistics of a sample's quantiles and proportions: the exact binomial law of
 * order statistics, valid for any n (the normal approximation of a quantile's rank, √(q(1−q)/n),
 * collapses to a point for a tail quantile when n·(1−q) is small: a p99.9 of 48 requests got the
 * interval [+27.7, +27.7] ms).
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≥ k) for X ~ Binomial(n, p): summed in log space from the nearer end (exact to rounding). */
export function binomialUpperTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lnC = lnGamma(n + 1);
  const term = (i: number): number =>
    Math.exp(lnC - lnGamma(i + 1) - lnGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  const mode = Math.floor((n + 1) * p);
  let sum = 0;
  if (k > mode) {
    // The tail beyond the mode: terms fall away fast, stop when they no longer count.
    for (let i = k; i <= n; i++) {
      const t = term(i);
      sum += t;
      if (t < sum * 1e-16) break;
    }
    return Math.min(1, sum);
  }
  for (let i = k - 1; i >= 0; i--) {
    const t = term(i);
    sum += t;
    if (t < sum * 1e-16 && i < mode) break;
  }
  return Math.max(0, 1 - sum);
}

/**
 * The ranks (1-based, in a sorted sample of n) of a distribution-free confidence interval for the
 * q-quantile: [x_(lo), x_(hi)] covers it with probability ≥ `level` whatever the distribution.
 * `lo` is 0 or `hi` n + 1 when the sample cannot bound that side (too few samples for this q).
 */
export function quantileRankInterval(n: number, q: number, level = 0.95): { lo: number; hi: number } {
  const alpha = (1 - level) / 2;
  // lo: the largest l with P(Bin(n, q) ≥ l) ≥ 1 − α, i.e. P(fewer than l samples below the quantile) ≤ α.
  let lo = 0;
  for (let l = Math.max(1, Math.floor(n * q) + 1); l >= 1; l--) {
    if (binomialUpperTail(n, q, l) >= 1 - alpha) {
      lo = l;
      break;
    }
  }
  // hi: the smallest u with P(Bin(n, q) ≥ u) ≤ α.
  let hi = n + 1;
  for (let u = Math.max(1, Math.ceil(n * q)); u <= n; u++) {
    if (binomialUpperTail(n, q, u) <= alpha) {
      hi = u;
      break;
    }
  }
  return { lo, hi };
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 by the boost U^(1/shape)). */
function gamma(shape: number, next: () => number): number {
  if (shape < 1) return gamma(shape + 1, next) * Math.pow(Math.max(uniform(next), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(next);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform(next);
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return d * v;
  }
}

/** A Beta(a, b) draw. */
export function betaDraw(a: number, b: number, next: () => number): number {
  const x = gamma(a, next);
  const y = gamma(b, next);
  return x / (x + y);
}

/**
 * The rank (1..n) at which the q-quantile of a bootstrap resample of n whole requests lands:
 * resampling n values is drawing n uniforms, and their k-th smallest (k = ⌈q·n⌉) is Beta(k, n+1−k);
 * the resample's quantile is then the original's value at rank ⌈n·U⌉. Exact for any n, without
 * touching n values.
 */
export function resampledQuantileRank(q: number, n: number, next: () => number): number {
  if (n <= 1) return 1;
  const k = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return Math.min(n, Math.max(1, Math.ceil(n * betaDraw(k, n + 1 - k, next))));
}

/** A Binomial(n, p) draw: exact by inversion when n·min(p, 1−p) is small, else normal (continuity-corrected). */
export function binomialDraw(n: number, p: number, next: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n * Math.min(p, 1 - p) < 50) {
    if (p > 0.5) return n - binomialDraw(n, 1 - p, next);
    // Inversion: walk the pmf from 0 (expected steps n·p + 1).
    const u = uniform(next);
    let k = 0;
    let pk = Math.exp(n * Math.log1p(-p));
    let cdf = pk;
    while (u > cdf && k < n) {
      pk *= ((n - k) / (k + 1)) * (p / (1 - p));
      k++;
      cdf += pk;
    }
    return k;
  }
  const x = Math.round(n * p + standardNormal(next) * Math.sqrt(n * p * (1 - p)));
  return Math.min(n, Math.max(0, x));
}
