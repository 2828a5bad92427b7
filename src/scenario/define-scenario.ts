import {
  NORMS,
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MESSAGES_PER_HOUR,
  BATCH_LETTERS,
  MAX_SHARE_WITH_ATTACHMENT,
  MAX_ATTACHMENT_BYTES,
  OIN_DIGITS,
  type Rate,
  type Service,
} from '../norms/index.ts';
import { parseDuration } from './duration.ts';
import { MAX_SPEED, validateSpeedSegments, type SpeedSegment } from '../clock/index.ts';
import { fitSchedule, iterationProfiles } from './derive-schedule.ts';
import { nearest } from '../errors/suggest.ts';
import {
  FLOWS,
  SUBSCRIPTION_KINDS,
  type FlowName,
  type LoadProfile,
  type Scenario,
  type ScenarioInput,
  type SimDuration,
} from './types.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

export class ScenarioError extends CodedError {
  readonly code = ERROR_CODES.SCENARIO_INVALID;
  constructor(
    readonly scenario: string,
    readonly issues: readonly string[],
  ) {
    super(`scenario '${scenario}' is not valid:\n  ${issues.join('\n  ')}`);
    this.name = 'ScenarioError';
  }
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function checkRate(path: string, r: Rate | undefined, issues: string[]): void {
  if (!r || typeof r !== 'object' || !(r.count >= 0) || !Number.isFinite(r.perSecond)) {
    issues.push(
      `${path}: must be a rate such as perMinute(${DIGID_AUTHENTICATIONS_PER_MINUTE.limit}) or perHour(${MESSAGES_PER_HOUR.limit})`,
    );
  }
}

function checkDuration(path: string, d: unknown, issues: string[]): void {
  if (typeof d === 'number') {
    issues.push(
      `${path}: ${d} has no unit; write seconds(${d}), minutes(${d}) or milliseconds(${d}) (from src/scenario), or a text such as '${d}s'`,
    );
  } else if (parseDuration(d) === undefined) {
    issues.push(
      `${path}: must be a sim duration such as minutes(10), seconds(90), hours(1) or '1h30m', got ${JSON.stringify(d)}`,
    );
  }
}

function checkLoad(load: LoadProfile | undefined, issues: string[], at = 'load'): void {
  if (!load || typeof load !== 'object') {
    issues.push(`${at}: required: { kind: 'constant' | 'ramp' | 'stages' | 'day-curve', … }`);
    return;
  }
  const before = issues.length;
  checkLoadFields(load, issues);
  // Field paths name this profile (flows[2].load.rate), not the scenario's.
  if (at !== 'load') for (let i = before; i < issues.length; i++) issues[i] = issues[i]!.replace(/^load/, at);
}

function checkLoadFields(load: LoadProfile, issues: string[]): void {
  switch (load.kind) {
    case 'constant':
      checkRate('load.rate', load.rate, issues);
      checkDuration('load.duration', load.duration, issues);
      break;
    case 'ramp':
      checkRate('load.from', load.from, issues);
      checkRate('load.to', load.to, issues);
      checkDuration('load.duration', load.duration, issues);
      break;
    case 'stages':
      if (load.start) checkRate('load.start', load.start, issues);
      if (!Array.isArray(load.stages) || load.stages.length === 0)
        issues.push('load.stages: at least one stage { target, duration }');
      else
        load.stages.forEach((s, i) => {
          checkRate(`load.stages[${i}].target`, s.target, issues);
          checkDuration(`load.stages[${i}].duration`, s.duration, issues);
        });
      break;
    case 'day-curve':
      checkRate('load.peak', load.peak, issues);
      if (!Array.isArray(load.hourly) || load.hourly.length !== 24 || load.hourly.some((x) => !(x >= 0 && x <= 1))) {
        issues.push('load.hourly: 24 shares of the peak rate, each from 0 to 1 (hour 0 = 00:00-01:00 local)');
      }
      if (load.days !== undefined && !(Number.isInteger(load.days) && load.days >= 1))
        issues.push('load.days: an integer >= 1');
      break;
    default:
      issues.push(
        `load.kind: one of constant, ramp, stages, day-curve; got ${JSON.stringify((load as { kind?: unknown }).kind)}`,
      );
  }
}

/** The norms of a set of services (the default set a scenario checks). */
export function normsOf(services: readonly Service[]): string[] {
  return NORMS.filter((n) => services.includes(n.service)).map((n) => n.id);
}

/**
 * Validates a scenario once, with every problem named by its path and rule, applies the defaults
 * (speed 1, weight 1, the norms of the services the flows touch) and freezes it.
 */
export function defineScenario(input: ScenarioInput): Scenario {
  const issues: string[] = [];
  const name = typeof input.name === 'string' ? input.name : '(unnamed)';
  if (!NAME.test(name)) issues.push(`name: kebab-case (letters, digits, dashes), got ${JSON.stringify(input.name)}`);
  if (typeof input.description !== 'string' || input.description.trim() === '')
    issues.push('description: required, one sentence on what the scenario shows');
  const clockIn = input.clock ?? {};
  const speed = clockIn.speed ?? 1;
  if (!(speed > 0 && Number.isFinite(speed) && speed <= MAX_SPEED))
    issues.push(`clock.speed: a number > 0 and at most ${MAX_SPEED}, got ${JSON.stringify(input.clock?.speed)}`);
  const ways = [clockIn.speed !== undefined, clockIn.schedule !== undefined, clockIn.fit !== undefined].filter(
    Boolean,
  ).length;
  if (ways > 1) issues.push('clock: one of speed, schedule or fit (a schedule or a fit replaces the one speed)');
  let schedule: SpeedSegment[] = [{ from: 0, speed }];
  if (clockIn.schedule !== undefined) {
    if (!Array.isArray(clockIn.schedule) || clockIn.schedule.length === 0)
      issues.push('clock.schedule: at least one segment { from, speed } (the first from the start)');
    else {
      schedule = clockIn.schedule.map((seg, i) => {
        let from = 0;
        if (i === 0 && seg.from !== undefined)
          issues.push('clock.schedule[0].from: leave it out: the first segment holds from the start');
        if (i > 0) {
          checkDuration(`clock.schedule[${i}].from`, seg.from, issues);
          from = parseDuration(seg.from) ?? Number.NaN;
        }
        return { from, speed: seg.speed };
      });
      issues.push(
        ...validateSpeedSegments(schedule, 'clock.schedule').filter(
          (m) => !/^clock\.schedule\[\d+\]\.from: a sim instant/.test(m),
        ),
      );
    }
  }
  if (clockIn.fit !== undefined) {
    const f = clockIn.fit;
    if (!(typeof f.maxWallRate === 'number' && f.maxWallRate > 0 && Number.isFinite(f.maxWallRate)))
      issues.push(
        `clock.fit.maxWallRate: wall iterations per second, a number > 0, got ${JSON.stringify(f.maxWallRate)}`,
      );
    checkDuration('clock.fit.wallBudget', f.wallBudget, issues);
  }
  if (input.clock?.start !== undefined && !Number.isFinite(Date.parse(input.clock.start)))
    issues.push(`clock.start: an ISO 8601 instant, got ${JSON.stringify(input.clock.start)}`);
  if (!Array.isArray(input.flows) || input.flows.length === 0)
    issues.push(`flows: at least one of ${Object.keys(FLOWS).join(', ')}`);
  const flows = (input.flows ?? []).map((f, i) => {
    if (!(f.flow in FLOWS)) {
      const near = typeof f.flow === 'string' ? nearest(f.flow, Object.keys(FLOWS)) : undefined;
      issues.push(
        `flows[${i}].flow: one of ${Object.keys(FLOWS).join(', ')}; got ${JSON.stringify(f.flow)}${near !== undefined ? ` (did you mean ${near}?)` : ''}`,
      );
    }
    const weight = f.weight ?? 1;
    if (!(weight > 0 && Number.isFinite(weight)))
      issues.push(`flows[${i}].weight: a number > 0, got ${JSON.stringify(f.weight)}`);
    if (f.thinkTimeMs !== undefined && !(f.thinkTimeMs >= 0)) issues.push(`flows[${i}].thinkTimeMs: >= 0`);
    if (f.load !== undefined) checkLoad(f.load, issues, `flows[${i}].load`);
    return Object.freeze({ ...f, weight });
  });
  checkLoad(input.load, issues);
  const d = input.data ?? {};
  if (
    d.batchSize !== undefined &&
    !(Number.isInteger(d.batchSize) && d.batchSize >= (BATCH_LETTERS.min ?? 1) && d.batchSize <= BATCH_LETTERS.max)
  ) {
    issues.push(`data.batchSize: an integer from ${BATCH_LETTERS.min ?? 1} to ${BATCH_LETTERS.max}`);
  }
  if (
    d.attachmentShare !== undefined &&
    !(d.attachmentShare >= 0 && d.attachmentShare <= MAX_SHARE_WITH_ATTACHMENT.limit / 100)
  ) {
    issues.push(
      `data.attachmentShare: from 0 to ${MAX_SHARE_WITH_ATTACHMENT.limit / 100} (${MAX_SHARE_WITH_ATTACHMENT.id})`,
    );
  }
  if (d.attachmentBytes !== undefined && !(Number.isInteger(d.attachmentBytes) && d.attachmentBytes > 0))
    issues.push('data.attachmentBytes: an integer > 0');
  if (d.attachmentBytes !== undefined && d.attachmentBytes > MAX_ATTACHMENT_BYTES.limit) {
    issues.push(
      `data.attachmentBytes: at most ${MAX_ATTACHMENT_BYTES.limit} (${MAX_ATTACHMENT_BYTES.id}); larger is coded BijlageTeGroot — use a bad-input scenario for that`,
    );
  }
  if (d.subscriptionMix !== undefined) {
    const entries = Object.entries(d.subscriptionMix);
    entries.forEach(([k, w]) => {
      if (!(SUBSCRIPTION_KINDS as readonly string[]).includes(k))
        issues.push(`data.subscriptionMix.${k}: not a kind of request (${SUBSCRIPTION_KINDS.join(', ')})`);
      if (!(typeof w === 'number' && w >= 0 && Number.isFinite(w)))
        issues.push(`data.subscriptionMix.${k}: a weight >= 0`);
    });
    if (!entries.some(([, w]) => typeof w === 'number' && w > 0))
      issues.push('data.subscriptionMix: at least one kind with a weight > 0');
  }
  const oinPattern = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);
  (d.afnemers ?? []).forEach((a, i) => {
    if (!oinPattern.test(a.oin)) issues.push(`data.afnemers[${i}].oin: a ${OIN_DIGITS.max}-digit OIN`);
    if (!(a.share > 0)) issues.push(`data.afnemers[${i}].share: > 0`);
  });
  const services = [...new Set(flows.flatMap((f) => (f.flow in FLOWS ? [...FLOWS[f.flow as FlowName].services] : [])))];
  const known = new Set(NORMS.map((n) => n.id));
  (input.norms ?? []).forEach((id, i) => {
    if (known.has(id)) return;
    const near = typeof id === 'string' ? nearest(id, [...known]) : undefined;
    issues.push(
      `norms[${i}]: unknown norm id ${JSON.stringify(id)}${near !== undefined ? ` (did you mean ${near}?)` : ''}; \`bbsim list norms\` lists them`,
    );
  });
  const norms = input.norms ?? normsOf(services);
  (input.expectBreaches ?? []).forEach((id, i) => {
    if (!norms.includes(id))
      issues.push(`expectBreaches[${i}]: ${JSON.stringify(id)} is not one of the norms this scenario checks`);
  });
  if (issues.length === 0 && clockIn.fit !== undefined) {
    const fit = fitSchedule(iterationProfiles(flows, input.load, d.batchSize ?? 100), {
      maxWallRate: clockIn.fit.maxWallRate,
      wallBudgetMs: parseDuration(clockIn.fit.wallBudget) ?? 0,
    });
    if (fit.problem !== undefined) issues.push(`clock.fit: ${fit.problem}`);
    schedule = fit.segments.map((x) => ({ ...x }));
  }
  if (schedule.length > 1 && clockIn.start === undefined)
    issues.push('clock.start: required with a speed schedule (its segments are sim spans from the start)');
  if (issues.length > 0) throw new ScenarioError(name, issues);
  const { fit: _fit, schedule: _schedule, ...clockRest } = clockIn;
  return Object.freeze({
    ...input,
    clock: Object.freeze({
      ...clockRest,
      start: input.clock?.start,
      speed: schedule[0]?.speed ?? speed,
      schedule: Object.freeze(schedule.map((x) => Object.freeze(x))),
    }),
    flows: Object.freeze(flows),
    norms: Object.freeze([...norms]),
    expectBreaches: Object.freeze([...(input.expectBreaches ?? [])]),
    services: Object.freeze(services),
  });
}

/**
 * The scenario again, its clock a schedule fitted to its own load (`bbsim run --max-wall-rate
 * --wall-budget`); throws ScenarioError naming clock.fit when the bounds cannot both hold.
 */
export function withFittedSchedule(
  scenario: Scenario,
  fit: { maxWallRate: number; wallBudget: SimDuration },
): Scenario {
  const start = scenario.clock.start;
  return defineScenario({
    ...scenario,
    clock: { ...(start !== undefined ? { start } : {}), fit },
  });
}
