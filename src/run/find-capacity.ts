import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rate } from '../norms/index.ts';
import {
  defineScenario,
  milliseconds,
  type LoadProfile,
  type Scenario,
  type ScenarioClockInput,
} from '../scenario/index.ts';
import type { RunOptions, RunResult } from './runner.ts';
import type { RunExitCode } from './exit-codes.ts';

/** A rate times a factor, in the same window (perMinute stays perMinute). */
function scaleRate(r: Rate, f: number): Rate {
  return Object.freeze({ count: r.count * f, window: r.window, perSecond: r.perSecond * f });
}

function scaleLoad(load: LoadProfile, f: number): LoadProfile {
  switch (load.kind) {
    case 'constant':
      return { ...load, rate: scaleRate(load.rate, f) };
    case 'ramp':
      return { ...load, from: scaleRate(load.from, f), to: scaleRate(load.to, f) };
    case 'stages':
      return {
        ...load,
        ...(load.start ? { start: scaleRate(load.start, f) } : {}),
        stages: load.stages.map((s) => ({ ...s, target: scaleRate(s.target, f) })),
      };
    case 'day-curve':
      return { ...load, peak: scaleRate(load.peak, f) };
  }
}

/** The profile's highest rate (what "the load" means in a capacity answer). */
export function peakRate(load: LoadProfile): Rate {
  switch (load.kind) {
    case 'constant':
      return load.rate;
    case 'ramp':
      return load.to.perSecond >= load.from.perSecond ? load.to : load.from;
    case 'stages':
      return [load.start, ...load.stages.map((s) => s.target)]
        .filter((r): r is Rate => r !== undefined)
        .reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    case 'day-curve':
      return load.peak;
  }
}

/**
 * The scenario's clock as defineScenario takes it: its one speed, or its speed schedule (a fitted
 * one too: the fit's segments are the scenario's schedule). A probe keeps the same speeds, so each
 * load is replayed as the scenario's own was; probes with one speed each lost a peak-day's schedule.
 */
function clockInput(s: Scenario): ScenarioClockInput {
  const start = s.clock.start !== undefined ? { start: s.clock.start } : {};
  if (s.clock.schedule.length <= 1) return { speed: s.clock.speed, ...start };
  return {
    ...start,
    schedule: s.clock.schedule.map((x, i) =>
      i === 0 ? { speed: x.speed } : { from: milliseconds(x.from), speed: x.speed },
    ),
  };
}

/**
 * The scenario with every rate of its load multiplied by `factor`, a flow's own load too (same
 * name, flows, clock and speed schedule, norms).
 */
export function scaleScenario(s: Scenario, factor: number): Scenario {
  return defineScenario({
    name: s.name,
    description: `${s.description} (load × ${factor.toFixed(3)})`,
    clock: clockInput(s),
    flows: s.flows.map((f) => (f.load !== undefined ? { ...f, load: scaleLoad(f.load, factor) } : f)),
    load: scaleLoad(s.load, factor),
    norms: s.norms,
    ...(s.data !== undefined ? { data: s.data } : {}),
  });
}

export interface CapacityProbe {
  readonly factor: number;
  /** The peak rate of this probe, in the load's own window. */
  readonly peak: Rate;
  readonly exitCode: RunExitCode;
  /** The norms the probe judged, and those it found breached. */
  readonly checked: readonly string[];
  readonly failed: readonly string[];
  /**
   * Norms the probe could not judge (the generator dropped part of the load, too few samples): they
   * neither held nor failed there, and the search does not step past such a probe.
   */
  readonly unjudged: readonly string[];
  readonly dir: string;
}

export interface NormCapacity {
  readonly normId: string;
  /** The highest probed peak rate at which the norm held; undefined when it failed at every probe. */
  readonly holdsTo: Rate | undefined;
  /** The lowest probed peak rate at which it failed; undefined when it held at every probe. */
  readonly failsAt: Rate | undefined;
  /** The lowest probed peak rate at which it could not be judged (the load was not delivered); absent when judged at every probe. */
  readonly notJudgedAt?: Rate;
}

export interface CapacityResult {
  readonly scenario: string;
  readonly probes: readonly CapacityProbe[];
  readonly norms: readonly NormCapacity[];
  readonly dir: string;
  /** 2 when a probe could not run; otherwise 0 (the answer is the report, not a pass/fail). */
  readonly exitCode: 0 | 2;
  readonly error?: string;
}

export interface FindCapacityOptions extends Omit<RunOptions, 'scenario'> {
  readonly scenario: Scenario;
  /** Multiplier between steps on the way up (default 1.5). */
  readonly growth?: number;
  /** Most probes on the way up before giving up on finding a breach (default 6). */
  readonly maxSteps?: number;
  /** Bisection probes between the last holding and the first failing load (default 2). */
  readonly refine?: number;
  /** The runner (injectable for tests of the search itself). */
  readonly run: (opts: RunOptions) => Promise<RunResult>;
}

const WINDOW_WORD: Record<Rate['window'], string> = { second: 's', minute: 'min', hour: 'h', day: 'day' };
export const formatRate = (r: Rate): string =>
  `${Math.round(r.count).toLocaleString('en-US')}/${WINDOW_WORD[r.window]}`;

/**
 * Steps the scenario's load up (× growth) until a norm fails, then bisects between the last load
 * that held and the first that failed. Each probe is a whole run against a fresh mock. Answers per
 * norm: the highest load at which it held ("DigiD holds to 9,800/min on this configuration").
 */
