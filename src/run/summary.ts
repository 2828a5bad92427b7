import type { K6Summary, ServerFigures } from './verdict.ts';

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
}
