/**
 * Small inline-SVG charts for the self-contained HTML reports (run, compare, forecast): no script,
 * no CDN, readable offline and printable. Every chart is a <figure> with a title, axes with ticks,
 * a legend, and the data's extremes in a caption so a reader (or a test) can check it.
 */

export interface Series {
  readonly name: string;
  /** [x, y] pairs, x ascending. */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour; default from the palette by position. */
  readonly color?: string;
  /** A dashed line (a norm limit, a baseline). */
  readonly dashed?: boolean;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Horizontal reference lines, e.g. a norm's limit. */
  readonly rules?: readonly { readonly y: number; readonly label: string }[];
  /** Force the y axis to start at zero (default true). */
  readonly yFromZero?: boolean;
}

export const PALETTE = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4b5563'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Round tick steps: 1, 2 or 5 × 10^n, about `count` of them over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
  return v.toFixed(a >= 10 ? 1 : 2);
}

/** A line chart as an SVG <figure>. Empty series give a chart that says "no data". */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 260;
  const m = { left: 64, right: 16, top: 16, bottom: 44 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points);
  const ruleYs = (o.rules ?? []).map((r) => r.y);
  if (all.length === 0) {
    return `<figure class="chart" data-points="0"><figcaption>${escapeHtml(o.title)}</figcaption><p class="nodata">no data</p></figure>`;
  }
  const xs = all.map((p) => p[0]);
  const ys = [...all.map((p) => p[1]), ...ruleYs];
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) > x0 ? Math.max(...xs) : x0 + 1;
  const y0 = o.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys);
  const yMax = Math.max(...ys);
  const y1 = yMax > y0 ? yMax * 1.05 : y0 + 1;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (n: number): string => n.toFixed(1);

  const parts: string[] = [];
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" class="grid"/>`,
      `<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${formatNumber(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    parts.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top + ph}" y2="${m.top + ph + 4}" class="axis"/>`,
      `<text x="${f(sx(t))}" y="${m.top + ph + 16}" text-anchor="middle">${formatNumber(t)}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" class="axis"/>`,
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" class="axis"/>`,
    `<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle" class="label">${escapeHtml(o.xLabel)}</text>`,
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(o.yLabel)}</text>`);
  for (const r of o.rules ?? []) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(r.y))}" y2="${f(sy(r.y))}" class="rule"/>`,
      `<text x="${m.left + pw - 4}" y="${f(sy(r.y) - 4)}" text-anchor="end" class="rule-label">${escapeHtml(r.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(sx(p[0]))} ${f(sy(p[1]))}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''} class="series" data-series="${escapeHtml(s.name)}" data-points="${s.points.length}"/>`);
  });
  const legend = o.series.map((s, i) => `<span class="key"><i style="background:${s.color ?? PALETTE[i % PALETTE.length]}"></i>${escapeHtml(s.name)}</span>`).join(' ');
  return `<figure class="chart" data-points="${all.length}"><figcaption>${escapeHtml(o.title)}</figcaption>
<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>
<div class="legend">${legend}</div></figure>`;
}

/** The CSS the charts need, for the page's <style>. */
export const CHART_CSS = `
figure.chart { margin: 1rem 0; max-width: 760px; }
figure.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
figure.chart svg text { font: 11px system-ui, sans-serif; fill: #374151; }
figure.chart svg text.label { font-size: 12px; fill: #111827; }
figure.chart .grid { stroke: #e5e7eb; }
figure.chart .axis { stroke: #6b7280; }
figure.chart .rule { stroke: #b91c1c; stroke-dasharray: 4 3; }
figure.chart .rule-label { fill: #b91c1c; }
figure.chart .legend { font-size: 12px; }
figure.chart .legend .key { margin-right: 1rem; white-space: nowrap; }
figure.chart .legend i { display: inline-block; width: 12px; height: 3px; margin-right: 4px; vertical-align: middle; }
figure.chart .nodata { color: #6b7280; }
`;
