import type { CompareResult, FigureRow, NormRow, ScopeRow } from './types.ts';

const fmt = (x: number | undefined, unit = ''): string => {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return `${a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`;
};
const signed = (x: number, unit = ''): string => `${x > 0 ? '+' : ''}${fmt(x, unit)}`;
export const VERDICT_TEXT = {
  regression: 'REGRESSION',
  improvement: 'improved',
  'no-change': 'ok',
  'not-enough-samples': 'not enough samples',
} as const;

/**
 * One figure as table cells. An error rate is a percentage of requests and its change is in
 * percentage points (0.00 % → 100 %, +100 pp), never a relative change of a near-zero rate.
 */
export function figureCells(f: FigureRow): string[] {
  const rate = f.figure === 'error-rate';
  const value = rate
    ? `${fmt(f.baseline, ' %')} → ${fmt(f.current, ' %')}`
    : `${fmt(f.baseline)} → ${fmt(f.current)} ${f.unit}`;
  const verdict =
    f.verdict === 'not-enough-samples' && f.samples
      ? `not enough samples (${f.samples.fewest} < ${f.samples.needed})`
      : VERDICT_TEXT[f.verdict];
  return [
    `${f.scope} ${f.name}`,
    f.figure,
    value,
    rate ? signed(f.change, ' pp') : signed(f.changePct, ' %'),
    `[${signed(f.interval[0])}, ${signed(f.interval[1])}] ${f.unit}`,
    `+${f.budget.relativePct} % & ${f.budget.absolute} ${f.unit}`,
    f.note && f.verdict === 'regression' ? `${verdict}: ${f.note}` : verdict,
  ];
}

export const SCOPE_HEAD = ['scope', 'requests a run: baseline → current', 'verdict'];

export function scopeCells(s: ScopeRow): string[] {
  return [
    `${s.scope} ${s.name}`,
    `${fmt(s.baseline)} → ${fmt(s.current)}`,
    s.verdict === 'lost' ? 'REGRESSION: no request now' : 'new: not in the baseline',
  ];
}

export function normCells(n: NormRow): string[] {
  if (n.verdict === 'regression' && n.currentStatus === 'not judged')
    return [
      n.normId,
      `${n.limit} ${n.unit}`,
      `${fmt(n.baseline)} (${n.baselineStatus})`,
      `— (${n.currentStatus})`,
      '—',
      'REGRESSION: judged before, not now',
    ];
  return [
    n.normId,
    `${n.limit} ${n.unit}`,
    `${fmt(n.baseline)} (${n.baselineStatus})`,
    `${fmt(n.current)} (${n.currentStatus})`,
    n.changePct === undefined ? '—' : signed(n.changePct, ' %'),
    VERDICT_TEXT[n.verdict],
  ];
}

export const FIGURE_HEAD = [
  'scope',
  'figure',
  'baseline → current',
  'change',
  '95 % interval of the change',
  'budget',
  'verdict',
];
export const NORM_HEAD = ['norm', 'limit', 'baseline', 'current', 'change', 'verdict'];

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The comparison as terminal text: warnings, norms, figures, the outcome. */
export function compareText(r: CompareResult): string {
  return [
    `Compare ${r.scenario}: baseline ${r.baseline.path} (${r.baseline.runs} run${r.baseline.runs === 1 ? '' : 's'}) → current ${r.current.path} (${r.current.runs})`,
    ...r.warnings.map((w) => `warning: ${w}`),
    '',
    table(NORM_HEAD, r.norms.map(normCells)),
    '',
    table(FIGURE_HEAD, r.figures.map(figureCells)),
    '',
    ...(r.scopes.length ? [table(SCOPE_HEAD, r.scopes.map(scopeCells)), ''] : []),
    r.regressions === 0
      ? 'no regression: every change is within its budget or within the noise'
      : `${r.regressions} regression${r.regressions === 1 ? '' : 's'}: the whole interval of the change is past its budget`,
  ].join('\n');
}

/** A Markdown summary fit for a pull-request comment: the outcome first, then what changed. */
export function compareMarkdown(r: CompareResult): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
    [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
    ].join('\n');
  const notable = r.figures.filter((f) => f.verdict === 'regression' || f.verdict === 'improvement');
  return [
    `### bbsim: ${r.scenario} — ${r.regressions === 0 ? '✅ no regression' : `❌ ${r.regressions} regression${r.regressions === 1 ? '' : 's'}`}`,
    '',
    `Baseline \`${r.baseline.path}\` (${r.baseline.runs} runs) → current \`${r.current.path}\` (${r.current.runs} runs). A change counts only when its whole 95 % bootstrap interval is past the budget.`,
    ...r.warnings.map((w) => `> ⚠️ ${w}`),
    '',
    '#### Norms',
    mdTable(NORM_HEAD, r.norms.filter((n) => n.baselineStatus !== 'n/a' || n.currentStatus !== 'n/a').map(normCells)),
    '',
    ...(r.scopes.length
      ? ['#### Flows and services on one side only', mdTable(SCOPE_HEAD, r.scopes.map(scopeCells)), '']
      : []),
    notable.length ? '#### Changes past their budget' : '#### Figures (all within budget or noise)',
    mdTable(FIGURE_HEAD, (notable.length ? notable : r.figures).map(figureCells)),
    '',
    `Figures with too few samples to judge (a p99.9 needs 10,000 successful requests a run, a p99 1,000, a p95 200): ${
      r.figures
        .filter((f) => f.verdict === 'not-enough-samples')
        .map((f) => `${f.scope} ${f.name} ${f.figure}`)
        .join(', ') || 'none'
    }.`,
    '',
  ].join('\n');
}
