import { NORMS, incidentPriority, resolutionTime, type Norm } from '../norms/index.ts';
import { SpeedSchedule } from '../clock/index.ts';
import type { K6Summary, ServerFigures, VerdictOrigin, VerdictRow, VerdictStatus } from '../results/verdict-row.ts';
import type { WindowStats } from '../mock/capacity/capacity-stats.ts';
import { verdictMinSamples } from './sample-size.ts';
import { binomialUpperTail } from './order-statistics.ts';
import { judgedUnderDrops } from './dropped-load.ts';

/**
 * Per service the sample behind a latency norm: requests and failed requests (the timeline's
 * totals), and where the run kept histograms, how many requests took longer than a given ms (all
 * requests: a slow failure is slow) out of how many.
 */
export type ServiceSamples = Readonly<
  Record<
    string,
    {
      readonly requests: number;
      readonly failed: number;
      readonly slower?: { readonly count: number; readonly above: (ms: number) => number };
    }
  >
>;

/** A breach on a sample too small to pass: the chance of this many slow requests if the norm held. */
const BREACH_EVIDENCE_P = 0.01;

/**
 * Evidence of a breach where the sample is too small to pass: with n requests of which k are over
 * the limit, a q-quantile within the limit would give k or more with probability
 * P(Bin(n, 1 − q) ≥ k); below BREACH_EVIDENCE_P it is a breach (for a maximum, any one request).
 */
function breachEvidence(n: Norm, s: ServiceSamples[string] | undefined): string | undefined {
  if (!s?.slower || typeof n.statistic !== 'number') return undefined;
  const k = s.slower.above(n.limit);
  const total = s.slower.count;
  if (k === 0) return undefined;
  if (n.statistic >= 100) return `${k} of ${total} requests over ${n.limit} ${n.unit}`;
  const p = binomialUpperTail(total, 1 - n.statistic / 100, k);
  return p < BREACH_EVIDENCE_P
    ? `breached even on this small sample: ${k} of ${total} requests over ${n.limit} ${n.unit}, where a p${n.statistic} within it would give so many with probability ${p.toExponential(1)}`
    : undefined;
}

type Measure = (s: ServerFigures) => [value: number | undefined, source: string];

