import { LIMIT_DEFAULTS } from '../mock/config.ts';
import type { RateProfile } from './arrival-schedule.ts';
import type { HttpClient } from './client.ts';
import type { LoadPlan } from './load-plan.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** What the engine itself needs (runNative adds the target and the connection options). */
export interface EngineOptions {
  readonly client: HttpClient;
  readonly plan: LoadPlan;
  /** Iterations running at once; more wait for a slot (p-queue). Default 1000 (runNative sizes it from the scenario: plannedInFlight). */
  readonly maxInFlight?: number;
  /**
   * An iteration that cannot start within this many ms of its intended time (the engine is busy,
   * or every slot is taken) is dropped and counted, never run late. Default 1000.
   */
  readonly dropAfterMs?: number;
  /** After the last arrival, how long iterations may finish before they are cut off (k6's gracefulStop). Default 30 s. */
  readonly gracefulStopMs?: number;
  /** Per-request timeout, ms (k6's default 60 s). */
  readonly timeoutMs?: number;
  /** Stops the run (like Ctrl-C in k6): no new iterations, running ones are cut off, the summary is still made. */
  readonly signal?: AbortSignal;
}

export const ENGINE_DEFAULTS = {
  maxInFlight: 1000,
  dropAfterMs: 1000,
  gracefulStopMs: 30_000,
  timeoutMs: 60_000,
} as const;

/** Upper bounds that keep every run bounded in time and memory. */
export const ENGINE_LIMITS = {
  maxInFlight: 100_000,
  dropAfterMs: 60_000,
  gracefulStopMs: 600_000,
  timeoutMs: 600_000,
  connections: LIMIT_DEFAULTS.maxConnections,
  pipelining: 128,
} as const;

export class EngineOptionsError extends CodedError {
  readonly code = ERROR_CODES.ENGINE_OPTIONS_INVALID;
  constructor(readonly issues: readonly string[]) {
    super(`native engine options are not valid:\n  ${issues.join('\n  ')}`);
    this.name = 'EngineOptionsError';
  }
}

/** A value as a message shows it (JSON would print NaN and Infinity as null). */
export function shown(v: unknown): string {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol'
    ? String(v)
    : (JSON.stringify(v) ?? String(v));
}

/** Checks an optional integer option; pushes a message naming the option, the rule and the value. */
export function checkInt(issues: string[], name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    issues.push(`${name}: an integer from ${min} to ${max}, got ${shown(v)}`);
}

export function checkMs(issues: string[], name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    issues.push(`${name}: a number of ms from ${min} to ${max}, got ${shown(v)}`);
}

function checkPlan(issues: string[], plan: LoadPlan | undefined): void {
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.flows)) {
    issues.push('plan: required, { flows: [{ name, services, rate, iterate }] }');
    return;
  }
  if (plan.flows.length === 0) issues.push('plan.flows: at least one flow');
  const names = new Set<string>();
  plan.flows.forEach((f, i) => {
    const at = `plan.flows[${i}]`;
    if (typeof f.name !== 'string' || f.name === '') issues.push(`${at}.name: a non-empty string`);
    else if (names.has(f.name))
      issues.push(`${at}.name: ${JSON.stringify(f.name)} appears twice (each flow once; its name is the flow tag)`);
    else names.add(f.name);
    if (typeof f.iterate !== 'function') issues.push(`${at}.iterate: a function (one iteration of the flow)`);
    if (!Array.isArray(f.services)) issues.push(`${at}.services: an array of service names`);
    const r = f.rate;
    if (!r || typeof r !== 'object' || !Array.isArray(r.stages)) {
      issues.push(`${at}.rate: { startRate, stages: [{ target, durationMs }] }`);
      return;
    }
    if (!(Number.isFinite(r.startRate) && r.startRate >= 0))
      issues.push(`${at}.rate.startRate: iterations per second >= 0, got ${shown(r.startRate)}`);
    const stages: RateProfile['stages'] = r.stages;
    if (stages.length === 0) issues.push(`${at}.rate.stages: at least one stage`);
    stages.forEach((s, j) => {
      if (!(Number.isFinite(s.target) && s.target >= 0))
        issues.push(`${at}.rate.stages[${j}].target: iterations per second >= 0, got ${shown(s.target)}`);
      if (!(Number.isFinite(s.durationMs) && s.durationMs >= 0))
        issues.push(`${at}.rate.stages[${j}].durationMs: ms >= 0, got ${shown(s.durationMs)}`);
    });
  });
}

/** Every problem with the engine's options, each naming the option, its rule and the value given. */
export function engineOptionIssues(o: EngineOptions): string[] {
  const issues: string[] = [];
  if (!o.client || typeof o.client.request !== 'function')
    issues.push('client: an HttpClient ({ request, close }), e.g. createClient({ base })');
  checkPlan(issues, o.plan);
  checkInt(issues, 'maxInFlight', o.maxInFlight, 1, ENGINE_LIMITS.maxInFlight);
  checkMs(issues, 'dropAfterMs', o.dropAfterMs, 0, ENGINE_LIMITS.dropAfterMs);
  checkMs(issues, 'gracefulStopMs', o.gracefulStopMs, 0, ENGINE_LIMITS.gracefulStopMs);
  checkMs(issues, 'timeoutMs', o.timeoutMs, 1, ENGINE_LIMITS.timeoutMs);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    issues.push('signal: an AbortSignal (e.g. from new AbortController())');
  return issues;
}
