import { SimClock, type Clock } from '../clock/index.ts';
import type { ScenarioData } from '../k6gen/index.ts';
import { FLOWS, flowShare, flowWallProfile, type Scenario } from '../scenario/index.ts';
import type { RateProfile } from './arrival-schedule.ts';
import type { LoadPlan } from './load-plan.ts';
import { FLOW_COUNTERS, NATIVE_FLOWS, type FlowEnv } from './native-flows.ts';
import { readSimClock } from './read-sim-clock.ts';

/**
 * A flow's arrivals: the scenario's wall profile times the flow's share of the weights; for
 * deliver-batch divided by the batch size (letters are the profile's unit, a batch the iteration's).
 */
export function flowRate(scenario: Scenario, flowIndex: number, batchSize: number): RateProfile {
  // The flow's own load, or its weight share of the scenario's; in wall time along the schedule.
  const profile = flowWallProfile(scenario, flowIndex);
  const share = flowShare(scenario, flowIndex);
  const f = scenario.flows[flowIndex];
  if (!f) throw new RangeError(`scenario '${scenario.name}' has no flow ${flowIndex}`);
  const perIteration = f.flow === 'deliver-batch' ? batchSize : 1;
  const scale = (r: number): number => (r * share) / perIteration;
  return {
    startRate: scale(profile.startRate),
    stages: profile.stages.map((s) => ({ target: scale(s.target), durationMs: s.durationMs })),
  };
}

export interface ScenarioPlanOptions {
  /** When the command started (epoch ms): setup reports the time to its first answer as the gauge bbsim_first_request_ms, as the k6 script does. */
  readonly commandStartedAt?: number;
}

/** The engine's plan for a scenario: setup reads the target's sim clock, then every flow at its rate. */
export function scenarioPlan(scenario: Scenario, data: ScenarioData, opts: ScenarioPlanOptions = {}): LoadPlan {
  if (data.bsns.length === 0)
    throw new Error(
      `scenario '${scenario.name}': the data has no recipient BSNs for afnemer ${data.oin} (check the population and the afnemer)`,
    );
  // The wall clock until setup has read the target's; flows only run after setup.
  let clock: Clock = new SimClock({ speed: 1 });
  let targetClock = false;
  const env: FlowEnv = {
    data,
    simNow: () => clock.now(),
    simAgo: (wallMs) => clock.now() - wallMs * clock.speed,
    // Think time is sim ms: paid at the target's speed now (along its schedule, read by setup), or
    // at the scenario's speed against a target without a sim clock, as the k6 script does.
    thinkWallMs: (flow) =>
      targetClock ? clock.toWallMs(data.thinkTimeMs[flow] ?? 0) : (data.thinkTimeMs[flow] ?? 0) / scenario.clock.speed,
  };
  return {
    flows: scenario.flows.map((f, i) => ({
      name: f.flow,
      services: FLOWS[f.flow].services,
      rate: flowRate(scenario, i, data.batchSize),
      iterate: (ctx) => NATIVE_FLOWS[f.flow](ctx, env),
    })),
    counters: FLOW_COUNTERS,
    async setup(ctx) {
      const read = await readSimClock(ctx);
      targetClock = read !== undefined;
      clock = read ?? new SimClock({ speed: 1 });
      if (opts.commandStartedAt !== undefined) ctx.gauge('bbsim_first_request_ms', Date.now() - opts.commandStartedAt);
    },
  };
}
