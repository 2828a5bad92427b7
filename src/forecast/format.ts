import { DAY, HOUR, MINUTE, localParts, zoneOffset } from '../clock/index.ts';
import { num } from '../report/format.ts';

const HOURS_PER_DAY = DAY / HOUR;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** 'Mon 2027-03-01 20:00' in Amsterdam local time. */
export function localTime(ms: number): string {
  const p = localParts(ms);
  return `${WEEKDAYS[p.weekday - 1]} ${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** '20:00', or the full local time when `ms` is on another day than `reference`. */
export function localTimeSince(ms: number, reference: number): string {
  const a = localParts(ms);
  const b = localParts(reference);
  return a.year === b.year && a.month === b.month && a.day === b.day
    ? `${pad(a.hour)}:${pad(a.minute)}`
    : localTime(ms);
}

/** ISO 8601 with the Amsterdam offset: '2027-03-01T20:00:00+01:00'. */
export function isoLocal(ms: number): string {
  const p = localParts(ms);
  const off = zoneOffset(ms) / MINUTE;
  const sign = off >= 0 ? '+' : '-';
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(1)} %` : x > 0 ? '∞ %' : '−∞ %';
}

/** Minutes as '1 h 40 min', '2 d 3 h'. */
export function duration(minutes: number): string {
  if (!Number.isFinite(minutes)) return '∞';
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / HOURS_PER_DAY);
  return h % HOURS_PER_DAY ? `${d} d ${h % HOURS_PER_DAY} h` : `${d} d`;
}

/** A deviation from the forecast with its sign and direction: '+13.6 % over forecast', '−12.0 % under forecast'. */
export function deviationText(pctValue: number): string {
  if (!Number.isFinite(pctValue)) return 'not forecast';
  if (pctValue === 0) return '0.0 %';
  return `${pctValue > 0 ? '+' : '−'}${Math.abs(pctValue).toFixed(1)} % ${pctValue > 0 ? 'over' : 'under'} forecast`;
}

/** Seconds as a person says them: '45 s', '12 min', '5.5 h', '6.8 days'. */
export function humanSeconds(s: number): string {
  if (!Number.isFinite(s)) return '∞';
  if (s < 120) return `${Math.round(s)} s`;
  const min = s / 60;
  if (min < 120) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 48) return `${Number.isInteger(Math.round(h * 10) / 10) ? Math.round(h) : h.toFixed(1)} h`;
  return `${(h / 24).toFixed(1)} days`;
}

/** A check's peak in its unit, durations in human units ('6.8 days'). */
export function peakText(c: { readonly unit: string; readonly peak: number }): string {
  return c.unit === 's' ? humanSeconds(c.peak) : num(c.peak);
}

/** A check's limit in its unit ('4 h', '45 letters/s'). */
export function limitText(c: { readonly unit: string; readonly limit: number }): string {
  return c.unit === 's' ? humanSeconds(c.limit) : `${num(c.limit)} ${c.unit}`;
}

/** Headroom as a percentage, or for a duration over its norm how many times the norm: '41× the 4 h norm'. */
export function headroomText(c: {
  readonly unit: string;
  readonly peak: number;
  readonly limit: number;
  readonly headroomPct: number;
}): string {
  if (c.unit === 's' && c.peak > c.limit && c.limit > 0) {
    const x = c.peak / c.limit;
    return `${x >= 10 ? Math.round(x) : x.toFixed(1)}× the ${humanSeconds(c.limit)} norm`;
  }
  return pct(c.headroomPct);
}
