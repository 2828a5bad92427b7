import { EXIT } from '../errors/exit-codes.ts';

/**
 * Exit codes of `bbsim run`, named for what a run means by them (a view of the one table in src/errors/exit-codes.ts);
 * a CI system branches on them. Precedence when several
 * apply (a --repeat set, a run that breaches and also lost requests): COULD_NOT_RUN, then
 * ERRORS_OVER_BUDGET, NOT_JUDGED, BREACH, HOLDS.
 */
export const RUN_EXIT = Object.freeze({
  /** Every checked norm holds, every norm the scenario checks was judged, failed requests within budget. */
  HOLDS: EXIT.OK,
  /** A norm is breached. */
  BREACH: EXIT.CHECK_FAILED,
  /** The run could not be done (k6 missing, a bad scenario, the load generator crashed). */
  COULD_NOT_RUN: EXIT.COULD_NOT_RUN,
  /** A norm the scenario checks could not be judged: no or too few successful requests, or no figure from the target. */
  NOT_JUDGED: EXIT.NOT_JUDGED,
  /** More requests failed than the error budget allows (src/results/error-budget.ts). */
  ERRORS_OVER_BUDGET: EXIT.ERRORS_OVER_BUDGET,
});

export type RunExitCode = (typeof RUN_EXIT)[keyof typeof RUN_EXIT];

const RANK: Readonly<Record<RunExitCode, number>> = { 0: 0, 1: 1, 3: 2, 4: 3, 2: 4 };

/** The more serious of two exit codes (for a --repeat set). */
export function worstExit(a: RunExitCode, b: RunExitCode): RunExitCode {
  return RANK[a] >= RANK[b] ? a : b;
}

export const RUN_EXIT_HELP =
  'Exit codes: 0 every checked norm holds, 1 a norm is breached, 2 the run could not be done, 3 a norm the scenario checks could not be judged (no or too few successful requests, or no figure from the target), 4 more requests failed than the error budget allows.';
