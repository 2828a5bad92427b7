import { FIGURES, type Budget, type Budgets, type Figure } from './types.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/**
 * Defaults: tail percentiles may move more than the median before it counts, and every latency
 * budget has an absolute floor, so a fast endpoint's tiny shift is not a regression.
 */
export const DEFAULT_BUDGETS: Budgets = Object.freeze({
  p50: { relativePct: 10, absolute: 2 },
  p95: { relativePct: 10, absolute: 5 },
  p99: { relativePct: 10, absolute: 5 },
  'p99.9': { relativePct: 20, absolute: 10 },
  'error-rate': { relativePct: 50, absolute: 1 },
  throughput: { relativePct: 5, absolute: 1 },
});

const UNIT: Record<Figure, string> = {
  p50: 'ms',
  p95: 'ms',
  p99: 'ms',
  'p99.9': 'ms',
  'error-rate': 'pp',
  throughput: 'req/s',
};

export class BudgetError extends CodedError {
  readonly code = ERROR_CODES.BUDGET_INVALID;
  override readonly name = 'BudgetError';
}

/**
 * Parses `--budget` values such as `p99=10%,5ms`, `error-rate=50%,1pp`, `throughput=5%,1req/s`
 * (either part may be left out) over the defaults.
 */
export function parseBudgets(specs: readonly string[]): Budgets {
  const out: Record<Figure, Budget> = { ...DEFAULT_BUDGETS };
  for (const spec of specs) {
    const m = /^([a-z0-9.-]+)=(.+)$/.exec(spec.trim());
    const figure = m?.[1] as Figure | undefined;
    if (!m || !figure || !(FIGURES as readonly string[]).includes(figure)) {
      throw new BudgetError(
        `--budget ${JSON.stringify(spec)}: write <figure>=<relative>%,<absolute>${'<unit>'} with figure one of ${FIGURES.join(', ')} (e.g. p99=10%,5ms)`,
      );
    }
    let budget: Budget = out[figure];
    for (const part of (m[2] ?? '').split(',')) {
      const p = part.trim();
      const rel = /^(\d+(?:\.\d+)?)%$/.exec(p);
      const abs = new RegExp(`^(\\d+(?:\\.\\d+)?)${UNIT[figure].replace('/', '\\/')}$`).exec(p);
      if (rel) budget = { ...budget, relativePct: Number(rel[1]) };
      else if (abs) budget = { ...budget, absolute: Number(abs[1]) };
      else
        throw new BudgetError(
          `--budget ${JSON.stringify(spec)}: ${JSON.stringify(p)} is neither a percentage (10%) nor an amount in ${UNIT[figure]} (5${UNIT[figure]})`,
        );
    }
    out[figure] = budget;
  }
  return Object.freeze(out);
}

export function unitOf(figure: Figure): 'ms' | 'pp' | 'req/s' {
  return UNIT[figure] as 'ms' | 'pp' | 'req/s';
}
