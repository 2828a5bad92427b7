import { HOUR, MINUTE, SECOND, nextDailyWindowStart } from '../clock/index.ts';
import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MAX_PROCESSING_TIME,
  MAX_SHARE_WITH_ATTACHMENT,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_DAY,
  NOTIFICATIONS_PER_HOUR,
  SUBSCRIPTION_LEAD_TIME,
  SUBSCRIPTION_NIGHT,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  SUPPORTED_SUPPLIERS,
  VALIDATION_QUERIES_PER_HOUR,
  type Norm,
} from '../norms/index.ts';
import { num } from '../report/format.ts';
import { localTime } from './format.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import type { ForecastResult } from './run-forecast.ts';
import {
  BULK_BATCH_SIZE,
  DEFAULT_MAX_WALL_LETTERS,
  EMIT_ATTACHMENT_BYTES,
  LAG_GUARD_WALL_SECONDS,
  checkedServices,
  emitScenario,
  notificationNote,
  predictVerdicts,
  writeScenario,
  round,
  type EmitOptions,
  type EmittedScenario,
  type ExpectedVerdict,
} from './emit-scenario.ts';
import { durationLiteral } from './emitted-source.ts';

/** The subscription kind of each night norm, as the JSON interface names it. */
const NIGHT_KINDS: ReadonlyMap<string, { readonly norm: Norm; readonly kind: 'alles' | 'bsn-lijst' | 'mutatiebasis' }> =
  new Map([
    [SUBSCRIPTION_NIGHT_ALLES.id, { norm: SUBSCRIPTION_NIGHT_ALLES, kind: 'alles' }],
    [SUBSCRIPTION_NIGHT_BSN_LIJST.id, { norm: SUBSCRIPTION_NIGHT_BSN_LIJST, kind: 'bsn-lijst' }],
    [SUBSCRIPTION_NIGHT_MUTATIEBASIS.id, { norm: SUBSCRIPTION_NIGHT_MUTATIEBASIS, kind: 'mutatiebasis' }],
  ] as const);

/** Breaches a replay at the norm's own peak hour (emitScenario) can show: rates per second, minute or hour of requests. */
const AT_PEAK_HOUR = new Set([
  MESSAGES_PARKED_PER_SECOND.id,
  DIGID_AUTHENTICATIONS_PER_MINUTE.id,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE.id,
  VALIDATION_QUERIES_PER_HOUR.id,
]);
/** Breaches of letters or notifications per clock hour: a whole hour of letters (emitHourReplay). */
const WHOLE_HOUR = new Set([MESSAGES_PER_HOUR.id, NOTIFICATIONS_PER_HOUR.id]);
/** Properties of the forecast itself, not of a load: no run measures them. */
const NOT_A_LOAD = new Set([SUPPORTED_SUPPLIERS.id, MAX_SHARE_WITH_ATTACHMENT.id]);

/**
 * One whole clock hour of letters only (batches of 500, no attachments: size enters no rate norm),
 * `letters` of them, evenly: what makes a per-hour breach of letters (offered) or notifications
 * (the mock notifies every letter it processes, at most the 150,000 intake admits) happen in a run.
 * The speed keeps the hour within the wall budget where `maxWallLetters` allows; an hour the mock
 * cannot take that fast runs longer and says so (a per-hour count cannot be split over runs).
 */
