/**
 * The delivery plan: how fast this afnemer may offer (its share of the intake norms), and when the
 * delivery will be done on the target's clock and on the wall clock. The prediction walks the
 * calendar hour by hour from the target's now (Europe/Amsterdam, DST-safe): a steady rate within
 * each hour (the share), at most the hourly and daily caps (the share, or the target's own limit
 * when lower), the daily limit closing a day early, parking at the norm's rate behind it.
 */
import { HOUR, SECOND, dayKey, nextDayStart, nextHourStart } from '../clock/index.ts';
import {
  MAX_PROCESSING_TIME,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  REDELIVERY_WINDOW,
  type Norm,
} from '../norms/index.ts';

export interface PlanInput {
  /** Letters still to deliver (all of them on a fresh start). */
  readonly letters: number;
  readonly totalLetters: number;
  readonly batches: number;
  readonly bytes: number;
  readonly share: number;
  /** Target sim now, epoch ms. */
  readonly start: number;
  readonly speed: number;
  readonly clockSource: 'status' | 'local';
  /** The target's own limits when it reports them (GET /status). */
  readonly targetHourLimit: number | undefined;
  readonly targetDayLimit: number | undefined;
  /** Letters this rehearsal already offered in the current hour and day (a resumed run). */
  readonly usedHour: number;
  readonly usedDay: number;
}

export interface Plan {
  readonly input: PlanInput;
  /** This afnemer's share of the norms. */
  readonly perHour: number;
  readonly perDay: number;
  /** What the prediction uses: the share, or the target's own limit when that is lower. */
  readonly effectivePerHour: number;
  readonly effectivePerDay: number;
  readonly parkedPerSecond: number;
  /** Sim instant the last letter is offered; Infinity when it never is. */
  readonly sendEnd: number;
  /** Sim instant the last letter is parked (processing follows shortly). */
  readonly parkedEnd: number;
  readonly durationSimMs: number;
  readonly durationWallMs: number;
  /** Calendar days the delivery spans, and how many of them end early at the daily limit. */
  readonly days: number;
  readonly dayLimitStops: number;
  readonly notes: readonly string[];
}

/** Bound on the hour-by-hour walk (about 11 years of hours): a plan that does not finish says so. */
const MAX_STEPS = 100_000;

export function planDelivery(input: PlanInput): Plan {
  const perHour = input.share * MESSAGES_PER_HOUR.limit;
  const perDay = input.share * MESSAGES_PER_DAY.limit;
  const effectivePerHour = Math.min(perHour, input.targetHourLimit ?? Number.POSITIVE_INFINITY);
  const effectivePerDay = Math.min(perDay, input.targetDayLimit ?? Number.POSITIVE_INFINITY);
  const parkedPerSecond = MESSAGES_PARKED_PER_SECOND.limit;
  // The pacer spreads the share evenly over each hour; the target's own limits are caps per window.
  const ratePerMs = perHour / HOUR;

  let t = input.start;
  let left = input.letters;
  let hourUsed = input.usedHour;
  let dayUsed = input.usedDay;
  let sendEnd = left === 0 ? t : Number.POSITIVE_INFINITY;
  let dayLimitStops = 0;
  for (let step = 0; left > 0 && step < MAX_STEPS && ratePerMs > 0; step++) {
    const hourEnd = nextHourStart(t);
    const dayEnd = nextDayStart(t);
    const byRate = ratePerMs * (hourEnd - t);
    const room = Math.max(0, Math.min(byRate, effectivePerHour - hourUsed, effectivePerDay - dayUsed));
    if (left <= room) {
      sendEnd = t + left / ratePerMs;
      left = 0;
      break;
    }
    left -= room;
    dayUsed += room;
    if (effectivePerDay - dayUsed <= 0) {
      dayLimitStops++;
      t = dayEnd;
      dayUsed = 0;
    } else {
      t = hourEnd;
      if (t >= dayEnd) dayUsed = 0;
    }
    hourUsed = 0;
  }
  // Parking runs at its own rate behind the offering (for all afnemers together; here: ours only).
  const parkedEnd = Math.max(sendEnd, input.start + (input.letters / parkedPerSecond) * SECOND);
  const durationSimMs = parkedEnd - input.start;
  const days = Number.isFinite(sendEnd) ? countDays(input.start, sendEnd) : Number.POSITIVE_INFINITY;

  const notes: string[] = [];
  if (input.clockSource === 'local') notes.push('the target has no GET /status: planned on the wall clock (speed 1)');
  if (input.targetHourLimit !== undefined && input.targetHourLimit < perHour) {
    notes.push(
      `the target admits ${fmt(input.targetHourLimit)} letters/h, less than this share of the norm (${fmt(perHour)}/h): expect 429 answers, honoured with their Retry-After`,
    );
  }
  if (input.targetDayLimit !== undefined && input.targetDayLimit < perDay) {
    notes.push(
      `the target admits ${fmt(input.targetDayLimit)} letters/day, less than this share of the norm (${fmt(perDay)}/day)`,
    );
  }
  if (effectivePerHour > parkedPerSecond * (HOUR / SECOND))
    notes.push(`offering faster than letters are parked (${parkedPerSecond}/s): an intake backlog builds`);
  if (parkedEnd - sendEnd > MAX_PROCESSING_TIME.limit * SECOND)
    notes.push(`letters would wait longer than ${norm(MAX_PROCESSING_TIME)} to be processed`);
  if (input.speed > 1)
    notes.push(
      `at sim speed ${input.speed} this rate is ${fmt(ratePerMs * 1000 * input.speed)} letters per wall second; the wall time is then bounded by the target's throughput, not by the norm`,
    );
  return {
    input,
    perHour,
    perDay,
    effectivePerHour,
    effectivePerDay,
    parkedPerSecond,
    sendEnd,
    parkedEnd,
    durationSimMs,
    durationWallMs: durationSimMs / input.speed,
    days,
    dayLimitStops,
    notes,
  };
}

