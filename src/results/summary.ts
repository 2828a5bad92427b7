import type { K6Summary, ServerFigures } from './verdict-row.ts';

/**
 * One wall second of one service, as the load generator saw it (the report's charts and, later,
 * comparisons read these). Latencies in ms; `t` is whole seconds since the first request.
 */
export interface TimelinePoint {
  readonly t: number;
  readonly service: string;
  readonly requests: number;
  /** Requests answered with a status >= 400 or not answered at all. */
  readonly failed: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export type EngineName = 'k6' | 'native';

/** Failed requests by HTTP status ('0': no answer) and by the load generator's error code. */
export interface RunErrors {
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byCode: Readonly<Record<string, number>>;
  /** Requests and failed requests per `flow:service` (the timeline has them per service only). */
  readonly byFlow?: Readonly<Record<string, { readonly requests: number; readonly failed: number }>>;
  /** Failed requests per service by HTTP status ('0': no answer): tells refusals (429/503) from errors. */
  readonly byService?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A latency histogram as stored: HDR (µs, compressed base64) plus the exact count, sum, min and max (ms). */
export interface EncodedHistogram {
  readonly hdr: string;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** What a comparison must know about where a run came from, to tell like from unlike. */
export interface RunContext {
  /** sha256 of the scenario as validated (load, flows, data, clock, norms). */
  readonly scenarioHash: string;
  readonly bbsimVersion: string;
  readonly k6Version?: string;
  readonly node: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly speed: number;
  readonly startedAt: string;
}

/**
 * What `results/<run-id>/summary.json` holds, whichever engine ran. `k6` is k6's own end-of-test
 * summary or the native engine's figures in the same shape (metric names such as
 * `http_req_duration{service:presentatie}` with values avg, med, max, p(90), p(95), p(99), p(99.9)).
 */
export interface RunSummary {
  readonly scenario: string;
  readonly runId: string;
  readonly engine: EngineName;
  /** 'mock' or the --target URL. */
  readonly target: string;
  readonly speed: number;
  /** Wall seconds from the command to the verdict. */
  readonly seconds: number;
  readonly k6: K6Summary;
  readonly timeline: readonly TimelinePoint[];
  readonly server: ServerFigures & Record<string, unknown>;
  /** Full latency histograms of every request, per service and per `flow:service` (wall ms). */
  readonly histograms?: {
    readonly service: Readonly<Record<string, EncodedHistogram>>;
    readonly flow: Readonly<Record<string, EncodedHistogram>>;
  };
  readonly errors?: RunErrors;
  readonly context?: RunContext;
  /**
   * The scenario's sim clock when it ran on a speed schedule: its start (ISO) and segments (`from`:
   * sim ms after the start). The timeline's `t` stays wall seconds; the report converts with this.
   */
  readonly clock?: { readonly start: string; readonly schedule: readonly { readonly from: number; readonly speed: number }[] };
  /** A run in execution segments (bbsim run --segments, bbsim collect): each segment's share; the figures above are merged. */
  readonly segments?: readonly SegmentInfo[];
}

/** One k6 process of a segmented run, as the merged summary lists it. */
export interface SegmentInfo {
  /** k6's --execution-segment, e.g. `1/4:1/2`. */
  readonly segment: string;
  /** Its own summary (relative to the run folder, or where collect read it). */
  readonly summary: string;
  readonly requests: number;
  readonly iterations: number;
  readonly dropped: number;
}
