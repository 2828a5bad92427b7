import { hash32 } from '../random/index.ts';

/**
 * Seeded fault draw for TechnischProbleem: a pure function of (seed, BerichtID, attempt), so two
 * runs with the same seed and letters fail the same letters, and a redelivery draws afresh. It
 * carries its seed and rate, so a store that writes in another thread can draw the same there.
 */
export interface TechnischProbleemDraw {
  (berichtId: string, attempt: number): boolean;
  readonly seed: number;
  readonly rate: number;
}

export function technischProbleemDraw(seed: number, rate: number): TechnischProbleemDraw {
  const threshold = rate * 0x1_0000_0000;
  const draw =
    rate <= 0
      ? () => false
      : rate >= 1
        ? () => true
        : (berichtId: string, attempt: number) => hash32(`${berichtId}#${attempt}`, seed ^ 0x7e57) < threshold;
  return Object.assign(draw, { seed, rate });
}
