import type { Norm } from '../norms/index.ts';

export type CheckStatus = 'pass' | 'fail';

/** One norm held against the forecast: its busiest window, the headroom and how often it is over. */
export interface CheckRow {
  readonly normId: string;
  readonly title: string;
  /** The window the norm counts in, or what a duration/share/count norm is measured over. */
  readonly window: string;
  readonly limit: number;
  /** Unit of limit and peak, e.g. 'letters/hour', 's', '%'. */
  readonly unit: string;
  /** Which load in the pipeline is held against the norm. */
  readonly measured: string;
  readonly peak: number;
  /** Start of the busiest window (epoch ms), when there is one. */
  readonly peakAt?: number;
  /** (limit − peak) / limit × 100 for a maximum, (peak − limit) / limit × 100 for a minimum; negative is a breach. */
  readonly headroomPct: number;
  /** Windows over the limit, of all windows in the horizon. */
  readonly windowsOver: number;
  readonly windowsTotal: number;
  /** Sum over the limit in all windows over it (in the norm's unit). */
  readonly excess: number;
  readonly status: CheckStatus;
  readonly citation: string;
  /** Every run of consecutive windows over the limit, in time order (empty when the norm holds). */
  readonly periods: readonly OverPeriod[];
}

/**
 * A run of consecutive windows over a norm. `from`/`to` are what is shown (epoch ms); the load
 * behind it (for who is in it) is what the norm counted in minutes [loadFrom, loadTo) of the
 * horizon: for a night quota the requests since the previous night, for a delay norm the arrivals
 * that waited too long.
 */
export interface OverPeriod {
  readonly from: number;
  readonly to: number;
  readonly loadFrom: number;
  readonly loadTo: number;
  /** Windows over the limit in the run. */
  readonly windows: number;
  readonly peak: number;
  readonly peakAt: number;
  /** Which series of the norm's load (the subscription kind for the lead time). */
  readonly series?: string;
}

export function citationText(n: Norm): string {
  return `${n.citation.doc} §${n.citation.section}: "${n.citation.quote}"`;
}

export function headroomPct(limit: number, peak: number, bound: 'max' | 'min' = 'max'): number {
  if (limit === 0) return peak === 0 ? 0 : bound === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return bound === 'max' ? ((limit - peak) / limit) * 100 : ((peak - limit) / limit) * 100;
}
