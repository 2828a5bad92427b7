/**
 * The one table of bbsim's exit codes (as k6's errext/exitcodes): every command exits with one of
 * these, so a pipeline can tell "the service failed a check" from "the job itself is wrong".
 * 2 covers both a usage error and a run that could not be done: either way there is no verdict,
 * and scripts/ci-perf.sh and the CI templates rely on that one number.
 */
export const EXIT = Object.freeze({
  /** Every check held: norms, no regression, scripts fresh, a delivery reconciled. */
  OK: 0,
  /** A check failed: a norm breached, a regression, a stale script, a delivery not reconciled. */
  CHECK_FAILED: 1,
  /** Bad usage (an unknown option, scenario or value; a bad --target): nothing was run. */
  USAGE: 2,
  /** The run could not be done (k6 missing, the target not answering, a probe failed): no verdict. */
  COULD_NOT_RUN: 2,
  /** bbsim run: a norm the scenario checks could not be judged (no or too few successful requests, or no figure from the target). */
  NOT_JUDGED: 3,
  /** bbsim run: more requests failed than the error budget allows (src/results/error-budget.ts). */
  ERRORS_OVER_BUDGET: 4,
  /** Stopped by a second Ctrl-C (128 + SIGINT, the shell's convention). */
  INTERRUPTED: 130,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
