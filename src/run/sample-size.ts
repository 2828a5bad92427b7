/**
 * How many samples a figure needs before it may be judged: one rule, written once, for the verdict
 * and for compare (README "How many samples a figure needs").
 *
 * - **Verdict** (a norm against its limit): at least `ceil(1 / (1 − q))` successful requests for a
 *   quantile q and never fewer than VERDICT_MIN_SAMPLES (also for a mean); a maximum ("every
 *   response within 30 s") is judged on any successful request, since each one is a check. Below
 *   it the sample has not even reached the tail the norm speaks of: the "p99.9" of 300 requests is
 *   just their maximum, so a pass would be a guess. Such a norm is `n/a` (not judged), never a pass.
 * - **Compare** (a change between two runs): at least `ceil(10 / (1 − q))` samples per side for a
 *   quantile (p99.9: 10,000; p99: 1,000; p95: 200; p50: 20), so about ten of them lie beyond it and
 *   its interval has order statistics on both sides. Below it the figure is "not enough samples",
 *   never a regression or an improvement (a smoke run's p99.9 of 48 requests moved 9.9 → 37.6 ms
 *   from one slow request).
 */
export const VERDICT_MIN_SAMPLES = 10;
export const COMPARE_TAIL_SAMPLES = 10;

/** The statistic of a norm or figure: a percentile (0–100), 'avg', or 100 for the maximum. */
export type Statistic = number | 'avg';

export function verdictMinSamples(statistic: Statistic | undefined): number {
  if (statistic === 100) return 1;
  if (typeof statistic !== 'number') return VERDICT_MIN_SAMPLES;
  return Math.max(VERDICT_MIN_SAMPLES, Math.ceil(1 / (1 - statistic / 100) - 1e-9));
}

/** Fewest samples per side for a quantile q (0..1) to be compared. */
export function compareMinSamples(q: number): number {
  return Math.ceil(COMPARE_TAIL_SAMPLES / (1 - q) - 1e-9);
}