export function emitHourReplay(
  result: ForecastResult,
  opts: EmitOptions,
  hour: number,
  letters: number,
  why: string,
): EmittedScenario {
  const h0 = hour * MINUTES_PER_HOUR;
  const notes: string[] = [];
  const maxWallLetters = opts.maxWallLetters ?? DEFAULT_MAX_WALL_LETTERS;
  const perSimSecond = letters / ((MINUTES_PER_HOUR * MINUTE) / SECOND);
  const byBudget = Math.ceil(
    (MINUTES_PER_HOUR * MINUTE) / SECOND / Math.max(1, opts.wallBudgetSeconds - LAG_GUARD_WALL_SECONDS),
  );
  const byLetters = maxWallLetters / perSimSecond;
  const byRequests = opts.maxWallRate / (perSimSecond / BULK_BATCH_SIZE);
  const fit = Math.min(byLetters, byRequests);
  const speed = byBudget <= fit ? byBudget : fit >= 1 ? Math.floor(fit) : round(fit, 3);
  const guard = Math.ceil((LAG_GUARD_WALL_SECONDS * speed * SECOND) / MINUTE);
  const scheduled = MINUTES_PER_HOUR + guard;
  const wallSeconds = (scheduled * MINUTE) / SECOND / speed;
  const peakWallRate = (perSimSecond / BULK_BATCH_SIZE) * speed;
  if (byBudget > fit) {
    notes.push(
      `the hour's ${num(letters)} letters take ${Math.round(wallSeconds)} s of wall time at ${num(byLetters <= byRequests ? maxWallLetters : opts.maxWallRate * BULK_BATCH_SIZE)} letters/s (${byLetters <= byRequests ? '--max-wall-letters' : '--max-wall-rate'}), over the budget of ${opts.wallBudgetSeconds} s: a count per clock hour cannot be split over shorter runs`,
    );
  }
  notes.push(
    `the load starts ${guard} sim minutes (${LAG_GUARD_WALL_SECONDS} s of wall time) before the hour and runs as much longer, so k6's start-up lag does not move part of the hour's load into the next hour`,
  );
  const flows = [{ flow: 'deliver-batch' as const, perMinute: letters / MINUTES_PER_HOUR }];
  const emitted = new Float64Array(MINUTES_PER_HOUR).fill(letters / MINUTES_PER_HOUR);
  const expected = predictVerdicts(h0, emitted, flows);
  const note = notificationNote(result, h0, h0 + MINUTES_PER_HOUR, expected);
  if (note) notes.push(note);
  const simStart = result.horizon.start + (h0 - guard) * MINUTE;
  const description = `Forecast replay from ${opts.source} for ${why}: the hour from ${localTime(result.horizon.start + h0 * MINUTE)}, ${num(letters)} letters (batches of ${BULK_BATCH_SIZE}, no attachments)`;
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
      load: `{ kind: 'constant', rate: perMinute(${round(letters / MINUTES_PER_HOUR, 4)}), duration: ${durationLiteral(scheduled)} }`,
      usesMinutes: true,
      data: `batchSize: ${BULK_BATCH_SIZE}, attachmentShare: 0, attachmentBytes: ${EMIT_ATTACHMENT_BYTES}`,
      normsOfServices: checkedServices(flows),
    },
    scheduled,
    expected,
  );
}

/**
 * One night's subscription requests of one kind: `count` requests offered evenly over the first
 * half of the night window from `nightStart` (the second half absorbs k6's start-up lag, so every
 * request falls in that night). The mock counts them in its night window; those over the quota it
 * plans in the next night, a lead time of most of a day, over the 4 h norm.
 */
export function emitNightReplay(
  result: ForecastResult,
  opts: EmitOptions,
  normId: string,
  nightStart: number,
  count: number,
): EmittedScenario {
  const { norm, kind } = NIGHT_KINDS.get(normId)!;
  const nightEnd = result.horizon.nights.find((n) => result.horizon.start + n.start * MINUTE === nightStart)?.end;
  const nightMinutes =
    nightEnd !== undefined ? nightEnd - (nightStart - result.horizon.start) / MINUTE : (8 * HOUR) / MINUTE;
  const minutes = Math.max(1, Math.floor(nightMinutes / 2));
  const speed = Math.max(1, Math.ceil((minutes * MINUTE) / SECOND / opts.wallBudgetSeconds));
  const wallSeconds = (minutes * MINUTE) / SECOND / speed;
  const perMinute = count / minutes;
  const flows = [{ flow: 'subscription-request' as const, perMinute }];
  const expected: ExpectedVerdict[] = [...NIGHT_KINDS.values()].map((k) => {
    const n = k.kind === kind ? count : 0;
    return { normId: k.norm.id, limit: k.norm.limit, predicted: round(n), status: n > k.norm.limit ? 'fail' : 'pass' };
  });
  // The first request over the quota arrives after `limit` of them and waits for the next night.
  const over = count > norm.limit;
  const firstOver = nightStart + ((norm.limit * minutes) / count) * MINUTE;
  const wait = over
    ? (nextDailyWindowStart(nightStart + nightMinutes * MINUTE, SUBSCRIPTION_NIGHT.from, SUBSCRIPTION_NIGHT.to) -
        firstOver) /
      SECOND
    : 0;
  expected.push({
    normId: SUBSCRIPTION_LEAD_TIME.id,
    limit: SUBSCRIPTION_LEAD_TIME.limit,
    predicted: round(wait),
    status: wait > SUBSCRIPTION_LEAD_TIME.limit ? 'fail' : 'pass',
  });
  const notes = [
    `the night's ${num(count)} ${kind} requests (those arriving since the previous night, all to be taken this night) are offered in its first ${minutes / MINUTES_PER_HOUR} hours; the rest of the night absorbs k6's start-up lag`,
  ];
  const description = `Forecast replay from ${opts.source} for ${normId}: the night from ${localTime(nightStart)}, ${num(count)} ${kind} requests`;
  return writeScenario(
    opts,
    {
      description,
      simStart: nightStart,
      speed,
      wallSeconds,
      peakWallRate: (perMinute / (MINUTE / SECOND)) * speed,
      notes,
      flows,
      load: `{ kind: 'constant', rate: perMinute(${round(perMinute, 4)}), duration: ${durationLiteral(minutes)} }`,
      usesMinutes: true,
      data: `subscriptionMix: { '${kind}': 1 }`,
    },
    minutes,
    expected,
  );
}

