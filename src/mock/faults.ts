import { hash32 } from '../random/index.ts';

/**
 * Seeded fault draw for TechnischProbleem: a pure function of (seed, BerichtID, attempt), so two
 * runs with the same seed and letters fail the same letters, and a redelivery draws afresh.
 */
export function technischProbleemDraw(seed: number, rate: number): (berichtId: string, attempt: number) => boolean {
  if (rate <= 0) return () => false;
  if (rate >= 1) return () => true;
  const threshold = rate * 0x1_0000_0000;
  return (berichtId, attempt) => hash32(`${berichtId}#${attempt}`, seed ^ 0x7e57) < threshold;
}