function countDays(from: number, to: number): number {
  let n = 1;
  for (let d = nextDayStart(from); d < to && n < MAX_STEPS; d = nextDayStart(d)) n++;
  return n;
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '∞');
const norm = (n: Norm): string => `${n.id}`;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h ${m} min`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${sec} s`;
}

const iso = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : 'never');

/** The plan as text, one line each. */
export function formatPlan(
  p: Plan,
  context: { target: string; afnemer: string; format: string; batchSize: number },
): string[] {
  const i = p.input;
  const resumed = i.letters < i.totalLetters ? ` (${fmt(i.letters)} still to deliver)` : '';
  return [
    `Plan: ${fmt(i.totalLetters)} letters${resumed} in ${fmt(i.batches)} batch${i.batches === 1 ? '' : 'es'} (≤ ${context.batchSize} letters, ${context.format}, ≈ ${(i.bytes / 1e6).toFixed(1)} MB) from afnemer ${context.afnemer} to ${context.target}`,
    `  norms:     ${norm(MESSAGES_PER_HOUR)} ${fmt(MESSAGES_PER_HOUR.limit)}/h, ${norm(MESSAGES_PER_DAY)} ${fmt(MESSAGES_PER_DAY.limit)}/day, ${norm(MESSAGES_PARKED_PER_SECOND)} ${fmt(MESSAGES_PARKED_PER_SECOND.limit)}/s`,
    `  share:     ${(i.share * 100).toFixed(1).replace(/\.0$/, '')} % → at most ${fmt(p.perHour)} letters/h and ${fmt(p.perDay)}/day (${(p.perHour / (HOUR / SECOND)).toFixed(1)} letters/s sim), evenly spread over each hour`,
    `  target:    clock ${iso(i.start)} at speed ${i.speed} (${i.clockSource === 'status' ? 'GET /status' : 'wall clock'}), limits ${i.targetHourLimit !== undefined ? `${fmt(i.targetHourLimit)}/h, ${fmt(i.targetDayLimit ?? Number.NaN)}/day` : 'not reported'}`,
    `  predicted: last letter offered ${iso(p.sendEnd)}, parked by ${iso(p.parkedEnd)} (sim) — ${formatDuration(p.durationSimMs)} sim, ${formatDuration(p.durationWallMs)} wall; ${p.days} calendar day${p.days === 1 ? '' : 's'} (${dayKey(i.start)}${Number.isFinite(p.sendEnd) ? ` → ${dayKey(p.sendEnd)}` : ''}), ${p.dayLimitStops} stop${p.dayLimitStops === 1 ? '' : 's'} at the daily limit`,
    `  redelivery: TechnischProbleem, timeouts and lost answers are offered again with the same BatchID and BerichtIDs; the ledger keeps every letter until it is reconciled (${norm(REDELIVERY_WINDOW)}: the afnemer must be able to redeliver the last 24 h)`,
    ...p.notes.map((n) => `  note:      ${n}`),
  ];
}
