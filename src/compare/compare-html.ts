import type { TimelinePoint } from '../results/summary.ts';
import { escapeHtml } from '../report/format.ts';
import { CHART_CSS, lineChart, PALETTE } from '../report/svg-chart.ts';
import type { LoadedRun } from './load-runs.ts';
import { FIGURE_HEAD, NORM_HEAD, SCOPE_HEAD, VERDICT_TEXT, figureCells, normCells, scopeCells } from './render-text.ts';
import type { CompareResult } from './types.ts';

/** Per t, the mean over a side's runs of one service's figure (runs of one scenario share their t's). */
function meanSeries(
  runs: readonly LoadedRun[],
  service: string,
  value: (p: TimelinePoint) => number,
): [number, number][] {
  const byT = new Map<number, number[]>();
  for (const r of runs)
    for (const p of r.summary.timeline)
      if (p.service === service) (byT.get(p.t) ?? byT.set(p.t, []).get(p.t)!).push(value(p));
  return [...byT.entries()].sort(([a], [b]) => a - b).map(([t, xs]) => [t, xs.reduce((a, b) => a + b, 0) / xs.length]);
}

/**
 * The comparison as one self-contained page: the outcome, the warnings, norms and figures with
 * their intervals, and per service both sides' latency and throughput overlaid (baseline dashed).
 */
export function compareHtml(r: CompareResult, baseline: readonly LoadedRun[], current: readonly LoadedRun[]): string {
  const x = escapeHtml;
  const services = [
    ...new Set([...baseline, ...current].flatMap((run) => run.summary.timeline.map((p) => p.service))),
  ].sort();
  const charts = services.flatMap((service, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    return [
      lineChart({
        title: `${service}: p99 latency per second, baseline (dashed) and current`,
        xLabel: 'wall time since start (s)',
        yLabel: 'ms',
        series: [
          { name: 'baseline p99', points: meanSeries(baseline, service, (p) => p.p99), color, dashed: true },
          { name: 'current p99', points: meanSeries(current, service, (p) => p.p99), color },
        ],
      }),
      lineChart({
        title: `${service}: throughput, baseline (dashed) and current`,
        xLabel: 'wall time since start (s)',
        yLabel: 'requests / bucket',
        series: [
          { name: 'baseline', points: meanSeries(baseline, service, (p) => p.requests), color, dashed: true },
          { name: 'current', points: meanSeries(current, service, (p) => p.requests), color },
        ],
      }),
    ];
  });
  const rowsHtml = (
    head: readonly string[],
    rows: readonly (readonly string[])[],
    verdicts: readonly string[],
  ): string =>
    `<table><thead><tr>${head.map((h) => `<th>${x(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row, i) => `<tr class="${verdicts[i]}">${row.map((c) => `<td>${x(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bbsim compare ${x(r.scenario)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #111827; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.banner { padding: .6rem .8rem; border-radius: 4px; font-weight: 600; }
.banner.ok { background: #dcfce7; color: #14532d; } .banner.regressed { background: #fee2e2; color: #7f1d1d; }
.warning { background: #fef3c7; color: #78350f; padding: .4rem .8rem; border-radius: 4px; margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .3rem .5rem; text-align: left; }
tr.regression td { color: #b91c1c; font-weight: 600; } tr.improvement td:last-child { color: #15803d; }
tr.not-enough-samples td { color: #6b7280; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 0 1.5rem; }
${CHART_CSS}
</style></head><body>
<h1>bbsim compare: ${x(r.scenario)}</h1>
<p>Baseline <code>${x(r.baseline.path)}</code> (${r.baseline.runs} runs) → current <code>${x(r.current.path)}</code> (${r.current.runs} runs)</p>
<p class="banner ${r.regressions === 0 ? 'ok' : 'regressed'}" id="outcome">${r.regressions === 0 ? 'No regression' : `${r.regressions} regression${r.regressions === 1 ? '' : 's'}`}</p>
${r.warnings.map((w) => `<p class="warning">${x(w)}</p>`).join('\n')}
<h2>Norms</h2>
${rowsHtml(
  NORM_HEAD,
  r.norms.map(normCells),
  r.norms.map((n) => n.verdict),
)}
${
  r.scopes.length
    ? `<h2>Flows and services on one side only</h2>\n${rowsHtml(
        SCOPE_HEAD,
        r.scopes.map(scopeCells),
        r.scopes.map((s) => (s.verdict === 'lost' ? 'regression' : 'new')),
      )}`
    : ''
}
<h2>Latency, errors and throughput</h2>
<p>A change is a regression only when its whole 95 % bootstrap interval is past the budget (relative and absolute); an error rate going from 0 to anything is one whatever the budget. A percentile with fewer than 10/(1 − q) successful requests in a run (p99.9: 10,000) is "not enough samples", never judged.</p>
${rowsHtml(
  FIGURE_HEAD,
  r.figures.map(figureCells),
  r.figures.map((f) => f.verdict),
)}
<h2>Over time</h2>
<div class="charts">${charts.join('\n')}</div>
<p class="legend-note">${x(`${VERDICT_TEXT.regression}: the whole interval is past the budget; ${VERDICT_TEXT.improvement}: past it the other way; ${VERDICT_TEXT['no-change']}: within the budget or within the noise; ${VERDICT_TEXT['not-enough-samples']}: the sample cannot support the figure.`)}</p>
</body></html>
`;
}
