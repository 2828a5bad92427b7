import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunCounts {
  readonly iterations: number;
  readonly dropped: number;
  readonly requests: number;
}

/** Iterations, dropped iterations and requests from a run's summary.json; undefined when it wrote none (the run could not be done). */
export function runCounts(runDir: string): RunCounts | undefined {
  try {
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
      k6: { metrics: Record<string, { values: Record<string, number> }> };
    };
    const count = (m: string): number => summary.k6.metrics[m]?.values['count'] ?? 0;
    return { iterations: count('iterations'), dropped: count('dropped_iterations'), requests: count('http_reqs') };
  } catch {
    return undefined;
  }
}
