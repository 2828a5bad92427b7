import type { SimDuration } from './types.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '90s', '10m', '1h30m', '2d' or a number of ms → ms; undefined when malformed. */
export function parseDuration(d: SimDuration): number | undefined {
  if (typeof d === 'number') return Number.isFinite(d) && d > 0 ? d : undefined;
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
