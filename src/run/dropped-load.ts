import type { K6Summary, VerdictRow } from '../results/verdict-row.ts';

/**
 * The share of the asked iterations a load generator may drop before a pass no longer says what it
 * claims. k6 may drop a few while it allocates VUs at a ramp's start; the whole peak-day at 1,800
 * iterations/s on two cores dropped 28 %, and its other norms still read PASS on the load that was
 * left (issue 23's whole-day run, session 7). At 1 % a capacity norm loaded to 98 % of its limit
 * (peak-day's letters) is still offered more than 97 % of it.
 */
export const DROPPED_TOLERANCE = 0.01;

export interface DroppedLoad {
  readonly dropped: number;
  /** Started plus dropped: what the scenario asked for. */
  readonly asked: number;
  readonly share: number;
}

/** Iterations the generator dropped (k6's `dropped_iterations`; the native engine writes the same metric). */
export function droppedLoad(k6: K6Summary): DroppedLoad {
  const dropped = k6.metrics['dropped_iterations']?.values['count'] ?? 0;
  const asked = (k6.metrics['iterations']?.values['count'] ?? 0) + dropped;
  return { dropped, asked, share: asked > 0 ? dropped / asked : 0 };
}

/**
 * A run whose generator dropped more than DROPPED_TOLERANCE offered less than the scenario asks: a
 * norm that held, held for a lighter load (a capacity window less full, a queue shorter, a tail
 * thinner), so it is not judged (RUN_EXIT.NOT_JUDGED), with the reason. A breach stands: the load
 * that was offered, lighter than asked, was already too much. Norms no load run measures (no origin)
 * are untouched.
 */
export function judgedUnderDrops(rows: readonly VerdictRow[], k6: K6Summary): VerdictRow[] {
  const d = droppedLoad(k6);
  if (d.share <= DROPPED_TOLERANCE) return [...rows];
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
  const why = `the load generator dropped ${d.dropped} of the ${d.asked} iterations asked (${pct(d.share)}, over the ${pct(DROPPED_TOLERANCE)} a pass allows): the load offered was lighter than the scenario asks, so a pass would prove less than it says; run at a lower wall rate (--max-wall-rate) or on more cores (--segments)`;
  return rows.map((r) =>
    r.status === 'pass' && r.origin !== undefined
      ? { ...r, status: 'not-measured', source: `${r.source}; not judged: ${why}`, unjudged: why }
      : r,
  );
}