const hours = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 3_600_000).toFixed(2)} h`);
/** Every capacity window the mock reports, from every service, in its one shape. */
function windowsOf(s: ServerFigures): WindowStats[] {
  return [
    ...(s.status?.intake?.windows ?? []),
    ...(s.digid?.capacity?.windows ?? []),
    ...(s.machtigen?.capacity?.windows ?? []),
    ...(s.validatieservice?.capacity?.windows ?? []),
    ...Object.values(s.abonnementservice?.kinds ?? {}).flatMap((k) => (k.night ? [k.night] : [])),
  ];
}

const NORM_WINDOW_SECONDS: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600 };

/**
 * A capacity norm read from the window that keeps it (by norm id): the most offered in one instance
 * of that window. A window longer than the norm's (the 45/s parking norm over 300 sim s) gives the
 * mean rate over it in the norm's unit.
 */
function windowOf(n: Norm, s: ServerFigures): [value: number | undefined, source: string] | undefined {
  const w = windowsOf(s).find((x) => x.normId === n.id);
  if (!w) return undefined;
  const normSeconds = n.window === undefined ? undefined : NORM_WINDOW_SECONDS[n.window];
  const scaled = w.seconds !== null && normSeconds !== undefined && w.seconds !== normSeconds;
  const value = scaled ? (w.peakOffered * normSeconds) / w.seconds! : w.peakOffered;
  return [
    value,
    `mock (window of ${n.id}): offered in the busiest sim ${w.window}${scaled ? `, per ${n.window}` : ''}${WINDOW_CONTEXT[n.id]?.(s) ?? ''}`,
  ];
}

/** What the source of a capacity row adds: how far the mock's answer to the load went. */
const WINDOW_CONTEXT: Readonly<Record<string, (s: ServerFigures) => string>> = {
  'berichtenbox.parked-per-second': (s) =>
    `; longest parking delay ${((s.status?.intake?.maxParkingDelayMs ?? 0) / 1000).toFixed(0)} sim s`,
};

/**
 * Norms measured from the mock's own figures (sim time) that are not a capacity window: notification
 * demand (the store's counters), lead and processing times. A capacity norm holds when the load
 * offered in its busiest window fits it (windowOf): over it, the mock refuses, queues or carries
 * over, and the source says how far that went.
 */
const FROM_SERVER: Readonly<Record<string, Measure>> = {
  'notificaties.per-hour': (s) => [
    s.status?.notifications?.peaks?.enqueuedPerHour,
    `mock /status notifications.peaks.enqueuedPerHour (busiest sim hour); longest notification delay ${hours(s.status?.notifications?.maxDelayMs)}`,
  ],
  'notificaties.per-day': (s) => {
    const carried = Object.values(s.status?.notifications?.carriedOverByDay ?? {}).reduce((a, b) => a + b, 0);
    return [
      s.status?.notifications?.peaks?.enqueuedPerDay,
      `mock /status notifications.peaks.enqueuedPerDay (busiest sim day); ${carried} carried over to a later day`,
    ];
  },
  'abonnementservice.lead-time': (s) => {
    const kinds = Object.values(s.abonnementservice?.kinds ?? {});
    if (kinds.length === 0) return [undefined, 'mock /abonnementservice/v1/stats'];
    // Answered requests by their lead time, waiting ones by the lead time the mock has planned for them.
    const ms = Math.max(...kinds.map((k) => Math.max(k.maxLeadTimeMs ?? 0, k.maxPlannedLeadTimeMs ?? 0)));
    return [ms / 1000, 'mock /abonnementservice/v1/stats max of maxLeadTimeMs and maxPlannedLeadTimeMs (sim s)'];
  },
  'berichtenbox.max-processing-time': (s) => {
    const ms = s.status?.intake?.maxProcessingDelayMs;
    return [ms === undefined ? undefined : ms / 1000, 'mock /status intake.maxProcessingDelayMs (sim s)'];
  },
};

/** Norms no load run measures: properties of the service's design, operation or documents. */
const NOT_BY_LOAD: ReadonlySet<Norm['quantity']> = new Set(['count', 'share', 'size']);

function statKey(n: Norm): string | undefined {
  if (n.statistic === 'avg') return 'avg';
  if (n.statistic === 100) return 'max';
  if (typeof n.statistic === 'number') return `p(${n.statistic})`;
  return undefined;
}

/**
 * One row per checked norm. Latency norms are read from k6's per-service submetrics (the thresholds
 * the generator wrote); the DigiD/Machtigen "average within 4 s for 99.5 %" reads the share of sim
 * minutes from the mock; the 24 h processing norm reads the mock's largest processing delay. Norms
 * this run cannot measure say so rather than pass silently, and so does a pass where the generator
 * dropped more than 1 % of the load (dropped-load.ts).
 */
export function verdictRows(
  normIds: readonly string[],
  k6: K6Summary,
  server: ServerFigures,
  samples: ServiceSamples,
): VerdictRow[] {
  const schedule = SpeedSchedule.fromJSON(server.status?.schedule);
  const rows = judgedUnderDrops(judgedRows(normIds, k6, server, samples), k6);
  if (!schedule || schedule.isConstant) return rows;
  return rows.map((r) => {
    const n = NORMS.find((x) => x.id === r.normId);
    const replay = n ? replayOf(n, server, schedule) : undefined;
    return replay ? { ...r, replay } : r;
  });
}

/**
 * Under a speed schedule, at which speed a norm was replayed: a capacity norm at the speeds its
 * busiest window ran at (from the window's sim start over its length); a latency norm (wall time)
 * over every speed of the run, faithful at each because the mock serves with the real system's
 * workers × the speed now, so a request meets the utilisation the real one would — though with s
 * times the workers a queue near saturation drains more smoothly than the real one, so the slowest
 * speed (where the schedule puts the peak) is the nearest to the real queueing.
 */
function replayOf(n: Norm, server: ServerFigures, schedule: SpeedSchedule): VerdictRow['replay'] | undefined {
  const all = [...new Set(schedule.segments.map((x) => x.speed))].sort((a, b) => a - b);
  if (n.quantity === 'latency') {
    return {
      speeds: all,
      faithful: true,
      note: `wall time over speeds ${all.join(', ')}: faithful at each (the mock's workers follow the speed, the utilisation is the real one); the slowest, ${all[0]}, is the nearest to the real queueing`,
    };
  }
  const w = windowsOf(server).find((x) => x.normId === n.id);
  if (!w?.peakAt) return undefined;
  const from = Date.parse(w.peakAt);
  const len = (w.seconds ?? (w.window === 'day' ? 24 * 3600 : 8 * 3600)) * 1000;
  const speeds = [
    schedule.speedAt(from),
    ...schedule.boundariesBetween(from, from + len).map((b) => schedule.speedAt(b)),
  ];
  const distinct = [...new Set(speeds)];
  const speed = distinct.length === 1 ? distinct[0]! : undefined;
  return {
    ...(speed !== undefined ? { speed } : { speeds: distinct }),
    peakAt: w.peakAt,
    note: `busiest ${w.window} from ${w.peakAt} (sim) replayed at speed ${distinct.join(' → ')}`,
  };
}

