import { MINUTE, SECOND } from '../clock/index.ts';
import {
  BATCH_LETTERS,
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MAX_SHARE_WITH_ATTACHMENT,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_HOUR,
  VALIDATION_QUERIES_PER_HOUR,
  type Norm,
  type Service,
} from '../norms/index.ts';
import { FLOWS, type FlowName } from '../scenario/index.ts';
import { num } from '../report/format.ts';
import { localTime } from './format.ts';
import { ForecastInputError } from './input-error.ts';
import { HOURS_PER_DAY, MINUTES_PER_HOUR } from './horizon.ts';
import type { ForecastResult } from './run-forecast.ts';
import { SUBSCRIPTION_SERIES } from './simulate-queues.ts';
import { durationLiteral, renderEmitted, sig, writeEmitted, type EmittedSpec } from './emitted-source.ts';

/** Letters per deliver-batch iteration: a tenth of the largest batch keeps requests few and bodies small. */
const EMIT_BATCH_SIZE = BATCH_LETTERS.max / 10;
/**
 * Letters per batch where the letters come by the thousand a wall second: half the largest batch, so
 * the mock handles few requests (about 4,500 letters/s in batches of 1,000 here) while a 300-sim-s
 * parking window still holds a few dozen batches (with batches of 1,000 at speed 102 it held 12, and
 * one batch more or less moved the measured parking rate by 3.4/s).
 */
export const BULK_BATCH_SIZE = BATCH_LETTERS.max / 2;
/** Above this many letters per wall second (20 batches of 100 a second), batches of BULK_BATCH_SIZE. */
const BULK_FROM_LETTERS_PER_SECOND = 2_000;
/** Attachment size in the replay: small PDFs keep it light; size enters no rate norm. */
export const EMIT_ATTACHMENT_BYTES = 20_000;
/** At least this many sim minutes, so one whole sim minute runs at the plateau whatever k6's start-up lag. */
const MIN_WINDOW_MINUTES = 2;
/**
 * Letters per wall second the mock takes by default: with batches of 1,000 ~1 kB letters this shared
 * 2-core machine took about 4,500/s at load 9.5 (a quiet one 10,000-12,000, bench/mock-intake); k6's
 * requests per second say nothing about it (a batch of 500 letters is one request).
 */
export const DEFAULT_MAX_WALL_LETTERS = 4_000;
/**
 * Wall seconds between the mock's start (its clock at the scenario's start) and k6's first request:
 * about 2.7 s measured here at load 9.5. A replay of a whole clock hour starts this much sim time
 * before the hour and runs as much longer, so the hour gets its full load whatever the lag.
 */
export const LAG_GUARD_WALL_SECONDS = 5;

export interface EmitOptions {
  /** kebab-case scenario name; the file is <scenariosDir>/<name>.ts. */
  readonly name: string;
  /** 'hour': the peak hour (its busiest minutes when the whole hour cannot run within the budget); 'day': its day as a day-curve. */
  readonly window: 'hour' | 'day';
  readonly scenariosDir: string;
  /** Absolute path of the repository's src/, for the emitted file's imports. */
  readonly srcDir: string;
  /** Wall seconds the scenario should take at most. */
  readonly wallBudgetSeconds: number;
  /** Requests per wall second k6 should send at most (k6 against the in-process mock sustains about twice that here). */
  readonly maxWallRate: number;
  /** Letters per wall second the mock should take at most (default DEFAULT_MAX_WALL_LETTERS). */
  readonly maxWallLetters?: number;
  /** The forecast file, named in the emitted file's header. */
  readonly source: string;
  /** Emit this hour (index in the horizon) instead of the peak hour. */
  readonly hour?: number;
  /** Replace an existing file even when this emitter did not write it from the same forecast. */
  readonly overwrite?: boolean;
}

/** A norm the run's verdict measures from the mock, with the value the emitted load should make it measure. */
export interface ExpectedVerdict {
  readonly normId: string;
  readonly limit: number;
  readonly predicted: number;
  readonly status: 'pass' | 'fail';
}

