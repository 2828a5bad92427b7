/**
 * The shapes of a verdict, shared by the runner that judges, the report that shows and compare
 * that diffs: what k6's summary holds, what the mock reports, and one row per norm.
 */
import type { Priority } from '../norms/index.ts';
import type { CapacityStats, WindowStats } from '../mock/capacity/capacity-stats.ts';

/** The slice of k6's summary the verdict reads: metric → { values: { avg, 'p(99.9)', max, count, … } }. */
export interface K6Summary {
  readonly metrics: Readonly<Record<string, { readonly values: Readonly<Record<string, number>> }>>;
  /** k6's run state; testRunDurationMs is the wall time of the load (both engines write it). */
  readonly state?: { readonly testRunDurationMs?: number };
}

/** Figures of one Abonnementservice kind (mock /abonnementservice/v1/stats). */
interface SubscriptionKindFigures {
  readonly maxLeadTimeMs?: number;
  readonly maxPlannedLeadTimeMs?: number;
  /** The night quota, as a window like every other service's. */
  readonly night?: WindowStats;
}

/**
 * Server-side figures from the mock's HTTP answers (absent when the target is not the mock). Capacity
 * figures come in one shape for every service (mock/capacity/capacity-stats.ts, declared in the
 * OpenAPI document): the verdict finds a capacity norm's window by its norm id.
 */
export interface ServerFigures {
  readonly status?: {
    /** The mock's speed schedule (GET /status `schedule`), when it reports one. */
    readonly schedule?: unknown;
    readonly intake?: {
      readonly maxProcessingDelayMs?: number;
      readonly maxParkingDelayMs?: number;
      /** Letters offered per window, each window with the norm it holds them against. */
      readonly windows?: readonly WindowStats[];
    };
    readonly notifications?: {
      readonly maxDelayMs?: number;
      readonly carriedOverByDay?: Readonly<Record<string, number>>;
      readonly peaks?: { readonly enqueuedPerHour?: number; readonly enqueuedPerDay?: number; readonly sentPerHour?: number; readonly sentPerDay?: number };
    };
  };
  /** The mock's /availability for the run's sim month. */
  readonly availability?: { readonly services?: readonly { readonly service: string; readonly availabilityPercent: number }[] };
  readonly digid?: { readonly capacity?: CapacityStats };
  readonly machtigen?: { readonly capacity?: CapacityStats };
  readonly validatieservice?: { readonly capacity?: CapacityStats };
  readonly abonnementservice?: { readonly kinds?: Readonly<Record<string, SubscriptionKindFigures>> };
  /** Figure endpoints that answered with an error or not at all (asked twice), path → why (a 404 is not listed: not the bbsim mock). */
  readonly unanswered?: Readonly<Record<string, string>>;
  /** Figure endpoints that answered only when asked a second time, path → why not the first time. */
  readonly retried?: Readonly<Record<string, string>>;
}

export type VerdictStatus = 'pass' | 'fail' | 'not-measured';

/** See VerdictRow.origin. */
export type VerdictOrigin = 'load' | 'server';

export interface VerdictRow {
  readonly normId: string;
  readonly title: string;
  readonly limit: number;
  readonly unit: string;
  readonly measured: number | undefined;
  /** Distance to the limit in the norm's unit: positive is headroom, negative a breach. */
  readonly margin: number | undefined;
  readonly status: VerdictStatus;
  readonly source: string;
  /**
   * Where the figure comes from: the load generator's own samples of this run, or the server's
   * figures (/status, /stats, /availability), which a target keeps across runs. Absent for norms no
   * load run measures (and in verdicts written before this field).
   */
  readonly origin?: VerdictOrigin;
  readonly citation: string;
  /** For a breach: the SNO incident priority it would be and its resolution time. */
  readonly priority?: { readonly priority: Priority; readonly resolution: string };
  /**
   * Set (with the reason) when this run was meant to judge the norm and could not: no or too few
   * successful requests in its scope, or no figure from the target. Status is then 'not-measured'
   * and the run does not pass (RUN_EXIT.NOT_JUDGED). Absent for norms no load run measures.
   */
  readonly unjudged?: string;
  /**
   * Under a speed schedule (issue 23): at which speed the norm's peak window was replayed (capacity
   * norms, from the window's sim start), or for a latency norm (wall time) the speeds its requests
   * ran at and whether the replay keeps the wall behaviour faithful there.
   */
  readonly replay?: { readonly speed?: number; readonly speeds?: readonly number[]; readonly peakAt?: string; readonly faithful?: boolean; readonly note: string };
}