export async function findCapacity(opts: FindCapacityOptions): Promise<CapacityResult> {
  const { scenario, log } = opts;
  const growth = opts.growth ?? 1.5;
  const maxSteps = opts.maxSteps ?? 6;
  const refine = opts.refine ?? 2;
  const dir = join(opts.outDir, `${scenario.name}-capacity-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const probes: CapacityProbe[] = [];
  const base = peakRate(scenario.load);

  const probe = async (factor: number): Promise<CapacityProbe> => {
    const scaled = scaleScenario(scenario, factor);
    const peak = scaleRate(base, factor);
    log(`probe ${probes.length + 1}: load × ${factor.toFixed(3)} (peak ${formatRate(peak)})`);
    const r = await opts.run({ ...opts, scenario: scaled, outDir: dir });
    const failed = r.rows.filter((x) => x.status === 'fail').map((x) => x.normId);
    const unjudged = r.rows.filter((x) => x.unjudged !== undefined);
    const p: CapacityProbe = {
      factor,
      peak,
      exitCode: r.exitCode,
      checked: r.rows.map((x) => x.normId),
      failed,
      unjudged: unjudged.map((x) => x.normId),
      dir: r.dir,
    };
    probes.push(p);
    log(
      `probe ${probes.length}: ${
        r.exitCode === 2
          ? `could not run: ${r.error ?? ''}`
          : failed.length
            ? `breached ${failed.join(', ')}`
            : unjudged.length
              ? `not judged: ${unjudged.map((x) => x.normId).join(', ')} (${unjudged[0]!.unjudged})`
              : 'every norm holds'
      }`,
    );
    return p;
  };
  /** Every norm held: neither breached nor left unjudged. */
  const held = (p: CapacityProbe): boolean => p.failed.length === 0 && p.unjudged.length === 0;

  let lastHold: number | undefined;
  let firstFail: number | undefined;
  let factor = 1;
  for (let i = 0; i < maxSteps; i++) {
    const p = await probe(factor);
    if (p.exitCode === 2) return finish(2, p.dir);
    if (p.failed.length > 0) {
      firstFail = factor;
      break;
    }
    // Not judged (say the generator dropped part of this load): a heavier probe would say less still.
    if (!held(p)) break;
    lastHold = factor;
    factor *= growth;
  }
  // Failing (or not judged) at the scenario's own load: look below it instead.
  if (lastHold === undefined) {
    let f = 1;
    for (let i = 0; i < maxSteps && lastHold === undefined; i++) {
      f /= growth;
      const p = await probe(f);
      if (p.exitCode === 2) return finish(2, p.dir);
      if (held(p)) lastHold = f;
      else if (p.failed.length > 0) firstFail = f;
    }
  }
  if (lastHold !== undefined && firstFail !== undefined) {
    let lo = lastHold;
    let hi = firstFail;
    for (let i = 0; i < refine; i++) {
      const mid = Math.sqrt(lo * hi); // geometric: capacity questions are about ratios
      const p = await probe(mid);
      if (p.exitCode === 2) return finish(2, p.dir);
      if (held(p)) lo = mid;
      else hi = mid;
    }
  }
  return finish(0);

  function finish(exitCode: 0 | 2, failedDir?: string): CapacityResult {
    const ran = probes.filter((p) => p.exitCode !== 2).sort((a, b) => a.factor - b.factor);
    const norms = [...new Set(ran.flatMap((p) => p.checked))].map((normId): NormCapacity => {
      const holds = ran.filter((p) => !p.failed.includes(normId) && !p.unjudged.includes(normId));
      const fails = ran.filter((p) => p.failed.includes(normId));
      const notJudged = ran.find((p) => p.unjudged.includes(normId));
      return {
        normId,
        holdsTo: holds.at(-1)?.peak,
        failsAt: fails[0]?.peak,
        ...(notJudged ? { notJudgedAt: notJudged.peak } : {}),
      };
    });
    const result: CapacityResult = {
      scenario: scenario.name,
      probes,
      norms,
      dir,
      exitCode,
      ...(failedDir ? { error: `a probe could not run (see ${failedDir})` } : {}),
    };
    writeFileSync(join(dir, 'capacity.json'), JSON.stringify(result, null, 2));
    return result;
  }
}

/** The answer per norm as a terminal table, most constraining norm first. */
export function capacityTable(result: CapacityResult): string {
  const rows = [...result.norms].sort(
    (a, b) => (a.failsAt?.perSecond ?? Number.POSITIVE_INFINITY) - (b.failsAt?.perSecond ?? Number.POSITIVE_INFINITY),
  );
  const lines = rows.map((n) => {
    if (n.failsAt === undefined && n.notJudgedAt !== undefined)
      return `${n.normId}: holds to ${n.holdsTo ? formatRate(n.holdsTo) : '—'}; not judged at ${formatRate(n.notJudgedAt)} (the probe's load was not delivered or too small to judge: see its verdict)`;
    if (n.failsAt === undefined)
      return `${n.normId}: holds at every probed load (up to ${n.holdsTo ? formatRate(n.holdsTo) : '—'})`;
    if (n.holdsTo === undefined) return `${n.normId}: fails at every probed load (from ${formatRate(n.failsAt)})`;
    return `${n.normId}: holds to ${formatRate(n.holdsTo)}, fails at ${formatRate(n.failsAt)}`;
  });
  return lines.join('\n');
}
