import { NORMS } from '../norms/index.ts';
import type { RunSummary, TimelinePoint } from '../results/summary.ts';
import { bucketWidth, coarsenTimeline } from '../results/timeline.ts';
import type { VerdictRow } from '../results/verdict-row.ts';
import { failedRequestLines, serviceErrors } from '../results/error-budget.ts';
import { escapeHtml, num } from './format.ts';
import { timeAxis } from './sim-axis.ts';
import { CHART_CSS, lineChart, type Series } from './svg-chart.ts';

const CHART_POINTS = 300;

const STATUS_TEXT = { pass: 'PASS', fail: 'FAIL', 'not-measured': 'n/a' } as const;

function byService(timeline: readonly TimelinePoint[]): Map<string, TimelinePoint[]> {
  const out = new Map<string, TimelinePoint[]>();
  for (const p of timeline) {
    const list = out.get(p.service) ?? [];
    list.push(p);
    out.set(p.service, list);
  }
  return out;
}

function verdictTableHtml(rows: readonly VerdictRow[]): string {
  const fmt = (x: number | undefined): string => (x === undefined ? '—' : num(x));
  const body = rows
    .map(
      (r) => `<tr class="${r.status}" data-norm="${escapeHtml(r.normId)}">
<td>${escapeHtml(r.normId)}<div class="title">${escapeHtml(r.title)}</div></td><td class="num">${escapeHtml(`${r.limit} ${r.unit}`)}</td>
<td class="num" data-measured="${r.measured ?? ''}">${fmt(r.measured)}</td><td class="num">${fmt(r.margin)}</td>
<td class="status">${STATUS_TEXT[r.status]}</td><td>${r.priority ? `P${r.priority.priority} (${escapeHtml(r.priority.resolution)})` : ''}</td>
<td class="source">${escapeHtml(r.source)}<div class="cite">${escapeHtml(r.citation)}</div></td></tr>`,
    )
    .join('\n');
  return `<table class="verdict"><thead><tr><th>norm</th><th>limit</th><th>measured</th><th>margin</th><th>verdict</th><th>priority</th><th>source and citation</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

/**
 * The run's self-contained report.html: the verdict table (the same rows as verdict.json), latency
 * over time per service with the latency norms as lines, throughput and failures per second, and
 * the run's context. Inline SVG and CSS only: it opens offline, from a CI artifact or an e-mail.
 */
export function renderRunReport(summary: RunSummary, rows: readonly VerdictRow[]): string {
  // Long runs are drawn with at most CHART_POINTS points per line (keeps an hour's page small).
  const { timeline, factor } = coarsenTimeline(summary.timeline, CHART_POINTS);
  const services = byService(timeline);
  const width = bucketWidth(summary.timeline) * factor;
  // Wall seconds, or sim time along the run's speed schedule (sim-axis.ts).
  const axis = timeAxis(summary);
  const x = axis.x;
  const axisOptions = {
    xLabel: axis.label,
    ...(axis.ticks ? { xTicks: axis.ticks } : {}),
    ...(axis.marks ? { xMarks: axis.marks } : {}),
    ...(axis.pointLabel ? { pointLabel: axis.pointLabel } : {}),
  };
  const latencyCharts = [...services.entries()].map(([service, points]) => {
    const norms = NORMS.filter(
      (n) =>
        n.service === service &&
        n.quantity === 'latency' &&
        n.unit === 'ms' &&
        typeof n.statistic === 'number' &&
        n.statistic < 100,
    );
    const series: Series[] = [
      { name: 'p50', points: points.map((p) => [x(p.t), p.p50]) },
      { name: 'p95', points: points.map((p) => [x(p.t), p.p95]) },
      { name: 'p99', points: points.map((p) => [x(p.t), p.p99]) },
      { name: 'max', points: points.map((p) => [x(p.t), p.max]), dashed: true },
    ];
    return lineChart({
      title: `${service}: latency over time`,
      ...axisOptions,
      unit: 'ms',
      series,
      limits: norms.map((n) => ({ y: n.limit, label: `${n.id} p${String(n.statistic)} <` })),
    });
  });
  const throughput = lineChart({
    title: 'Throughput per service',
    ...axisOptions,
    unit: 'requests/s',
    series: [...services.entries()].map(([service, points]) => ({
      name: service,
      points: points.map((p) => [x(p.t), p.requests / width] as const),
    })),
    legend: true,
  });
  const failures = lineChart({
    title: 'Failed requests per service (status ≥ 400 or no answer)',
    ...axisOptions,
    unit: 'failed/s',
    series: [...services.entries()].map(([service, points]) => ({
      name: service,
      points: points.map((p) => [x(p.t), p.failed / width] as const),
    })),
    legend: true,
  });
  const failed = rows.filter((r) => r.status === 'fail').map((r) => r.normId);
  const unjudged = rows.filter((r) => r.unjudged !== undefined).map((r) => r.normId);
  const budget = serviceErrors(summary.timeline, summary.errors);
  const over = budget.filter((b) => b.status === 'fail');
  const failedLines = failedRequestLines(budget, summary.errors);
  // The headline says the worst first: lost requests, then norms not judged, then breaches.
  const banners: [cls: string, text: string][] = [];
  if (over.length)
    banners.push([
      'breached',
      `Requests failed: ${over.map((b) => `${b.service} ${b.errors} of ${b.requests} (${b.errorRatePct.toFixed(1)} %)`).join(', ')} — over the error budget; this run is no evidence that the norms hold`,
    ]);
  if (unjudged.length)
    banners.push(['unjudged', `Not judged (too few successful requests or no figure): ${unjudged.join(', ')}`]);
  if (failed.length) banners.push(['breached', `Norm breached: ${failed.join(', ')}`]);
  if (banners.length === 0) banners.push(['holds', 'Every checked norm holds']);
  const reqs = summary.k6.metrics['http_reqs']?.values;
  const context: [string, string][] = [
    ['scenario', summary.scenario],
    ['run', summary.runId],
    ['engine', summary.engine],
    ['target', summary.target],
    axis.schedule !== undefined ? ['speed schedule (sim)', axis.schedule] : ['sim clock speed', String(summary.speed)],
    ['wall seconds', summary.seconds.toFixed(1)],
    ['requests', reqs ? `${num(reqs['count'] ?? 0)} (${(reqs['rate'] ?? 0).toFixed(1)}/s)` : '—'],
    ['dropped iterations', String(summary.k6.metrics['dropped_iterations']?.values['count'] ?? 0)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bbsim run ${escapeHtml(summary.runId)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #111827; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.banner { padding: .6rem .8rem; border-radius: 4px; font-weight: 600; }
.banner.holds { background: #dcfce7; color: #14532d; } .banner.breached { background: #fee2e2; color: #7f1d1d; }
.banner.unjudged { background: #fef3c7; color: #78350f; }
.failed-requests { background: #fff7ed; border-left: 4px solid #ea580c; padding: .4rem .8rem; margin: .5rem 0; white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.fail td.status { color: #b91c1c; font-weight: 700; } tr.pass td.status { color: #15803d; font-weight: 700; }
tr.not-measured td.status { color: #6b7280; }
.title, .cite { color: #6b7280; font-size: 12px; } .source { max-width: 420px; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.context dt { color: #6b7280; } dl.context dd { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 0 1.5rem; }
${CHART_CSS}
</style></head>
<body>
<h1>bbsim run: ${escapeHtml(summary.scenario)}</h1>
${banners.map(([cls, text], i) => `<p class="banner ${cls}"${i === 0 ? ' id="outcome"' : ''}>${escapeHtml(text)}</p>`).join('\n')}
${failedLines.length ? `<pre class="failed-requests" id="failed-requests">${escapeHtml(failedLines.join('\n'))}</pre>` : ''}
<dl class="context">${context.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Verdict</h2>
${verdictTableHtml(rows)}
<h2>Latency over time</h2>
<div class="charts">${latencyCharts.join('\n') || '<p>no timeline in this run</p>'}</div>
<h2>Throughput and failures</h2>
<div class="charts">${throughput}
${failures}</div>
<p class="title">Latency is wall time, measured by the load generator (${escapeHtml(summary.engine)}); rates and windows of the capacity norms are sim time, measured by the mock.</p>
</body></html>
`;
}
