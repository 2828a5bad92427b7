import { RUN_EXIT } from '../run/index.ts';
import type { ServiceErrors, VerdictRow } from '../results/index.ts';

/**
 * The lines under a verdict table that say what the exit code means: every reason a run does not
 * pass, each with the norms or services it is about. `bbsim run` and `bbsim collect` print the same,
 * so a run judged from merged segments reads like any other.
 */
export function verdictOutcomeLines(
  rows: readonly VerdictRow[],
  errorBudget: readonly ServiceErrors[] | undefined,
  exitCode: number,
): string[] {
  if (exitCode === RUN_EXIT.HOLDS) return ['every checked norm holds'];
  const failed = rows.filter((r) => r.status === 'fail').map((r) => r.normId);
  const unjudged = rows.filter((r) => r.unjudged !== undefined).map((r) => r.normId);
  const over = (errorBudget ?? []).filter((b) => b.status === 'fail').map((b) => b.service);
  const lines: string[] = [];
  if (over.length)
    lines.push(
      `FAILED: more requests failed than the error budget allows (${over.join(', ')}): this run is no evidence that the norms hold`,
    );
  if (unjudged.length)
    lines.push(`NOT JUDGED: ${unjudged.join(', ')} (too few successful requests or no figure): this run does not pass`);
  if (failed.length) lines.push(`norm breached: ${failed.join(', ')}`);
  return lines;
}