export interface EmittedScenario {
  readonly file: string;
  readonly name: string;
  readonly source: string;
  readonly simStart: number;
  readonly simMinutes: number;
  readonly speed: number;
  readonly wallSeconds: number;
  /** Requests per wall second at the peak. */
  readonly peakWallRate: number;
  /** Per flow, the sim rate per minute in the norm's unit (letters for deliver-batch). */
  readonly flows: readonly { readonly flow: FlowName; readonly perMinute: number }[];
  readonly expected: readonly ExpectedVerdict[];
  readonly notes: readonly string[];
  /** The further scenarios of the set (emitScenarioSet): one per predicted breach this one does not replay. */
  readonly more?: readonly EmittedScenario[];
}

/**
 * Renders and writes one emitted scenario: it expects exactly the breaches of `expected` that fail
 * (refusing to replace a file this emitter did not write from the same forecast).
 */
export function writeScenario(
  opts: EmitOptions,
  spec: Omit<EmittedSpec, 'name' | 'source' | 'breaches'>,
  simMinutes: number,
  expected: readonly ExpectedVerdict[],
): EmittedScenario {
  const breaches = expected.filter((e) => e.status === 'fail').map((e) => e.normId);
  const source = renderEmitted(
    { ...spec, name: opts.name, source: opts.source, breaches },
    opts.scenariosDir,
    opts.srcDir,
  );
  const file = writeEmitted(opts.scenariosDir, opts.name, source, opts.source, opts.overwrite ?? false);
  return {
    file,
    name: opts.name,
    source,
    simStart: spec.simStart,
    simMinutes,
    speed: spec.speed,
    wallSeconds: spec.wallSeconds,
    peakWallRate: spec.peakWallRate,
    flows: spec.flows,
    expected,
    notes: spec.notes,
  };
}

/** Rate norms the run's verdict reads from the mock's busiest window of what was offered (src/run/verdict.ts). */
const MEASURED: readonly { norm: Norm; flow: FlowName; window: 'minute' | 'hour' | 'day'; scale?: number }[] = [
  // The mock counts letters offered in its busiest parking window of seconds; the emitted load is even within a sim minute.
  { norm: MESSAGES_PARKED_PER_SECOND, flow: 'deliver-batch', window: 'minute', scale: 1 / (MINUTE / SECOND) },
  { norm: DIGID_AUTHENTICATIONS_PER_MINUTE, flow: 'digid-authenticate', window: 'minute' },
  { norm: MACHTIGEN_TRANSACTIONS_PER_MINUTE, flow: 'machtigen-check', window: 'minute' },
  { norm: VALIDATION_QUERIES_PER_HOUR, flow: 'validation-query', window: 'hour' },
  { norm: MESSAGES_PER_HOUR, flow: 'deliver-batch', window: 'hour' },
  { norm: MESSAGES_PER_DAY, flow: 'deliver-batch', window: 'day' },
  // The mock notifies every letter it processes, in the hour it parks it (simulated: parkedPerHour).
  { norm: NOTIFICATIONS_PER_HOUR, flow: 'deliver-batch', window: 'hour' },
];

/**
 * Letters parked per clock hour when `letters[m]` are offered in minute `first + m`: intake admits
 * up to the hour's limit (the rest is refused, and k6 does not redeliver), parking takes 45/s FIFO,
 * the queue drains after the load ends. The busiest hour's count: the notifications the mock
 * enqueues (one per processed letter).
 */
