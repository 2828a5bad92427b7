import type { RunErrors, TimelinePoint } from './summary.ts';

/**
 * The error budget: at most this share of a service's requests may fail (answered with a status
 * >= 400 that is not a refusal, or not answered at all) before the run fails. Ours, not an SNO
 * norm: the SNO documents speak of availability per month, not of errors per run; but a run in
 * which requests fail is not evidence that the norms hold, whatever its latencies.
 */
export const DEFAULT_ERROR_BUDGET_PCT = 1;

/**
 * Refusals: a service saying "not now, retry later" — over a capacity window (429, 503
 * BBSIM_CAPACITY with Retry-After) or in maintenance (503). That is how the mock keeps a capacity
 * norm, so they are counted apart and not charged to the error budget. (An injected outage also
 * answers 503 and counts here; the availability norm judges it.)
 */
export const REFUSAL_STATUSES: ReadonlySet<string> = new Set(['429', '503']);

export interface ServiceErrors {
  readonly service: string;
  readonly requests: number;
  /** Status >= 400 or no answer. */
  readonly failed: number;
  /** Of those, refusals (REFUSAL_STATUSES): not charged to the budget. */
  readonly refused: number;
  /** failed − refused: what the budget counts. */
  readonly errors: number;
  readonly errorRatePct: number;
  readonly budgetPct: number;
  /** Failed requests by status ('0': no answer). */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly status: 'pass' | 'fail';
}

/** Requests and failures per service: no norm speaks of them, but a reader of a verdict must see them. */
export function requestsByService(timeline: readonly TimelinePoint[]): Record<string, { requests: number; failed: number }> {
  const out: Record<string, { requests: number; failed: number }> = {};
  for (const p of timeline) {
    const s = (out[p.service] ??= { requests: 0, failed: 0 });
    s.requests += p.requests;
    s.failed += p.failed;
  }
  return out;
}

/**
 * Per service: requests, failures split into refusals and errors, and the error budget's verdict.
 * Without per-service statuses (a run recorded before they were), every failure counts as an error.
 */
export function serviceErrors(timeline: readonly TimelinePoint[], errors: RunErrors | undefined, budgetPct = DEFAULT_ERROR_BUDGET_PCT): ServiceErrors[] {
  return Object.entries(requestsByService(timeline)).sort(([a], [b]) => a.localeCompare(b)).map(([service, c]) => {
    const byStatus = errors?.byService?.[service] ?? {};
    const refused = Math.min(c.failed, Object.entries(byStatus).filter(([s]) => REFUSAL_STATUSES.has(s)).reduce((a, [, n]) => a + n, 0));
    const errs = c.failed - refused;
    const errorRatePct = c.requests > 0 ? (100 * errs) / c.requests : 0;
    return { service, requests: c.requests, failed: c.failed, refused, errors: errs, errorRatePct, budgetPct, byStatus, status: errorRatePct > budgetPct ? 'fail' : 'pass' };
  });
}

const STATUS_WORDS: Readonly<Record<string, string>> = { '0': 'no answer', '404': 'not found', '429': 'refused: over capacity', '503': 'refused: unavailable or over capacity' };

/** `2399 × no answer (status 0)`, `12 × 404 not found`: a service's failures by status, largest first. */
export function statusText(byStatus: Readonly<Record<string, number>>): string {
  return Object.entries(byStatus).sort(([, a], [, b]) => b - a)
    .map(([s, n]) => `${n} × ${s === '0' ? 'no answer (status 0)' : `${s}${STATUS_WORDS[s] ? ` ${STATUS_WORDS[s]}` : ''}`}`).join(', ');
}

/** k6's error codes a dead or misconfigured target gives (k6 docs, "Error codes"). */
const K6_ERROR_CODES: Readonly<Record<string, string>> = {
  1050: 'request timeout', 1100: 'DNS error', 1211: 'dial timeout', 1212: 'connection refused', 1220: 'connection reset by peer',
};

/**
 * The lines a reader must see before the verdict table when requests failed: per service how many,
 * by status, refusals apart, and the load generator's error codes. Empty when nothing failed.
 */
export function failedRequestLines(rows: readonly ServiceErrors[], errors: RunErrors | undefined): string[] {
  const failing = rows.filter((r) => r.failed > 0);
  if (failing.length === 0) return [];
  const total = rows.reduce((a, r) => a + r.requests, 0);
  const failed = failing.reduce((a, r) => a + r.failed, 0);
  const lines = [`FAILED REQUESTS: ${failed} of ${total} (${((100 * failed) / Math.max(1, total)).toFixed(1)} %)`];
  for (const r of failing) {
    const share = ((100 * r.failed) / Math.max(1, r.requests)).toFixed(1);
    const over = r.status === 'fail' ? ` — OVER the error budget: ${r.errors} errors = ${r.errorRatePct.toFixed(1)} % > ${r.budgetPct} %` : r.errors > 0 ? ` — within the error budget (${r.errorRatePct.toFixed(2)} % ≤ ${r.budgetPct} %)` : '';
    const refused = r.refused > 0 ? `; ${r.refused} refusals (429/503, not charged to the budget)` : '';
    lines.push(`  ${r.service}: ${r.failed} of ${r.requests} failed (${share} %)${Object.keys(r.byStatus).length ? `: ${statusText(r.byStatus)}` : ''}${refused}${over}`);
  }
  const codes = Object.entries(errors?.byCode ?? {}).sort(([, a], [, b]) => b - a);
  if (codes.length) lines.push(`  errors from the load generator: ${codes.map(([c, n]) => `${n} × ${c}${K6_ERROR_CODES[c] ? ` (${K6_ERROR_CODES[c]})` : ''}`).join(', ')}`);
  return lines;
}
