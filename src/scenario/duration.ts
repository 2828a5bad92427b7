import type { Duration, SimDuration } from './types.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(ms: number, what: string): Duration {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${what} must be a finite number > 0, got ${String(ms)}`);
  const text = k6Duration(ms);
  // toJSON keeps the k6 text ('1m30s'), so a scenario's hash is the same as when it was written as a string.
  return Object.freeze({ ms, text, toJSON: () => text });
}

/**
 * Sim durations with their unit in the name, as rates have perMinute(n): `minutes(3)`, never a bare
 * 180 that could be seconds or milliseconds. Fractions are fine: `minutes(1.5)` is '1m30s'.
 */
export const milliseconds = (n: number): Duration => duration(n, 'milliseconds(n)');
export const seconds = (n: number): Duration => duration(n * 1000, 'seconds(n)');
export const minutes = (n: number): Duration => duration(n * 60_000, 'minutes(n)');
export const hours = (n: number): Duration => duration(n * 3_600_000, 'hours(n)');
export const days = (n: number): Duration => duration(n * 86_400_000, 'days(n)');

/** A Duration (minutes(3)) or a text with units ('90s', '10m', '1h30m', '2d') → ms; undefined when malformed or a bare number. */
export function parseDuration(d: SimDuration | unknown): number | undefined {
  if (d !== null && typeof d === 'object' && 'ms' in d) {
    const ms = (d as Duration).ms;
    return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
  }
  if (typeof d !== 'string') return undefined;
  const parts = d.trim().match(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g);
  if (!parts || parts.join('') !== d.trim().replace(/\s+/g, '')) return undefined;
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * (UNITS[m[2]!] ?? Number.NaN);
  }
  return total > 0 ? total : undefined;
}

/** ms → k6's duration syntax ('1m30s', '250ms'). */
export function k6Duration(ms: number): string {
  const rounded = Math.max(1, Math.round(ms));
  if (rounded % 1000 !== 0) return `${rounded}ms`;
  let s = rounded / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}
