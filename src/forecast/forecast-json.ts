import { dailyTable } from './daily-table.ts';
import type { EmittedScenario } from './emit-scenario.ts';
import { headroomText, humanSeconds, isoLocal, limitText, peakText } from './format.ts';
import { HOUR_NORMS } from './hourly-table.ts';
import { breachPeriods, peakContributors } from './peak-contributors.ts';
import { queueSummary } from './queue-summary.ts';
import type { ForecastResult } from './run-forecast.ts';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : isoLocal(ms));
const finite = (x: number): number | string =>
  Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x > 0 ? 'Infinity' : '-Infinity';

/** The forecast's result as one JSON document (forecast.json): everything but the per-hour table (hours.csv). */
export function forecastJson(r: ForecastResult, emitted?: EmittedScenario): Record<string, unknown> {
  const q = queueSummary(r);
  const withIso = <T extends { at?: number }>(x: T): Omit<T, 'at'> & { at?: string } => {
    const { at, ...rest } = x;
    return { ...rest, ...(at !== undefined ? { at: isoLocal(at) } : {}) };
  };
  return {
    tool: 'bbsim forecast',
    forecast: r.forecast.file,
    horizon: {
      from: r.forecast.months[0],
      to: r.forecast.months[r.forecast.months.length - 1],
      months: r.forecast.months.length,
      days: r.horizon.days,
      hours: r.horizon.hours,
      minutes: r.horizon.minutes,
      afnemers: r.forecast.afnemers.length,
      start: iso(r.horizon.start),
      end: iso(r.horizon.end),
    },
    breached: r.breached,
    warnings: r.warnings,
    checks: r.checks.rows.map(({ periods, ...c }) => ({
      ...c,
      peak: finite(c.peak),
      headroomPct: finite(c.headroomPct),
      excess: finite(c.excess),
      peakAt: iso(c.peakAt),
      peakText: peakText(c),
      limitText: limitText(c),
      headroomText: headroomText(c),
      periods: periods.length,
    })),
    // Every period over a norm: from – to, peak, how far over, who (the afnemers of the load the norm counted there).
    breachPeriods: breachPeriods(r).map(({ loadFrom: _a, loadTo: _b, ...p }) => ({
      ...p,
      from: isoLocal(p.from),
      to: isoLocal(p.to),
      peakAt: isoLocal(p.peakAt),
      peak: finite(p.peak),
      overPct: finite(p.overPct),
      ...(p.unit === 's' ? { peakText: humanSeconds(p.peak), timesNorm: finite(p.peak / p.limit) } : {}),
    })),
    queues: {
      ...q,
      intakeBacklog: withIso(q.intakeBacklog),
      parkingBacklog: withIso(q.parkingBacklog),
      notificationBacklog: withIso(q.notificationBacklog),
      processing: withIso(q.processing),
      notification: withIso(q.notification),
      subscriptions: Object.fromEntries(Object.entries(q.subscriptions).map(([k, v]) => [k, withIso(v)])),
    },
    traces: r.traces.map((t) => ({
      text: t.text,
      offeredAt: iso(t.offeredAt),
      letters: t.letters,
      refused: t.refused,
      admittedAt: iso(t.admittedAt),
      parkedAt: iso(t.parkedAt),
      notifiedAt: iso(t.notifiedAt),
    })),
    peakContributors: peakContributors(r).map((p) => ({ ...p, from: isoLocal(p.from), to: isoLocal(p.to) })),
    worstHours: r.worstHours.map((w) => ({
      start: iso(w.start),
      utilisationPct: finite(w.utilisationPct),
      normId: w.normId,
    })),
    hourNorms: HOUR_NORMS.map((n) => n.id),
    digidForecastDuties: { forecast: r.duties, ...(r.actualDuties ? { actuals: r.actualDuties } : {}) },
    ...(r.actuals
      ? {
          actuals: {
            ...r.actuals,
            rows: r.actuals.rows.map((x) => ({ ...x, deviationPct: finite(x.deviationPct) })),
            failing: r.actuals.rows.filter((x) => x.status === 'fail').length,
          },
        }
      : {}),
    ...(emitted
      ? {
          emittedScenario: scenarioJson(emitted),
          ...(emitted.more?.length ? { moreEmittedScenarios: emitted.more.map(scenarioJson) } : {}),
        }
      : {}),
    days: dailyTable(r.horizon, r.hourly),
  };
}

function scenarioJson(e: EmittedScenario): Record<string, unknown> {
  return {
    file: e.file,
    name: e.name,
    simStart: iso(e.simStart),
    simMinutes: e.simMinutes,
    speed: e.speed,
    wallSeconds: e.wallSeconds,
    peakWallRate: e.peakWallRate,
    flows: e.flows,
    expected: e.expected,
    notes: e.notes,
  };
}