function parkedPerHourPeak(first: number, letters: ArrayLike<number>): number {
  const parkPerMinute = MESSAGES_PARKED_PER_SECOND.limit * (MINUTE / SECOND);
  const admitted = new Map<number, number>();
  const parked = new Map<number, number>();
  let queue = 0;
  for (let m = 0; m < letters.length || queue > 0; m++) {
    const hour = Math.floor((first + m) / MINUTES_PER_HOUR);
    const offered = letters[m] ?? 0;
    const admit = Math.min(offered, Math.max(0, MESSAGES_PER_HOUR.limit - (admitted.get(hour) ?? 0)));
    admitted.set(hour, (admitted.get(hour) ?? 0) + admit);
    queue += admit;
    const park = Math.min(queue, parkPerMinute);
    queue -= park;
    parked.set(hour, (parked.get(hour) ?? 0) + park);
  }
  return Math.max(0, ...parked.values());
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * What the run's verdict should measure for a load emitted from sim minute `first` (a horizon minute
 * index, so clock hours are whole multiples of 60): each flow's share of the emitted total per minute,
 * in the busiest sim minute, clock hour or the window (one day), per norm the run reads from the mock.
 */
export function predictVerdicts(
  first: number,
  emittedTotal: Float64Array,
  flows: readonly { readonly flow: FlowName; readonly perMinute: number }[],
): ExpectedVerdict[] {
  const totalPerMinute = flows.reduce((s, f) => s + f.perMinute, 0);
  const expected: ExpectedVerdict[] = [];
  for (const { norm, flow, window, scale } of MEASURED) {
    const f = flows.find((x) => x.flow === flow);
    if (!f) continue;
    const share = f.perMinute / totalPerMinute;
    const byWindow = new Map<number, number>();
    for (let m = 0; m < emittedTotal.length; m++) {
      const key = window === 'minute' ? m : window === 'hour' ? Math.floor((first + m) / MINUTES_PER_HOUR) : 0;
      byWindow.set(key, (byWindow.get(key) ?? 0) + emittedTotal[m]! * share);
    }
    const predicted =
      norm === NOTIFICATIONS_PER_HOUR
        ? parkedPerHourPeak(
            first,
            emittedTotal.map((x) => x * share),
          )
        : Math.max(...byWindow.values()) * (scale ?? 1);
    expected.push({
      normId: norm.id,
      limit: norm.limit,
      predicted: round(predicted),
      status: predicted > norm.limit ? 'fail' : 'pass',
    });
  }
  return expected;
}

/** The services a scenario of these flows checks: theirs, and the notifications of its letters. */
export function checkedServices(flows: readonly { readonly flow: FlowName }[]): Service[] {
  const services = new Set<Service>(flows.flatMap((f) => [...FLOWS[f.flow].services]));
  if (services.has('berichtenbox-intake')) services.add(NOTIFICATIONS_PER_HOUR.service);
  return [...services];
}

/**
 * A note when the mock's notifications (one per processed letter) will be more than the forecast's
 * for the letters of the window: the run's notificaties figures then say more than the forecast does.
 */
export function notificationNote(
  result: ForecastResult,
  fromMinute: number,
  toMinute: number,
  expected: readonly ExpectedVerdict[],
): string | undefined {
  const run = expected.find((e) => e.normId === NOTIFICATIONS_PER_HOUR.id)?.predicted ?? 0;
  const c = result.curves.notifIn;
  let forecast = 0;
  for (let hh = Math.floor(fromMinute / MINUTES_PER_HOUR); hh < Math.ceil(toMinute / MINUTES_PER_HOUR); hh++) {
    const a = Math.max(0, Math.min(result.horizon.minutes, hh * MINUTES_PER_HOUR));
    const b = Math.max(a, Math.min(result.horizon.minutes, (hh + 1) * MINUTES_PER_HOUR));
    forecast = Math.max(forecast, c[b]! - c[a]!);
  }
  if (run <= 0 || forecast >= run * 0.99) return undefined;
  return `the mock notifies every letter it processes: ${num(run)} notifications in the busiest hour where the forecast has ${num(forecast)}, so the run's notificaties figures are higher than the forecast's`;
}

