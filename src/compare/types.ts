/** What a comparison judges: latency percentiles, the error rate and the throughput of a flow or service. */
export const FIGURES = ['p50', 'p95', 'p99', 'p99.9', 'error-rate', 'throughput'] as const;
export type Figure = (typeof FIGURES)[number];

/**
 * How much worse a figure may get before it is a regression: both the relative and the absolute
 * change must be past their budget (so 0.3 ms → 0.4 ms is not "+33 %" news, nor 2 s → 2.004 s).
 * Units: latency ms, error rate percentage points, throughput requests/s (worse is lower).
 */
export interface Budget {
  readonly relativePct: number;
  readonly absolute: number;
}

export type Budgets = Readonly<Record<Figure, Budget>>;

export type ChangeVerdict = 'regression' | 'improvement' | 'no-change';

/** A figure's verdict: a change, or 'not-enough-samples' when a side's sample cannot support it (src/run/sample-size.ts). */
export type FigureVerdict = ChangeVerdict | 'not-enough-samples';

export interface FigureRow {
  readonly scope: 'flow' | 'service';
  readonly name: string;
  readonly figure: Figure;
  readonly unit: 'ms' | 'pp' | 'req/s';
  readonly baseline: number;
  readonly current: number;
  /** current − baseline, in the figure's unit. */
  readonly change: number;
  readonly changePct: number;
  /** 95 % bootstrap interval of the change (same unit); equal ends when it cannot be estimated. */
  readonly interval: readonly [number, number];
  readonly intervalPct: readonly [number, number];
  readonly budget: Budget;
  readonly verdict: FigureVerdict;
  /** Fewest successful requests in a run of either side, and how many the figure needs (quantiles only). */
  readonly samples?: { readonly fewest: number; readonly needed: number };
  /** Why the verdict is what it is when a rule, not the interval, decided (0 → non-zero errors, too few samples). */
  readonly note?: string;
}

/** A flow or service with requests on one side only: lost (a regression) or new. */
export interface ScopeRow {
  readonly scope: 'flow' | 'service';
  readonly name: string;
  /** Mean requests per run on each side. */
  readonly baseline: number;
  readonly current: number;
  readonly verdict: 'lost' | 'new';
}

export interface NormRow {
  readonly normId: string;
  readonly unit: string;
  readonly limit: number;
  readonly baseline: number | undefined;
  readonly current: number | undefined;
  readonly changePct: number | undefined;
  readonly baselineStatus: string;
  readonly currentStatus: string;
  /** A norm that held in every baseline run and fails in a current run. */
  readonly verdict: ChangeVerdict;
}

export interface CompareResult {
  readonly scenario: string;
  readonly baseline: { readonly path: string; readonly runs: number; readonly scenarioHash: string | undefined };
  readonly current: { readonly path: string; readonly runs: number; readonly scenarioHash: string | undefined };
  readonly budgets: Budgets;
  readonly norms: readonly NormRow[];
  readonly figures: readonly FigureRow[];
  /** Scopes present on one side only (a lost one counts as a regression). */
  readonly scopes: readonly ScopeRow[];
  /** Things the reader must know: unlike scenarios, hardware, Node, k6 or engine; one run per side; a side without histograms. */
  readonly warnings: readonly string[];
  readonly regressions: number;
}
