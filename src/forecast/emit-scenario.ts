import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { MINUTE, SECOND } from '../clock/index.ts';
import {
  BATCH_LETTERS, DIGID_AUTHENTICATIONS_PER_MINUTE, MACHTIGEN_TRANSACTIONS_PER_MINUTE, MAX_SHARE_WITH_ATTACHMENT, MESSAGES_PARKED_PER_SECOND, MESSAGES_PER_DAY, MESSAGES_PER_HOUR,
  SUPPORTED_SUPPLIERS, VALIDATION_QUERIES_PER_HOUR, type Norm,
} from '../norms/index.ts';
import type { FlowName } from '../scenario/index.ts';
import { num } from '../report/format.ts';
import { isoLocal, localTime } from './format.ts';
import { ForecastInputError } from './input-error.ts';
import { HOURS_PER_DAY, MINUTES_PER_HOUR } from './horizon.ts';
import type { ForecastResult } from './run-forecast.ts';
import { SUBSCRIPTION_SERIES } from './simulate-queues.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** Letters per deliver-batch iteration: a tenth of the largest batch keeps requests few and bodies small. */
const EMIT_BATCH_SIZE = BATCH_LETTERS.max / 10;
/** Attachment size in the replay: small PDFs keep it light; size enters no rate norm. */
const EMIT_ATTACHMENT_BYTES = 20_000;
/** At least this many sim minutes, so one whole sim minute runs at the plateau whatever k6's start-up lag. */
const MIN_WINDOW_MINUTES = 2;

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
  /** The forecast file, named in the emitted file's header. */
  readonly source: string;
  /** Emit this hour (index in the horizon) instead of the peak hour. */
  readonly hour?: number;
  /** Replace an existing file even when this emitter did not write it from the same forecast. */
  readonly overwrite?: boolean;
}

/** The first line of every emitted file; a file without it (or from another forecast) is not ours to replace. */
const EMITTED_MARK = '// Emitted by `bbsim forecast --emit-scenario` from ';

/** A scenario file the emitter will not replace, and why. */
export class EmitRefusedError extends CodedError {
  readonly code = ERROR_CODES.EMIT_REFUSED;
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'EmitRefusedError';
  }
}

/**
 * Refuses to replace a file this emitter did not write from the same forecast (a hand-written
 * scenario, or the shipped, committed forecast-peak.ts when another forecast is emitted): the
 * capacity manager names another scenario or says --overwrite.
 */
export function checkEmitTarget(file: string, source: string, overwrite: boolean): void {
  if (overwrite || !existsSync(file)) return;
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  if (!first.startsWith(EMITTED_MARK)) {
    throw new EmitRefusedError(file, 'exists and was not written by `bbsim forecast --emit-scenario`: not replaced (choose another --scenario-name, or --overwrite)');
  }
  const from = first.slice(EMITTED_MARK.length).replace(/ — regenerate rather than edit\.$/, '');
  if (from !== source) {
    throw new EmitRefusedError(file, `was emitted from ${from}, not from ${source}: not replaced (choose another --scenario-name, or --overwrite)`);
  }
}