function judgedRows(
  normIds: readonly string[],
  k6: K6Summary,
  server: ServerFigures,
  samples: ServiceSamples,
): VerdictRow[] {
  return NORMS.filter((n) => normIds.includes(n.id)).map((n) => {
    let measured: number | undefined;
    let source = '—';
    let origin: VerdictOrigin | undefined;
    const key = statKey(n);
    if (n.quantity === 'latency' && key) {
      const metric = k6.metrics[`http_req_duration{service:${n.service}}`];
      measured = metric?.values[key];
      source = `k6 http_req_duration{service:${n.service}} ${key}`;
      origin = 'load';
      // No sample, no pass: a dead target's "latency" is the time to a refused connection.
      const s = samples[n.service];
      const ok = s ? s.requests - s.failed : 0;
      const need = verdictMinSamples(n.statistic);
      if (ok < need) {
        const evidence = breachEvidence(n, s);
        if (evidence !== undefined) return row(n, measured, `${source}; ${evidence}`, false, origin);
        const why =
          ok === 0
            ? `no successful ${n.service} request in this run${s && s.requests > 0 ? ` (all ${s.requests} failed)` : ' (none was sent)'}`
            : `too few samples: ${ok} successful ${n.service} requests${s && s.failed > 0 ? ` (${s.failed} failed)` : ''}, a ${key === 'avg' ? 'mean' : key === 'max' ? 'maximum' : key} needs at least ${need}`;
        return row(n, undefined, `${source}: ${why}`, undefined, origin, why);
      }
      const capacity =
        n.service === 'digid'
          ? server.digid?.capacity
          : n.service === 'digid-machtigen'
            ? server.machtigen?.capacity
            : undefined;
      const share = capacity?.minutes.withinNormPercent;
      if (n.attainment !== undefined && share !== undefined && share !== null) {
        // "average within 4 s for 99.5 %": the share of sim minutes whose mean is within the limit.
        const ok = share >= n.attainment;
        return row(
          n,
          measured,
          `${source}; ${share.toFixed(2)} % of sim minutes within (mock)`,
          ok && (measured === undefined || measured <= n.limit),
          origin,
        );
      }
    } else if (n.quantity === 'rate' && !FROM_SERVER[n.id]) {
      // A capacity norm: the window that carries its id, whichever service reports it.
      [measured, source] = windowOf(n, server) ?? [
        undefined,
        `mock (window of ${n.id}): capacity.windows in /stats or intake.windows in /status`,
      ];
      origin = 'server';
    } else if (FROM_SERVER[n.id]) {
      [measured, source] = FROM_SERVER[n.id]!(server);
      origin = 'server';
    } else if (n.quantity === 'availability') {
      // MijnOverheid's 99 % covers the Berichtenbox services: the lowest of them counts.
      const services =
        n.service === 'mijnoverheid'
          ? ['berichtenbox-intake', 'presentatie', 'validatieservice', 'abonnementservice']
          : [n.service];
      const figures = (server.availability?.services ?? [])
        .filter((s) => services.includes(s.service))
        .map((s) => s.availabilityPercent);
      measured = figures.length ? Math.min(...figures) : undefined;
      source = 'mock /availability (SNO formula, sim month)';
      origin = 'server';
    } else if (NOT_BY_LOAD.has(n.quantity) || n.quantity === 'duration') {
      source = 'a property of the service (design, operation or documents), not measured by a load run';
    }
    if (measured === undefined) {
      if (source.startsWith('a property')) return row(n, undefined, source, undefined);
      const why = source === '—' ? 'not measured by this run' : noFigureReason(server);
      return row(n, undefined, source === '—' ? why : `${source}: no figure`, undefined, origin, why);
    }
    return row(n, measured, source, n.bound === 'max' ? measured <= n.limit : measured >= n.limit, origin);
  });
}

/** Why a server figure is missing: the endpoints that failed to answer, else a target that is not the bbsim mock. */
function noFigureReason(server: ServerFigures): string {
  const failed = Object.entries(server.unanswered ?? {});
  if (failed.length === 0) return 'the target reported no figure (is it the bbsim mock?)';
  return `the target did not answer its figures: ${failed.map(([path, why]) => `GET ${path} ${why}`).join('; ')}`;
}

function row(
  n: Norm,
  measured: number | undefined,
  source: string,
  ok: boolean | undefined,
  origin?: VerdictOrigin,
  unjudged?: string,
): VerdictRow {
  const margin = measured === undefined ? undefined : n.bound === 'max' ? n.limit - measured : measured - n.limit;
  const status: VerdictStatus = ok === undefined ? 'not-measured' : ok ? 'pass' : 'fail';
  const base = {
    normId: n.id,
    title: n.title,
    limit: n.limit,
    unit: n.unit,
    measured,
    margin,
    status,
    source,
    ...(origin !== undefined ? { origin } : {}),
    citation: `${n.citation.doc} §${n.citation.section}: "${n.citation.quote}"`,
    ...(unjudged !== undefined ? { unjudged } : {}),
  };
  if (status !== 'fail') return base;
  // A norm breach makes a service deliver worse than agreed: impact midden (a koppelvlak/function
  // degrades), urgency hoog for capacity and latency norms — the SNO matrix then gives priority 2.
  const priority = incidentPriority('hoog', 'midden');
  const r = resolutionTime(n.service, priority);
  return {
    ...base,
    priority: { priority, resolution: `${r.hours} ${r.hourKind === 'klok' ? 'clock' : 'office'} hours` },
  };
}

/** No norm breached (unjudged norms are not breaches: see allJudged). */
export function allHold(rows: readonly VerdictRow[]): boolean {
  return rows.every((r) => r.status !== 'fail');
}

/** Every norm the run was meant to judge was judged. */
export function allJudged(rows: readonly VerdictRow[]): boolean {
  return rows.every((r) => r.unjudged === undefined);
}
