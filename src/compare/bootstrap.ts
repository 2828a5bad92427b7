import { createPrng, uniform } from '../random/index.ts';

/** One side's draw: a figure's value under resampling (of runs, and within a run of its requests). */
export type Draw = (next: () => number) => number;

export const BOOTSTRAP_DRAWS = 2000;

/**
 * A 95 % interval of (current − baseline) by bootstrap: each draw resamples both sides
 * independently. Seeded, so the same runs give the same interval.
 */
export function changeInterval(
  baseline: Draw,
  current: Draw,
  seed: number,
  draws = BOOTSTRAP_DRAWS,
): { diffs: [number, number]; rel: [number, number] } {
  const next = createPrng(seed);
  const diffs: number[] = [];
  const rels: number[] = [];
  for (let i = 0; i < draws; i++) {
    const b = baseline(next);
    const c = current(next);
    diffs.push(c - b);
    rels.push(b > 0 ? ((c - b) / b) * 100 : c > 0 ? Number.POSITIVE_INFINITY : 0);
  }
  const q = (xs: number[], p: number): number => {
    xs.sort((x, y) => x - y);
    return xs[Math.min(xs.length - 1, Math.max(0, Math.floor(p * (xs.length - 1))))]!;
  };
  return { diffs: [q(diffs, 0.025), q(diffs, 0.975)], rel: [q(rels, 0.025), q(rels, 0.975)] };
}

/** Picks one of n items uniformly (resampling runs with replacement). */
export function pickIndex(n: number, next: () => number): number {
  return Math.min(n - 1, Math.floor(uniform(next) * n));
}
