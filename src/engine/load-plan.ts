import type { RateProfile } from './arrival-schedule.ts';
import type { ClientRequest, ClientResponse } from './client.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** The tags every request carries (k6's `service` and `flow` tags; the verdict selects on them). */
export interface RequestTags {
  readonly service: string;
  readonly flow: string;
}

/** A response as a flow sees it: status 0 when no answer came (refused, reset, timed out), as in k6. */
export interface FlowResponse extends ClientResponse {
  /** Why there was no answer (status 0). */
  readonly error?: string;
}

/** k6's responseCallback: which answers count as expected (not in http_req_failed). Default: status 1-399. */
export interface RequestOptions {
  readonly expectedStatus?: (status: number) => boolean;
}

/** What one iteration of a flow may do; the engine times and records every request. */
export interface IterationContext {
  /**
   * Sends one request. Its latency is measured from when it was meant to go out: the iteration's
   * intended start for the first request, the end of the previous step or of a sleep after that.
   * Never rejects for HTTP or network trouble (status 0, as k6); rejects with `EngineStopped` when
   * the engine stops hard, which ends the iteration as interrupted.
   */
  request(tags: RequestTags, req: ClientRequest, opts?: RequestOptions): Promise<FlowResponse>;
  /** Waits (think time, wall ms); the next request is intended at the end of the wait. */
  sleep(wallMs: number): Promise<void>;
  /** A k6 check: counted in `checks`. */
  check(ok: boolean): void;
  /** Adds to a counter (bbsim_letters_offered, …). */
  add(counter: string, n: number): void;
  /** Sets a gauge (k6's Gauge: the summary keeps the last value, min and max). */
  gauge(name: string, value: number): void;
  /** Wall ms the next request is late now: since it was meant to go out (as `request` measures latency from). */
  lateMs(): number;
}

/** One open-model flow: arrivals follow `rate`; each arrival runs `iterate` once. */
export interface PlannedFlow {
  /** The flow's name (the `flow` tag, and k6's scenario name). */
  readonly name: string;
  /** Services its requests go to. */
  readonly services: readonly string[];
  /** Iterations per wall second over the run. */
  readonly rate: RateProfile;
  iterate(ctx: IterationContext): Promise<void>;
}

/** What the engine runs: an optional setup (k6's setup(), before the load), then the flows together. */
export interface LoadPlan {
  readonly flows: readonly PlannedFlow[];
  setup?(ctx: IterationContext): Promise<void>;
  /** Counters reported even when nothing added to them (the k6 script's custom metrics). */
  readonly counters?: readonly string[];
}

/** Thrown into a flow whose request was cut off by a hard stop; the iteration counts as interrupted. */
export class EngineStopped extends CodedError {
  readonly code = ERROR_CODES.ENGINE_STOPPED;
  constructor() {
    super('the engine stopped before this request was answered');
    this.name = 'EngineStopped';
  }
}
