import type { CompareResult, FigureRow, NormRow } from './types.ts';

const fmt = (x: number | undefined, unit = ''): string => {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return `${a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`;
};
const signed = (x: number, unit = ''): string => `${x > 0 ? '+' : ''}${fmt(x, unit)}`;
export const VERDICT_TEXT = { regression: 'REGRESSION', improvement: 'improved', 'no-change': 'ok' } as const;

export function figureCells(f: FigureRow): string[] {
  return [
    `${f.scope} ${f.name}`, f.figure, `${fmt(f.baseline)} → ${fmt(f.current)} ${f.unit}`, signed(f.changePct, ' %'),
    `[${signed(f.interval[0])}, ${signed(f.interval[1])}] ${f.unit}`, `+${f.budget.relativePct} % & ${f.budget.absolute} ${f.unit}`, VERDICT_TEXT[f.verdict],
  ];
}

export function normCells(n: NormRow): string[] {
  return [n.normId, `${n.limit} ${n.unit}`, `${fmt(n.baseline)} (${n.baselineStatus})`, `${fmt(n.current)} (${n.currentStatus})`, n.changePct === undefined ? '—' : signed(n.changePct, ' %'), VERDICT_TEXT[n.verdict]];
}

export const FIGURE_HEAD = ['scope', 'figure', 'baseline → current', 'change', '95 % interval of the change', 'budget', 'verdict'];
export const NORM_HEAD = ['norm', 'limit', 'baseline', 'current', 'change', 'verdict'];

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
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
    r.regressions === 0 ? 'no regression: every change is within its budget or within the noise' : `${r.regressions} regression${r.regressions === 1 ? '' : 's'}: the whole interval of the change is past its budget`,
  ].join('\n');
}

/** A Markdown summary fit for a pull-request comment: the outcome first, then what changed. */
export function compareMarkdown(r: CompareResult): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
    [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`)].join('\n');
  const notable = r.figures.filter((f) => f.verdict !== 'no-change');
  return [
    `### bbsim: ${r.scenario} — ${r.regressions === 0 ? '✅ no regression' : `❌ ${r.regressions} regression${r.regressions === 1 ? '' : 's'}`}`,
    '',
    `Baseline \`${r.baseline.path}\` (${r.baseline.runs} runs) → current \`${r.current.path}\` (${r.current.runs} runs). A change counts only when its whole 95 % bootstrap interval is past the budget.`,
    ...r.warnings.map((w) => `> ⚠️ ${w}`),
    '',
    '#### Norms',
    mdTable(NORM_HEAD, r.norms.filter((n) => n.baselineStatus !== 'n/a' || n.currentStatus !== 'n/a').map(normCells)),
    '',
    notable.length ? '#### Changes past their budget' : '#### Figures (all within budget or noise)',
    mdTable(FIGURE_HEAD, (notable.length ? notable : r.figures).map(figureCells)),
    '',
  ].join('\n');
}