/** How the emitted file writes a duration of sim minutes: the DSL's unit helper, the one place that writes it. */
export function durationLiteral(minutes: number): string {
  return `minutes(${minutes})`;
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

/** Rate norms the run's verdict reads from the mock's busiest window of what was offered (src/run/verdict.ts). */
const MEASURED: readonly { norm: Norm; flow: FlowName; window: 'minute' | 'hour' | 'day'; scale?: number }[] = [
  // The mock counts letters offered in its busiest parking window of seconds; the emitted load is even within a sim minute.
  { norm: MESSAGES_PARKED_PER_SECOND, flow: 'deliver-batch', window: 'minute', scale: 1 / (MINUTE / SECOND) },
  { norm: DIGID_AUTHENTICATIONS_PER_MINUTE, flow: 'digid-authenticate', window: 'minute' },
  { norm: MACHTIGEN_TRANSACTIONS_PER_MINUTE, flow: 'machtigen-check', window: 'minute' },
  { norm: VALIDATION_QUERIES_PER_HOUR, flow: 'validation-query', window: 'hour' },
  { norm: MESSAGES_PER_HOUR, flow: 'deliver-batch', window: 'hour' },
  { norm: MESSAGES_PER_DAY, flow: 'deliver-batch', window: 'day' },
];

/** The norms an emitted scenario can replay (the run's verdict measures them from the mock). */
export const REPLAYABLE_NORMS: readonly string[] = MEASURED.map((m) => m.norm.id);

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
/** Six significant digits: exact enough for a rate, short enough to read. */
const sig = (x: number): number => Number(x.toPrecision(6));

/**
 * Writes the forecast's peak as a `defineScenario` module that `bbsim run <name>` executes against
 * the mock: flows weighted by the forecast's rates in the window, a load in norm units (perMinute),
 * the sim clock started at the window's instant, and a speed that keeps the wall rate under
 * `maxWallRate` and the run within `wallBudgetSeconds` — shortening an hour to its busiest
 * minutes when both cannot hold for the whole hour.
 */
export function emitScenario(result: ForecastResult, opts: EmitOptions): EmittedScenario {
  const h = result.horizon;
  const hour = opts.hour ?? result.peakHour;
  const notes: string[] = [];
  const perMinuteOf = (flow: FlowName, m: number): number => {
    switch (flow) {
      case 'deliver-batch': return result.series.messages[m]!;
      case 'digid-authenticate': return result.series.digid[m]!;
      case 'machtigen-check': return result.series.machtigen[m]!;
      case 'validation-query': return result.series.validation[m]!;
      case 'subscription-request': return SUBSCRIPTION_SERIES.reduce((s, k) => s + result.series[k][m]!, 0);
      default: return 0;
    }
  };
  const flowsAll: FlowName[] = ['deliver-batch', 'digid-authenticate', 'machtigen-check', 'validation-query', 'subscription-request'];
  const perIteration = (f: FlowName): number => (f === 'deliver-batch' ? EMIT_BATCH_SIZE : 1);
  const iterationsPerMinute = (m: number): number => flowsAll.reduce((s, f) => s + perMinuteOf(f, m) / perIteration(f), 0);

  let first: number;
  let minutes: number;
  let speed: number;
  if (opts.window === 'hour') {
    const h0 = hour * MINUTES_PER_HOUR;
    let peakIter = 0;
    let peakMinute = h0;
    for (let m = h0; m < h0 + MINUTES_PER_HOUR; m++) {
      const it = iterationsPerMinute(m);
      if (it > peakIter) { peakIter = it; peakMinute = m; }
    }
    const peakPerSecond = peakIter / (MINUTE / SECOND);
    const maxSpeed = peakPerSecond > 0 ? opts.maxWallRate / peakPerSecond : Number.POSITIVE_INFINITY;
    const needSpeed = (MINUTES_PER_HOUR * MINUTE) / SECOND / opts.wallBudgetSeconds;
    if (Math.ceil(needSpeed) <= maxSpeed) {
      speed = Math.ceil(needSpeed);
      first = h0;
      minutes = MINUTES_PER_HOUR;
    } else {
      speed = maxSpeed >= 1 ? Math.floor(maxSpeed) : round(maxSpeed, 3);
      minutes = Math.max(MIN_WINDOW_MINUTES, Math.min(MINUTES_PER_HOUR, Math.floor((opts.wallBudgetSeconds * speed * SECOND) / MINUTE)));
      first = Math.min(h0 + MINUTES_PER_HOUR - minutes, Math.max(h0, peakMinute - Math.floor(minutes / 2)));
      notes.push(`the whole hour would need ${num(peakPerSecond * Math.ceil(needSpeed))} requests/s (speed ${Math.ceil(needSpeed)}) to run within ${opts.wallBudgetSeconds} s, over the ${num(opts.maxWallRate)} requests/s allowed: the scenario covers its ${minutes} busiest minutes; per-hour norms see only those minutes`);
    }
  } else {
    const d = h.hourDay[hour]!;
    first = h.dayHourStart[d]! * MINUTES_PER_HOUR;
    minutes = (h.dayHourStart[d + 1]! - h.dayHourStart[d]!) * MINUTES_PER_HOUR;
    if (minutes !== HOURS_PER_DAY * MINUTES_PER_HOUR) notes.push(`${h.dayKeys[d]} is a daylight-saving day of ${minutes / MINUTES_PER_HOUR} hours; a day-curve has ${HOURS_PER_DAY}`);
    let peakIter = 0;
    for (let m = first; m < first + minutes; m++) peakIter = Math.max(peakIter, iterationsPerMinute(m));
    const peakPerSecond = peakIter / (MINUTE / SECOND);
    const maxSpeed = peakPerSecond > 0 ? opts.maxWallRate / peakPerSecond : Number.POSITIVE_INFINITY;
    const needSpeed = (minutes * MINUTE) / SECOND / opts.wallBudgetSeconds;
    if (Math.ceil(needSpeed) > maxSpeed) {
      // A day-curve cannot be shortened without changing what it is: refuse with the figures rather than run for an hour.
      const fitSpeed = maxSpeed >= 1 ? Math.floor(maxSpeed) : round(maxSpeed, 3);
      const needWall = Math.ceil((minutes * MINUTE) / SECOND / fitSpeed);
      throw new ForecastInputError([{ file: '--peak', line: 0, column: 0, message: `day: ${h.dayKeys[d]} peaks at ${num(peakPerSecond)} requests per sim second; within --max-wall-rate ${num(opts.maxWallRate)}/s the speed can be at most ${fitSpeed}, so the day takes ${num(needWall)} s of wall time, over --wall-budget ${num(opts.wallBudgetSeconds)} s. Use --peak hour (its busiest minutes), or --wall-budget ${needWall}` }]);
    }
    speed = Math.ceil(needSpeed);
  }
  const wallSeconds = (minutes * MINUTE) / SECOND / speed;
  if (wallSeconds > opts.wallBudgetSeconds * 1.01) notes.push(`at ${opts.maxWallRate} requests/s at most this runs ${Math.round(wallSeconds)} s of wall time, over the budget of ${opts.wallBudgetSeconds} s`);

  // Flow rates: the window's mean per minute (within an hour the spread is even, so this is exact for 'hour').
  const flows = flowsAll.map((flow) => {
    let total = 0;
    for (let m = first; m < first + minutes; m++) total += perMinuteOf(flow, m);
    return { flow, perMinute: total / minutes };
  }).filter((f) => f.perMinute > 0);
  if (flows.length === 0) throw new RangeError(`the forecast has no load in ${localTime(h.start + first * MINUTE)} to emit`);
  const totalPerMinute = flows.reduce((s, f) => s + f.perMinute, 0);
  let peakIterPerMinute = 0;
  for (let m = first; m < first + minutes; m++) peakIterPerMinute = Math.max(peakIterPerMinute, iterationsPerMinute(m));
  const peakWallRate = (peakIterPerMinute / (MINUTE / SECOND)) * speed;

  // Attachment share of the window's letters, weighted by each afnemer's letters in the window.
  let letters = 0;
  let withAttachment = 0;
  for (const row of result.forecast.rows) {
    if (row.counts.messages === 0) continue;
    for (let hh = Math.floor(first / MINUTES_PER_HOUR); hh < Math.ceil((first + minutes) / MINUTES_PER_HOUR); hh++) {
      const x = result.spreader.afnemerHourAmount(row, 'messages', hh);
      letters += x;
      withAttachment += (x * row.attachmentSharePct) / 100;
    }
  }
  let attachmentShare = letters > 0 ? round(withAttachment / letters, 3) : 0;
  const maxShare = MAX_SHARE_WITH_ATTACHMENT.limit / 100;
  if (attachmentShare > maxShare) {
    notes.push(`the window's share with attachment (${(attachmentShare * 100).toFixed(1)} %) is over ${MAX_SHARE_WITH_ATTACHMENT.id}; the scenario uses ${MAX_SHARE_WITH_ATTACHMENT.limit} %`);
    attachmentShare = maxShare;
  }

  // The emitted load per sim minute, all flows (what defineScenario's profile makes k6 offer).
  const perHourShares = opts.window === 'day' ? hourlyShares(first, minutes, flows.map((f) => f.flow), perMinuteOf) : undefined;
  const emittedTotal = new Float64Array(minutes);
  for (let m = 0; m < minutes; m++) {
    emittedTotal[m] = perHourShares ? perHourShares.peak * (perHourShares.shares[Math.floor(m / MINUTES_PER_HOUR)] ?? 0) : totalPerMinute;
  }
  // What the run's verdict should measure: each flow's share of it in the busiest sim minute, clock hour or day.
  const expected: ExpectedVerdict[] = [];
  for (const { norm, flow, window, scale } of MEASURED) {
    const f = flows.find((x) => x.flow === flow);
    if (!f) continue;
    const share = f.perMinute / totalPerMinute;
    const byWindow = new Map<number, number>();
    for (let m = 0; m < minutes; m++) {
      const key = window === 'minute' ? m : window === 'hour' ? Math.floor((first + m) / MINUTES_PER_HOUR) : 0;
      byWindow.set(key, (byWindow.get(key) ?? 0) + emittedTotal[m]! * share);
    }
    const predicted = Math.max(...byWindow.values()) * (scale ?? 1);
    expected.push({ normId: norm.id, limit: norm.limit, predicted: round(predicted), status: predicted > norm.limit ? 'fail' : 'pass' });
  }
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

  const breaches = expected.filter((e) => e.status === 'fail').map((e) => e.normId);
  const simStart = h.start + first * MINUTE;
  const importBase = relative(opts.scenariosDir, opts.srcDir).split(sep).join('/') || '.';
  const windowText = opts.window === 'day' ? `the day ${h.dayKeys[h.hourDay[hour]!]}` : minutes === MINUTES_PER_HOUR ? `the hour from ${localTime(simStart)}` : `${minutes} minutes from ${localTime(simStart)} (the busiest of the peak hour)`;
  const description = `Forecast peak from ${opts.source}: ${windowText}, ${flows.map((f) => `${num(f.perMinute)} ${f.flow}/min`).join(', ')}`;
  const load = perHourShares
    ? `{ kind: 'day-curve', peak: perMinute(${sig(perHourShares.peak)}), hourly: [${perHourShares.shares.join(', ')}] }`
    : `{ kind: 'constant', rate: perMinute(${sig(totalPerMinute)}), duration: ${durationLiteral(minutes)} }`;
  const source = `${EMITTED_MARK}${opts.source} — regenerate rather than edit.
// ${description}.
// Sim clock ${isoLocal(simStart)} at speed ${speed}: about ${Math.round(wallSeconds)} s of wall time, at most ${num(peakWallRate)} requests/s.
// Flow weights are the forecast's rates per sim minute in each flow's unit (letters for deliver-batch).
${notes.map((n) => `// Note: ${n}.\n`).join('')}import { defineScenario${perHourShares ? '' : ', minutes'} } from '${importBase}/scenario/index.ts';
import { perMinute } from '${importBase}/norms/index.ts';

export default defineScenario({
  name: '${opts.name}',
  description: ${JSON.stringify(description)},
  clock: { start: '${isoLocal(simStart)}', speed: ${speed} },
  flows: [
${flows.map((f) => `    { flow: '${f.flow}', weight: ${sig(f.perMinute)} },`).join('\n')}
  ],
  load: ${load},
  data: { batchSize: ${EMIT_BATCH_SIZE}, attachmentShare: ${attachmentShare}, attachmentBytes: ${EMIT_ATTACHMENT_BYTES}${subscriptionMix} },
${breaches.length > 0 ? `  // The forecast predicts these breaches; \`bbsim run\` says whether the run agrees.\n  expectBreaches: [${breaches.map((id) => `'${id}'`).join(', ')}],\n` : ''}});
`;
  const file = join(opts.scenariosDir, `${opts.name}.ts`);
  checkEmitTarget(file, opts.source, opts.overwrite ?? false);
  mkdirSync(opts.scenariosDir, { recursive: true });
  writeFileSync(file, source);
  return { file, name: opts.name, source, simStart, simMinutes: minutes, speed, wallSeconds, peakWallRate, flows, expected, notes };
}

/** A day-curve: the peak per-minute total and each local hour's share of it (4 decimals, as written). */
function hourlyShares(first: number, minutes: number, flows: readonly FlowName[], perMinuteOf: (f: FlowName, m: number) => number): { peak: number; shares: number[] } {
  const hours = Math.min(HOURS_PER_DAY, minutes / MINUTES_PER_HOUR);
  const perHour: number[] = [];
  for (let i = 0; i < hours; i++) {
    let s = 0;
    for (let m = first + i * MINUTES_PER_HOUR; m < first + (i + 1) * MINUTES_PER_HOUR; m++) for (const f of flows) s += perMinuteOf(f, m);
    perHour.push(s / MINUTES_PER_HOUR);
  }
  while (perHour.length < HOURS_PER_DAY) perHour.push(0);
  const peak = sig(Math.max(...perHour));
  return { peak, shares: perHour.map((x) => round(peak > 0 ? x / peak : 0, 4)) };
}

/**
 * Every predicted breach a run can measure, replayed: the peak as `opts.name`, and for each breached
 * norm whose peak that scenario does not reach, one more scenario at that norm's own peak hour
 * (`<name>-<norm>`), each within the wall budget and expecting exactly the breaches its load makes.
 * Breaches a short run cannot show (notification queues, night quotas, delays of hours) are named in
 * the notes, never dropped silently.
 */
export function emitScenarioSet(result: ForecastResult, opts: EmitOptions): EmittedScenario {
  const main = emitScenario(result, opts);
  const predicted = result.checks.rows.filter((c) => c.status === 'fail');
  const covered = new Set(main.expected.filter((e) => e.status === 'fail').map((e) => e.normId));
  const more: EmittedScenario[] = [];
  if (opts.window === 'hour') {
    for (const c of predicted) {
      if (!REPLAYABLE_NORMS.includes(c.normId) || covered.has(c.normId) || c.peakAt === undefined) continue;
      const hour = Math.floor((c.peakAt - result.horizon.start) / (MINUTES_PER_HOUR * MINUTE));
      const e = emitScenario(result, { ...opts, name: `${opts.name}-${c.normId.split('.').pop()!}`, hour });
      more.push(e);
      for (const x of e.expected) if (x.status === 'fail') covered.add(x.normId);
    }
  }
  const notes = [...main.notes];
  const missed = predicted.filter((c) => REPLAYABLE_NORMS.includes(c.normId) && !covered.has(c.normId)).map((c) => c.normId);
  if (missed.length) notes.push(`predicted, but not reached by the emitted load within the budget: ${missed.join(', ')}`);
  const notReplayable = predicted.filter((c) => !REPLAYABLE_NORMS.includes(c.normId) && c.normId !== SUPPORTED_SUPPLIERS.id && c.normId !== MAX_SHARE_WITH_ATTACHMENT.id).map((c) => c.normId);
  if (notReplayable.length) notes.push(`predicted, but not replayed by a scenario of ${opts.wallBudgetSeconds} s (queues over hours and nights): ${notReplayable.join(', ')}; see the breach periods in the report`);
  return { ...main, notes, ...(more.length ? { more } : {}) };
}
