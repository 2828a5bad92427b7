/**
 * bbsim as a package (`import { defineScenario, perMinute, minutes } from 'bbsim'`): what a
 * scenario in another repository needs. The CLI is the `bbsim` bin; nothing here starts anything.
 */
export {
  defineScenario,
  normsOf,
  ScenarioError,
  FLOWS,
  SUBSCRIPTION_KINDS,
  milliseconds,
  seconds,
  minutes,
  hours,
  days,
  scenarioWarnings,
} from './scenario/index.ts';
export type {
  Scenario,
  ScenarioInput,
  FlowName,
  FlowSpec,
  LoadProfile,
  ScenarioData,
  SimDuration,
  Duration,
} from './scenario/index.ts';
export * from './norms/index.ts';
