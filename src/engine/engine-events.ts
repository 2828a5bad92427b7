import type { EncodedHistogram, RunErrors, TimelinePoint } from '../results/summary.ts';
import type { TrendValues } from '../results/histogram.ts';
import type { NativeK6Summary } from './k6-summary.ts';

/** setup → running (arrivals) → draining (waiting for what is in flight) → stopping (hard stop) → done. */
export type EnginePhase = 'setup' | 'running' | 'draining' | 'stopping' | 'done';

export interface RequestDoneEvent {
  readonly service: string;
  readonly flow: string;
  /** 0: no answer. */
  readonly status: number;
  readonly failed: boolean;
  /** From the intended send time, ms. */
  readonly latencyMs: number;
  /** Raw service time, ms. */
  readonly serviceMs: number;
  readonly error?: string;
}

/** Running totals, as of a second tick. */
export interface EngineProgress {
  /** Wall ms since the load started. */
  readonly elapsedMs: number;
  /** Wall ms the plan's arrivals take. */
  readonly durationMs: number;
  readonly phase: EnginePhase;
  readonly requests: number;
  readonly failed: number;
  readonly iterations: number;
  readonly dropped: number;
  /** Iterations running now, and waiting for a free slot (maxInFlight). */
  readonly inFlight: number;
  readonly queued: number;
  /** Iterations per second the plan asks for now. */
  readonly targetRate: number;
}

export interface SecondEvent {
  /** The second that ended (whole seconds since the load started). */
  readonly t: number;
  /** Its points, one per service that had requests in it. */
  readonly points: readonly TimelinePoint[];
  readonly progress: EngineProgress;
}

export interface PhaseEvent {
  readonly phase: EnginePhase;
  readonly previous: EnginePhase | undefined;
  readonly elapsedMs: number;
}

/** What a finished run hands out (the `finished` event and the engine's `run()`). */
export interface EngineResult {
  /** k6's end-of-test summary shape (see k6-summary.ts). */
  readonly k6: NativeK6Summary;
  /** One point per wall second per service with requests in that second (latency from the intended time). */
  readonly timeline: readonly TimelinePoint[];
  /** Full histograms per service and per `flow:service` (the form runs keep for bbsim compare). */
  /** Failed requests by status and by the client's error. */
  readonly failures: RunErrors;
  readonly histograms: {
    readonly service: Readonly<Record<string, EncodedHistogram>>;
    readonly flow: Readonly<Record<string, EncodedHistogram>>;
  };
  /** Arrivals the plan held. */
  readonly scheduled: number;
  /** Iterations not started because the engine was too late for them (k6's dropped_iterations). */
  readonly dropped: number;
  readonly iterations: number;
  /** Started but cut off by the end of the run, or failed with an exception. */
  readonly interrupted: number;
  readonly requests: number;
  readonly failed: number;
  /** The plan's arrivals per second over its duration. */
  readonly askedRate: number;
  /** Iterations started per second, from their real start times (first to last). */
  readonly achievedRate: number;
  /** How late the engine sent, ms (0 = on time). */
  readonly sendLag: TrendValues;
  /** Wall ms from the start of the load to the end of the run. */
  readonly durationMs: number;
  /** When the load started (performance.now() instant; arrival i of a flow was due at startedAt + its offset). */
  readonly startedAt: number;
  /** True when stopped from outside (signal or stop()) before the plan ended. */
  readonly aborted: boolean;
  /** Exceptions thrown by flows (first few). */
  readonly errors: readonly string[];
}

/** The engine's events; printers and the runner subscribe. */
export interface EngineEvents {
  request: [RequestDoneEvent];
  second: [SecondEvent];
  phase: [PhaseEvent];
  finished: [EngineResult];
}