const fails = (e: EmittedScenario): string[] => e.expected.filter((x) => x.status === 'fail').map((x) => x.normId);

/**
 * Every predicted breach a run can measure, replayed: the peak as `opts.name`, and for each breached
 * norm whose peak that scenario does not reach, one more scenario at that norm's own peak
 * (`<name>-<norm id>`): its busiest minutes (parking, DigiD, Machtigen, validation), a whole hour of
 * letters (letters or notifications per hour), or its night (subscription quotas, and the lead time
 * of the requests over them). Each expects exactly the breaches its own load makes. What no short
 * run can show (a day of 2.5 million letters, delays of a day) is named in the notes with why,
 * never dropped silently.
 */
export function emitScenarioSet(result: ForecastResult, opts: EmitOptions): EmittedScenario {
  const main = emitScenario(result, opts);
  const predicted = result.checks.rows.filter((c) => c.status === 'fail');
  const covered = new Set(fails(main));
  const more: EmittedScenario[] = [];
  for (const c of predicted) {
    if (covered.has(c.normId) || c.peakAt === undefined) continue;
    const hour = Math.floor((c.peakAt - result.horizon.start) / HOUR);
    const name = `${opts.name}-${c.normId.replace(/\./g, '-')}`;
    let e: EmittedScenario | undefined;
    if (AT_PEAK_HOUR.has(c.normId)) e = emitScenario(result, { ...opts, window: 'hour', name, hour });
    else if (WHOLE_HOUR.has(c.normId)) e = emitHourReplay(result, { ...opts, name }, hour, c.peak, c.normId);
    else if (NIGHT_KINDS.has(c.normId)) e = emitNightReplay(result, { ...opts, name }, c.normId, c.peakAt, c.peak);
    if (!e) continue;
    more.push(e);
    for (const id of fails(e)) covered.add(id);
  }
  const notes = [...main.notes];
  const missed = predicted.filter((c) => !covered.has(c.normId) && !NOT_A_LOAD.has(c.normId));
  const maxWallLetters = opts.maxWallLetters ?? DEFAULT_MAX_WALL_LETTERS;
  for (const c of missed) {
    if (c.normId === MESSAGES_PER_DAY.id || c.normId === NOTIFICATIONS_PER_DAY.id) {
      notes.push(
        `predicted, not replayed: ${c.normId} (${num(c.peak)} a day) needs a day of letters, about ${num(Math.ceil(c.peak / maxWallLetters))} s of wall time at ${num(maxWallLetters)} letters/s`,
      );
    } else if (c.normId === MAX_PROCESSING_TIME.id) {
      notes.push(
        `predicted, not replayed: ${c.normId} (letters waiting over a day) needs the day's backlog, a run of more than a day of letters`,
      );
    } else if (c.normId === SUBSCRIPTION_LEAD_TIME.id) {
      notes.push(
        `predicted, not replayed: ${c.normId} from requests waiting for the night (no night over its quota): see the breach periods in the report`,
      );
    } else {
      notes.push(`predicted, but not reached by the emitted load within the budget: ${c.normId}`);
    }
  }
  const predictedIds = new Set(predicted.map((c) => c.normId));
  const extra = [...new Set([main, ...more].flatMap(fails))].filter((id) => !predictedIds.has(id));
  if (extra.length)
    notes.push(
      `the emitted load also breaches ${extra.join(', ')}, which the forecast does not predict (see each scenario's notes)`,
    );
  return { ...main, notes, ...(more.length ? { more } : {}) };
}
