import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../results/summary.ts';
import type { VerdictRow } from '../results/verdict-row.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** One run as a comparison reads it. */
export interface LoadedRun {
  readonly dir: string;
  readonly summary: RunSummary;
  readonly rows: readonly VerdictRow[];
}

/** A folder of repeated runs (`bbsim run --repeat`, a saved baseline) lists them in runs.json. */
export interface RunSetIndex {
  readonly scenario: string;
  readonly runs: readonly string[];
}

export class RunsError extends CodedError {
  readonly code = ERROR_CODES.RUNS_UNUSABLE;
  override readonly name = 'RunsError';
}

function loadOne(dir: string): LoadedRun {
  const summaryPath = join(dir, 'summary.json');
  if (!existsSync(summaryPath))
    throw new RunsError(
      `${dir} holds no summary.json: give a run folder (results/<run-id>), a --repeat folder or a baseline (results/baselines/<name>)`,
    );
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  const verdictPath = join(dir, 'verdict.json');
  const rows = existsSync(verdictPath)
    ? (JSON.parse(readFileSync(verdictPath, 'utf8')) as { rows: VerdictRow[] }).rows
    : [];
  return { dir, summary, rows };
}

/** The runs of a run folder, a --repeat folder or a baseline: one or more, same scenario. */
export function loadRuns(path: string): LoadedRun[] {
  const index = join(path, 'runs.json');
  if (!existsSync(index)) return [loadOne(path)];
  const set = JSON.parse(readFileSync(index, 'utf8')) as RunSetIndex;
  if (!Array.isArray(set.runs) || set.runs.length === 0) throw new RunsError(`${index} lists no runs`);
  return set.runs.map((r) => loadOne(join(path, r)));
}