/**
 * Writes the forecast's peak as a `defineScenario` module that `bbsim run <name>` executes against
 * the mock: flows weighted by the forecast's rates in the window, a load in norm units (perMinute),
 * the sim clock started at the window's instant, and a speed that keeps the wall rate under
 * `maxWallRate` (requests) and `maxWallLetters` and the run within `wallBudgetSeconds` — shortening
 * an hour to its busiest minutes when they cannot hold for the whole hour. A whole hour runs from a
 * little before it to a little after (LAG_GUARD_WALL_SECONDS), so k6's start-up lag does not split
 * its load over two clock hours.
 */
export function emitScenario(result: ForecastResult, opts: EmitOptions): EmittedScenario {
  const h = result.horizon;
  const hour = opts.hour ?? result.peakHour;
  const notes: string[] = [];
  const maxWallLetters = opts.maxWallLetters ?? DEFAULT_MAX_WALL_LETTERS;
  const perMinuteOf = (flow: FlowName, m: number): number => {
    switch (flow) {
      case 'deliver-batch':
        return result.series.messages[m]!;
      case 'digid-authenticate':
        return result.series.digid[m]!;
      case 'machtigen-check':
        return result.series.machtigen[m]!;
      case 'validation-query':
        return result.series.validation[m]!;
      case 'subscription-request':
        return SUBSCRIPTION_SERIES.reduce((s, k) => s + result.series[k][m]!, 0);
      default:
        return 0;
    }
  };
  const flowsAll: FlowName[] = [
    'deliver-batch',
    'digid-authenticate',
    'machtigen-check',
    'validation-query',
    'subscription-request',
  ];
  // Batches of 500 when the window's letters, run at the speed of its whole hour (or day) in the budget, come by the thousand a second.
  const span =
    opts.window === 'hour'
      ? { from: hour * MINUTES_PER_HOUR, minutes: MINUTES_PER_HOUR }
      : {
          from: h.dayHourStart[h.hourDay[hour]!]! * MINUTES_PER_HOUR,
          minutes: (h.dayHourStart[h.hourDay[hour]! + 1]! - h.dayHourStart[h.hourDay[hour]!]!) * MINUTES_PER_HOUR,
        };
  let spanPeakLetters = 0;
  for (let m = span.from; m < span.from + span.minutes; m++)
    spanPeakLetters = Math.max(spanPeakLetters, perMinuteOf('deliver-batch', m));
  const spanSpeed = (span.minutes * MINUTE) / SECOND / opts.wallBudgetSeconds;
  const batchSize =
    Math.min((spanPeakLetters / (MINUTE / SECOND)) * spanSpeed, maxWallLetters) > BULK_FROM_LETTERS_PER_SECOND
      ? BULK_BATCH_SIZE
      : EMIT_BATCH_SIZE;
  const perIteration = (f: FlowName): number => (f === 'deliver-batch' ? batchSize : 1);
  const iterationsPerMinute = (m: number): number =>
    flowsAll.reduce((s, f) => s + perMinuteOf(f, m) / perIteration(f), 0);
  /** The highest speed within both wall rates for the busiest minute of [from, to). */
  const fastest = (
    from: number,
    to: number,
  ): { speed: number; peakPerSecond: number; peakMinute: number; bound: 'requests' | 'letters' } => {
    let peakIter = 0;
    let peakLetters = 0;
    let peakMinute = from;
    for (let m = from; m < to; m++) {
      const it = iterationsPerMinute(m);
      if (it > peakIter) {
        peakIter = it;
        peakMinute = m;
      }
      peakLetters = Math.max(peakLetters, perMinuteOf('deliver-batch', m));
    }
    const peakPerSecond = peakIter / (MINUTE / SECOND);
    const byRequests = peakPerSecond > 0 ? opts.maxWallRate / peakPerSecond : Number.POSITIVE_INFINITY;
    const byLetters = peakLetters > 0 ? maxWallLetters / (peakLetters / (MINUTE / SECOND)) : Number.POSITIVE_INFINITY;
    return {
      speed: Math.min(byRequests, byLetters),
      peakPerSecond,
      peakMinute,
      bound: byLetters < byRequests ? 'letters' : 'requests',
    };
  };

  /** The forecast's minutes the rates come from. */
  let first: number;
  let minutes: number;
  /** Sim minutes of guard before them (a whole hour only): the load starts this much earlier and runs as much longer. */
  let guard = 0;
  let speed: number;
  if (opts.window === 'hour') {
    const h0 = hour * MINUTES_PER_HOUR;
    const f = fastest(h0, h0 + MINUTES_PER_HOUR);
    const guardedBudget =
      opts.wallBudgetSeconds > 2 * LAG_GUARD_WALL_SECONDS
        ? opts.wallBudgetSeconds - LAG_GUARD_WALL_SECONDS
        : opts.wallBudgetSeconds;
    const needSpeed = Math.ceil((MINUTES_PER_HOUR * MINUTE) / SECOND / guardedBudget);
    if (needSpeed <= f.speed) {
      speed = needSpeed;
      first = h0;
      minutes = MINUTES_PER_HOUR;
      guard = Math.ceil((LAG_GUARD_WALL_SECONDS * speed * SECOND) / MINUTE);
    } else {
      speed = f.speed >= 1 ? Math.floor(f.speed) : round(f.speed, 3);
      minutes = Math.max(
        MIN_WINDOW_MINUTES,
        Math.min(MINUTES_PER_HOUR, Math.floor((opts.wallBudgetSeconds * speed * SECOND) / MINUTE)),
      );
      first = Math.min(h0 + MINUTES_PER_HOUR - minutes, Math.max(h0, f.peakMinute - Math.floor(minutes / 2)));
      if (minutes === MINUTES_PER_HOUR) guard = Math.ceil((LAG_GUARD_WALL_SECONDS * speed * SECOND) / MINUTE);
    }
    if (minutes < MINUTES_PER_HOUR) {
      const whole = Math.ceil((MINUTES_PER_HOUR * MINUTE) / SECOND / opts.wallBudgetSeconds);
      notes.push(
        f.bound === 'requests'
          ? `the whole hour would need ${num(f.peakPerSecond * whole)} requests/s (speed ${whole}) to run within ${opts.wallBudgetSeconds} s, over the ${num(opts.maxWallRate)} requests/s allowed: the scenario covers its ${minutes} busiest minutes; per-hour norms see only those minutes`
          : `the whole hour would need ${num((perMinuteOf('deliver-batch', f.peakMinute) / (MINUTE / SECOND)) * whole)} letters/s (speed ${whole}) to run within ${opts.wallBudgetSeconds} s, over the ${num(maxWallLetters)} letters/s allowed (--max-wall-letters): the scenario covers its ${minutes} busiest minutes; per-hour norms see only those minutes`,
      );
    }
  } else {
    const d = h.hourDay[hour]!;
    first = h.dayHourStart[d]! * MINUTES_PER_HOUR;
    minutes = (h.dayHourStart[d + 1]! - h.dayHourStart[d]!) * MINUTES_PER_HOUR;
    if (minutes !== HOURS_PER_DAY * MINUTES_PER_HOUR)
      notes.push(
        `${h.dayKeys[d]} is a daylight-saving day of ${minutes / MINUTES_PER_HOUR} hours; a day-curve has ${HOURS_PER_DAY}`,
      );
    const f = fastest(first, first + minutes);
    const needSpeed = (minutes * MINUTE) / SECOND / opts.wallBudgetSeconds;
    if (Math.ceil(needSpeed) > f.speed) {
      // A day-curve cannot be shortened without changing what it is: refuse with the figures rather than run for an hour.
      const fitSpeed = f.speed >= 1 ? Math.floor(f.speed) : round(f.speed, 3);
      const needWall = Math.ceil((minutes * MINUTE) / SECOND / fitSpeed);
      const what =
        f.bound === 'requests'
          ? `${num(f.peakPerSecond)} requests per sim second; within --max-wall-rate ${num(opts.maxWallRate)}/s`
          : `${num(perMinuteOf('deliver-batch', f.peakMinute) / (MINUTE / SECOND))} letters per sim second; within --max-wall-letters ${num(maxWallLetters)}/s`;
      throw new ForecastInputError([
        {
          file: '--peak',
          line: 0,
          column: 0,
          message: `day: ${h.dayKeys[d]} peaks at ${what} the speed can be at most ${fitSpeed}, so the day takes ${num(needWall)} s of wall time, over --wall-budget ${num(opts.wallBudgetSeconds)} s. Use --peak hour (its busiest minutes), or --wall-budget ${needWall}`,
        },
      ]);
    }
    speed = Math.ceil(needSpeed);
  }
  const scheduled = minutes + guard;
  const wallSeconds = (scheduled * MINUTE) / SECOND / speed;
  if (wallSeconds > opts.wallBudgetSeconds * 1.01)
    notes.push(
      `at ${num(opts.maxWallRate)} requests/s and ${num(maxWallLetters)} letters/s at most this runs ${Math.round(wallSeconds)} s of wall time, over the budget of ${opts.wallBudgetSeconds} s`,
    );
  if (guard > 0)
    notes.push(
      `the load starts ${guard} sim minutes (${LAG_GUARD_WALL_SECONDS} s of wall time) before the hour and runs as much longer, so k6's start-up lag does not move part of the hour's load into the next hour`,
    );

  // Flow rates: the window's mean per minute (within an hour the spread is even, so this is exact for 'hour').
  const flows = flowsAll
    .map((flow) => {
      let total = 0;
      for (let m = first; m < first + minutes; m++) total += perMinuteOf(flow, m);
      return { flow, perMinute: total / minutes };
    })
    .filter((f) => f.perMinute > 0);
  if (flows.length === 0)
    throw new RangeError(`the forecast has no load in ${localTime(h.start + first * MINUTE)} to emit`);
  const totalPerMinute = flows.reduce((s, f) => s + f.perMinute, 0);
  let peakIterPerMinute = 0;
  for (let m = first; m < first + minutes; m++) peakIterPerMinute = Math.max(peakIterPerMinute, iterationsPerMinute(m));
  const peakWallRate = (peakIterPerMinute / (MINUTE / SECOND)) * speed;

  // Attachment share of the window's letters, weighted by each afnemer's letters in the window.
  let letters = 0;
  let withAttachment = 0;
  // Only the rows of the window's months: 400 afnemers × 18 months are 7,200 rows, of which 400 have letters in any one hour.
  const firstHour = Math.floor(first / MINUTES_PER_HOUR);
  const endHour = Math.ceil((first + minutes) / MINUTES_PER_HOUR);
  const windowMonths = new Set(
    h.months.filter((_, mi) => h.monthHourStart[mi]! < endHour && h.monthHourStart[mi + 1]! > firstHour),
  );
  for (const row of result.forecast.rows) {
    if (row.counts.messages === 0 || !windowMonths.has(row.month)) continue;
    for (let hh = firstHour; hh < endHour; hh++) {
      const x = result.spreader.afnemerHourAmount(row, 'messages', hh);
      letters += x;
      withAttachment += (x * row.attachmentSharePct) / 100;
    }
  }
  let attachmentShare = letters > 0 ? round(withAttachment / letters, 3) : 0;
  const maxShare = MAX_SHARE_WITH_ATTACHMENT.limit / 100;
  if (attachmentShare > maxShare) {
    notes.push(
      `the window's share with attachment (${(attachmentShare * 100).toFixed(1)} %) is over ${MAX_SHARE_WITH_ATTACHMENT.id}; the scenario uses ${MAX_SHARE_WITH_ATTACHMENT.limit} %`,
    );
    attachmentShare = maxShare;
  }

  // The emitted load per sim minute, all flows (what defineScenario's profile makes k6 offer).
  const perHourShares =
    opts.window === 'day'
      ? hourlyShares(
          first,
          minutes,
          flows.map((f) => f.flow),
          perMinuteOf,
        )
      : undefined;
  const emittedTotal = new Float64Array(scheduled);
  for (let m = 0; m < scheduled; m++) {
    emittedTotal[m] = perHourShares
      ? perHourShares.peak * (perHourShares.shares[Math.floor(m / MINUTES_PER_HOUR)] ?? 0)
      : totalPerMinute;
  }
  // The guard before the hour is assumed eaten by the lag: the hour is what the run should measure.
  const expected = predictVerdicts(first, guard > 0 ? emittedTotal.subarray(guard) : emittedTotal, flows);
  const letterFlow = flows.find((f) => f.flow === 'deliver-batch');
  const note = letterFlow ? notificationNote(result, first, first + minutes, expected) : undefined;
  if (note) notes.push(note);
  // The three kinds of subscription request in the window's proportions.
  let subscriptionMix = '';
  if (flows.some((f) => f.flow === 'subscription-request')) {
    const kinds = { subsAlles: 'alles', subsBsnLijst: 'bsn-lijst', subsMutatiebasis: 'mutatiebasis' } as const;
    const mix = SUBSCRIPTION_SERIES.map((k) => {
      let total = 0;
      for (let m = first; m < first + minutes; m++) total += result.series[k][m]!;
      return [kinds[k], total] as const;
    }).filter(([, total]) => total > 0);
    subscriptionMix = `, subscriptionMix: { ${mix.map(([k, total]) => `'${k}': ${total}`).join(', ')} }`;
  }

  const simStart = h.start + (first - guard) * MINUTE;
  const windowText =
    opts.window === 'day'
      ? `the day ${h.dayKeys[h.hourDay[hour]!]}`
      : minutes === MINUTES_PER_HOUR
        ? `the hour from ${localTime(h.start + first * MINUTE)}`
        : `${minutes} minutes from ${localTime(simStart)} (the busiest of the peak hour)`;
  const description = `Forecast peak from ${opts.source}: ${windowText}, ${flows.map((f) => `${num(f.perMinute)} ${f.flow}/min`).join(', ')}`;
  const load = perHourShares
    ? `{ kind: 'day-curve', peak: perMinute(${sig(perHourShares.peak)}), hourly: [${perHourShares.shares.join(', ')}] }`
    : `{ kind: 'constant', rate: perMinute(${sig(totalPerMinute)}), duration: ${durationLiteral(scheduled)} }`;
  return writeScenario(
    opts,
    {
      description,
      simStart,
      speed,
      wallSeconds,
      peakWallRate,
      notes,
      flows,
      load,
      usesMinutes: !perHourShares,
      data: `batchSize: ${batchSize}, attachmentShare: ${attachmentShare}, attachmentBytes: ${EMIT_ATTACHMENT_BYTES}${subscriptionMix}`,
      ...(letterFlow ? { normsOfServices: checkedServices(flows) } : {}),
    },
    scheduled,
    expected,
  );
}

/** A day-curve: the peak per-minute total and each local hour's share of it (4 decimals, as written). */
function hourlyShares(
  first: number,
  minutes: number,
  flows: readonly FlowName[],
  perMinuteOf: (f: FlowName, m: number) => number,
): { peak: number; shares: number[] } {
  const hours = Math.min(HOURS_PER_DAY, minutes / MINUTES_PER_HOUR);
  const perHour: number[] = [];
  for (let i = 0; i < hours; i++) {
    let s = 0;
    for (let m = first + i * MINUTES_PER_HOUR; m < first + (i + 1) * MINUTES_PER_HOUR; m++)
      for (const f of flows) s += perMinuteOf(f, m);
    perHour.push(s / MINUTES_PER_HOUR);
  }
  while (perHour.length < HOURS_PER_DAY) perHour.push(0);
  const peak = sig(Math.max(...perHour));
  return { peak, shares: perHour.map((x) => round(peak > 0 ? x / peak : 0, 4)) };
}
