import type { Rate, Service } from '../norms/index.ts';

/** The user flows a scenario can mix (issue 5). Names say what a real user does. */
export const FLOWS = {
  'deliver-batch': { services: ['berichtenbox-intake'], title: 'An afnemer delivers a batch of letters' },
  'fetch-verwerkingsberichten': {
    services: ['berichtenbox-intake'],
    title: 'An afnemer fetches and acknowledges verwerkingsberichten',
  },
  'burger-reads': { services: ['digid', 'presentatie'], title: 'A burger logs in with DigiD, lists and reads letters' },
  'digid-authenticate': { services: ['digid'], title: 'One whole DigiD authentication' },
  'validation-query': {
    services: ['validatieservice'],
    title: 'An afnemer asks the Validatieservice about up to 250 BSNs',
  },
  'subscription-request': { services: ['abonnementservice'], title: 'An afnemer sends an Abonnementservice request' },
  'machtigen-check': { services: ['digid-machtigen'], title: 'A DigiD Machtigen authorisation check' },
} as const satisfies Record<string, { services: readonly Service[]; title: string }>;

export type FlowName = keyof typeof FLOWS;

export const SUBSCRIPTION_KINDS = ['alles', 'bsn-lijst', 'mutatiebasis'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

/** A sim duration made by minutes(3), seconds(45), hours(1), …: the unit is in the call, as perMinute(n) for rates. */
export interface Duration {
  readonly ms: number;
  /** k6's syntax, '1m30s'. */
  readonly text: string;
  toJSON(): string;
}

type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';
/** The same as text with its units: '90s', '10m', '1h30m', '2m30s'. */
export type DurationText =
  | `${number}${DurationUnit}`
  | `${number}h${number}m`
  | `${number}m${number}s`
  | `${number}h${number}m${number}s`;

/**
 * A simulated duration: minutes(3) or '3m'. Never a bare number: `duration: 180` read as 180 ms
 * once made a 30 ms run that "passed" (issue 19).
 */
export type SimDuration = Duration | DurationText;

/** A load profile on the sim clock, in the norms' own units (perMinute(n), perHour(n): see src/norms/rate.ts). */
export type LoadProfile =
  | { readonly kind: 'constant'; readonly rate: Rate; readonly duration: SimDuration }
  | { readonly kind: 'ramp'; readonly from: Rate; readonly to: Rate; readonly duration: SimDuration }
  | {
      readonly kind: 'stages';
      readonly start?: Rate;
      readonly stages: readonly { readonly target: Rate; readonly duration: SimDuration }[];
    }
  /** 24 hourly shares (0..1) of the peak rate, one sim day (or `days` of them). */
  | { readonly kind: 'day-curve'; readonly peak: Rate; readonly hourly: readonly number[]; readonly days?: number };

export interface FlowSpec {
  readonly flow: FlowName;
  /** Share of the scenario's arrivals (relative to the other flows' weights). Default 1. */
  readonly weight?: number;
  /**
   * This flow's own load profile (sim time, the flow's unit: letters for deliver-batch), instead of
   * a weight share of the scenario's `load`: a day where each service follows its own curve.
   */
  readonly load?: LoadProfile;
  /** Think time between the steps of a multi-step flow, sim ms. */
  readonly thinkTimeMs?: number;
}

export interface ScenarioData {
  /** Letters per batch for deliver-batch (1-1000). */
  readonly batchSize?: number;
  /** Share of letters with a PDF attachment (at most the norm's 95 %). */
  readonly attachmentShare?: number;
  readonly attachmentBytes?: number;
  readonly populationSeed?: number;
  /** Abonnementservice request kinds and their weights (default: bsn-lijst only). */
  readonly subscriptionMix?: Readonly<Partial<Record<SubscriptionKind, number>>>;
  /** Afnemers and their share of the deliveries. */
  readonly afnemers?: readonly { readonly oin: string; readonly share: number }[];
}

export interface ScenarioInput {
  /** kebab-case; the k6 script is k6/<name>.js. */
  readonly name: string;
  readonly description: string;
  readonly clock?: ScenarioClockInput;
  readonly flows: readonly FlowSpec[];
  readonly load: LoadProfile;
  readonly data?: ScenarioData;
  /** Norm ids to check; default: every norm of the services the flows touch. */
  readonly norms?: readonly string[];
  /**
   * Norms this scenario is designed to breach (a ramp past a capacity norm, a burst above 45/s).
   * The verdict is unchanged — a breach still fails the run — but the runner says it was expected,
   * and the tests hold each shipped scenario to it.
   */
  readonly expectBreaches?: readonly string[];
}

/** One segment of a scenario's speed schedule: from a sim offset after the start (the first: from the start). */
export interface ScheduleSegmentInput {
  readonly from?: SimDuration;
  readonly speed: number;
}

/**
 * The clock: `speed` (one speed), or `schedule` (a speed per sim span, issue 23), or `fit` (a
 * schedule derived from the load so that the wall rate stays under `maxWallRate` and the whole run
 * within `wallBudget`, as `bbsim run --max-wall-rate --wall-budget` derives it).
 */
export interface ScenarioClockInput {
  readonly start?: string;
  readonly speed?: number;
  readonly schedule?: readonly ScheduleSegmentInput[];
  readonly fit?: { readonly maxWallRate: number; readonly wallBudget: SimDuration };
}

/** A validated scenario: defaults applied, norms resolved, frozen. */
export interface Scenario extends Omit<ScenarioInput, 'clock' | 'flows' | 'norms' | 'expectBreaches'> {
  readonly expectBreaches: readonly string[];
  /**
   * `speed`: the speed at the start (the only one without a schedule); `schedule`: the speed over
   * sim offsets from the start (ms), one segment for one speed.
   */
  readonly clock: {
    readonly start: string | undefined;
    readonly speed: number;
    readonly schedule: readonly { readonly from: number; readonly speed: number }[];
  };
  readonly flows: readonly (FlowSpec & { readonly weight: number })[];
  readonly norms: readonly string[];
  readonly services: readonly Service[];
}
