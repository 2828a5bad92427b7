import { scenarioData, thresholdsOf, vuPools, type DataOptions } from '../k6gen/index.ts';
import { NORMS } from '../norms/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { createClient, type ClientOptions, type ClientTls, type HttpClient } from './client.ts';
import { NativeEngine } from './engine.ts';
import type { EngineResult } from './engine-events.ts';
import {
  checkInt,
  shown,
  ENGINE_DEFAULTS,
  ENGINE_LIMITS,
  EngineOptionsError,
  engineOptionIssues,
  type EngineOptions,
} from './engine-options.ts';
import { applyThresholds } from './k6-summary.ts';
import { loopbackIssue } from './loopback.ts';
import { progressPrinter } from './progress-printer.ts';
import { scenarioPlan } from './scenario-plan.ts';
import { summaryPrinter } from './summary-printer.ts';

export interface NativeRunOptions extends Omit<EngineOptions, 'client' | 'plan'> {
  /** The target's base URL; loopback only (127.0.0.0/8, ::1, localhost). */
  readonly base: string;
  /** Progress, phase changes and the summary, line by line; absent: silent. */
  readonly log?: (line: string) => void;
  /** Keep-alive connections; default maxInFlight (one per iteration in flight, as k6 gives each VU its own), opened as needed. */
  readonly connections?: number;
  /** Requests per connection in flight (HTTP/1.1 pipelining); default 1. */
  readonly pipelining?: number;
  /** Where the BSNs, afnemer and PDF come from (the runner passes the mock's defaults, what the k6 script embeds). */
  readonly data: DataOptions;
  /** Mutual TLS against an https base (client certificate, key, CA). */
  readonly tls?: ClientTls;
  /** Makes the HTTP client (tests inject one); default createClient. */
  readonly clientFactory?: (o: ClientOptions) => HttpClient;
  /** When the command started (epoch ms, e.g. Math.round(performance.timeOrigin)): reported as bbsim_first_request_ms. */
  readonly commandStartedAt?: number;
  /** Called with the engine before it runs, to subscribe more printers (e.g. verdictPrinter). */
  readonly onEngine?: (engine: NativeEngine) => void;
}

export type NativeRunResult = EngineResult;

/** Every problem with runNative's options, each naming the option, its rule and the value given. */
export function nativeRunOptionIssues(o: NativeRunOptions): string[] {
  const issues: string[] = [];
  const base = loopbackIssue(o.base);
  if (base) issues.push(base);
  checkInt(issues, 'connections', o.connections, 1, ENGINE_LIMITS.connections);
  checkInt(issues, 'pipelining', o.pipelining, 1, ENGINE_LIMITS.pipelining);
  if (o.log !== undefined && typeof o.log !== 'function') issues.push('log: a function (line: string) => void');
  if (o.commandStartedAt !== undefined && !Number.isFinite(o.commandStartedAt))
    issues.push(
      `commandStartedAt: epoch ms (e.g. Math.round(performance.timeOrigin)), got ${shown(o.commandStartedAt)}`,
    );
  // The engine's own options, checked with a stand-in client and plan (those are made here).
  const stand = {
    client: { request: () => Promise.reject(new Error('unused')), close: async () => undefined },
    plan: {
      flows: [
        {
          name: 'x',
          services: [],
          rate: { startRate: 0, stages: [{ target: 0, durationMs: 0 }] },
          iterate: async () => undefined,
        },
      ],
    },
  };
  issues.push(...engineOptionIssues({ ...o, ...stand }));
  return issues;
}

/** What a new connection GETs before it carries a request (the mock's liveness). */
export const PROBE_PATH = '/health';

/** The most iterations in flight a plan sizes by itself (one connection each: both ends in this process need a descriptor, 20,000 here). */
export const PLANNED_IN_FLIGHT_MAX = 8000;

/**
 * The in-flight bound for a scenario when none is given: what k6 would get at most (the flows' maxVUs,
 * from each flow's peak wall rate × its expected latency: src/k6gen vuPools), at least the engine's
 * default of 1,000 and at most PLANNED_IN_FLIGHT_MAX. A fixed 1,000 starved the whole peak-day:
 * its evening asks 5,000 iterations/s of DigiD's 381 ms mean service time, about 2,000 in flight
 * (Little's law) before any queueing, and 1,992,822 of 2.6 million iterations were dropped.
 */
export function plannedInFlight(scenario: Scenario): number {
  const most = Object.values(vuPools(scenario)).reduce((a, p) => a + p.maxVUs, 0);
  return Math.min(PLANNED_IN_FLIGHT_MAX, Math.max(ENGINE_DEFAULTS.maxInFlight, most));
}

/**
 * Runs a scenario with the native engine against `base` and returns k6's summary shape (the
 * verdict reads it unchanged), the per-second timeline and the drop count. Options are checked
 * first: an EngineOptionsError lists every problem. The client is closed whatever happens.
 */
export async function runNative(scenario: Scenario, opts: NativeRunOptions): Promise<NativeRunResult> {
  const issues = nativeRunOptionIssues(opts);
  if (issues.length > 0) throw new EngineOptionsError(issues);
  const maxInFlight = opts.maxInFlight ?? plannedInFlight(scenario);
  const data = scenarioData(scenario, opts.data);
  const plan = scenarioPlan(
    scenario,
    data,
    opts.commandStartedAt !== undefined ? { commandStartedAt: opts.commandStartedAt } : {},
  );
  const client = (opts.clientFactory ?? createClient)({
    base: opts.base,
    connections: opts.connections ?? maxInFlight,
    pipelining: opts.pipelining ?? 1,
    timeoutMs: opts.timeoutMs ?? ENGINE_DEFAULTS.timeoutMs,
    // Every new connection proves itself accepted before it carries an iteration's request
    // (ConnectionPool); the mock's liveness answers it, any other target's 404 does as well.
    probePath: PROBE_PATH,
    ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
  });
  try {
    const engine = new NativeEngine({
      client,
      plan,
      maxInFlight,
      ...(opts.dropAfterMs !== undefined ? { dropAfterMs: opts.dropAfterMs } : {}),
      ...(opts.gracefulStopMs !== undefined ? { gracefulStopMs: opts.gracefulStopMs } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    if (opts.log) {
      opts.log(
        `native engine: ${scenario.name} against ${opts.base}, ${engine.scheduled} iterations over ${(engine.durationMs / 1000).toFixed(1)} s, up to ${maxInFlight} in flight`,
      );
      // A line a second for short runs, every 10 s for long ones (a day curve would print thousands).
      progressPrinter(engine, opts.log, engine.durationMs > 120_000 ? 10 : 1);
      summaryPrinter(engine, opts.log);
    }
    opts.onEngine?.(engine);
    const result = await engine.run();
    // The thresholds the k6 script would carry, marked on the metrics as k6 marks them.
    applyThresholds(result.k6, thresholdsOf(NORMS.filter((n) => scenario.norms.includes(n.id))));
    return result;
  } finally {
    await client.close();
  }
}
