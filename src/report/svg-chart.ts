/**
 * Small inline-SVG line charts for the self-contained HTML reports (run, compare, forecast): no
 * script, no CDN, readable offline and printable. Every chart is a <figure class="chart"> with a
 * title and y's unit, axes with ticks, limits, an optional legend and the number of points drawn
 * (`data-points`, on the figure and on each `path.series`) so a reader, or a test, can check it.
 * Tooltips are SVG <title>s. Heat maps are in svg-heat-map.ts, text helpers in format.ts.
 */
import { escapeHtml, num } from './format.ts';

export interface Series {
  readonly name: string;
  /** [x, y] pairs, x ascending; `byIndex` makes them from values per index (a day, an hour). */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour; default from the palette by position. */
  readonly color?: string;
  /** A dashed line (a reference such as the max, a baseline). */
  readonly dashed?: boolean;
}

/** A horizontal limit line, e.g. a norm's. */
export interface Limit {
  readonly y: number;
  readonly label: string;
  /** Mark the points above it with a dot and a tooltip (the breaches a reader looks for). */
  readonly markOver?: boolean;
}

/** A labelled tick on the x axis at a chosen x (a month's first day, say). */
export interface XTick {
  readonly x: number;
  readonly label: string;
}

export interface LineChartOptions {
  /** The figure's id, for links and tests. */
  readonly id?: string;
  readonly title: string;
  /** Unit of y, shown in the caption, the limits' labels and the tooltips. */
  readonly unit?: string;
  /** Axis labels; left out when the ticks (dates) or the caption's unit say it. */
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly Series[];
  readonly limits?: readonly Limit[];
  /** Ticks at these x; default round numbers over the x range. */
  readonly xTicks?: readonly XTick[];
  /**
   * Vertical marks at these x with a label at the top (a speed schedule's segment boundaries: the
   * label names the speed from there on). Each is a `line.mark` with `data-x` and `data-label`.
   */
  readonly xMarks?: readonly XTick[];
  /** What an x is called in a tooltip (its day, its time); default the number. */
  readonly pointLabel?: (x: number) => string;
  /** Show the series' names under the chart; default when there is more than one. */
  readonly legend?: boolean;
  /** Size of the drawing (default 560 × 240); it scales to the width of its box. */
  readonly width?: number;
  readonly height?: number;
  /** Start the y axis at zero (default true). */
  readonly yFromZero?: boolean;
}

export const PALETTE = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4b5563'];

/** Markers for points over a limit, at most (a dense series would drown the chart). */
const MAX_MARKS = 300;
/** Width of a tick label's character at 11 px, for the left margin. */
const CHAR_PX = 6.5;

/** Values per index (a Float64Array of days, say) as [index, value] points. */
export function byIndex(values: ArrayLike<number>): [number, number][] {
  return Array.from(values, (v, i): [number, number] => [i, v]);
}

/** A round step (1, 2 or 5 × 10^n) for about `count` ticks over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
}

/** Decimals that tell ticks `step` apart, and no more (0.5, 1.0, 1.5 rather than 0.50, 1, 1.50). */
function tickDigits(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** Round ticks within [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A line chart as an SVG <figure>. Empty series give a chart that says "no data". */
export function lineChart(o: LineChartOptions): string {
  // About the width of a chart in a two-column grid at 1366 px, so 11 px text stays 11 px.
  const width = o.width ?? 560;
  const height = o.height ?? 240;
  const all = o.series.flatMap((s) => s.points);
  const limits = o.limits ?? [];
  const idAttr = o.id === undefined ? '' : ` id="${escapeHtml(o.id)}"`;
  const caption = `<figcaption>${escapeHtml(o.title)}${o.unit ? ` <small>(${escapeHtml(o.unit)})</small>` : ''}</figcaption>`;
  if (all.length === 0)
    return `<figure class="chart"${idAttr} data-points="0">${caption}<p class="nodata">no data</p></figure>`;

  // The y axis runs over round ticks from zero (or the lowest value) to just above the highest
  // value or limit, so a limit line is always in view.
  const ys = [...all.map((p) => p[1]), ...limits.map((l) => l.y)];
  const yMin = o.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys);
  const yMax = Math.max(...ys);
  const top = 16;
  const bottom = o.xLabel === undefined ? 26 : 44;
  const ph = height - top - bottom;
  const span = (yMax > yMin ? yMax - yMin : 1) * 1.05;
  const step = niceStep(span, Math.max(3, Math.round(ph / 40)));
  const y0 = Math.floor(yMin / step) * step;
  const y1 = Math.ceil((yMin + span) / step) * step;
  const yTicks = Array.from({ length: Math.round((y1 - y0) / step) + 1 }, (_, k) =>
    Number((y0 + k * step).toPrecision(12)),
  );
  const yText = (t: number): string => num(t, tickDigits(step));
  const left =
    Math.max(40, 10 + Math.max(...yTicks.map((t) => yText(t).length)) * CHAR_PX) + (o.yLabel === undefined ? 0 : 20);
  const pw = width - left - 16;
  const xs = all.map((p) => p[0]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) > x0 ? Math.max(...xs) : x0 + 1;
  const sx = (x: number): number => left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => top + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (n: number): string => n.toFixed(1);
  const unit = o.unit ? ` ${o.unit}` : '';
  const pointLabel = o.pointLabel ?? ((x: number): string => num(x));

  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(
      `<line x1="${left}" x2="${left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" class="grid"/>`,
      `<text x="${left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" class="tick">${yText(t)}</text>`,
    );
  }
  const xCount = Math.max(2, Math.round(pw / 80));
  const xTicks =
    o.xTicks ?? niceTicks(x0, x1, xCount).map((x) => ({ x, label: num(x, tickDigits(niceStep(x1 - x0, xCount))) }));
  for (const t of xTicks) {
    parts.push(
      `<line x1="${f(sx(t.x))}" x2="${f(sx(t.x))}" y1="${top}" y2="${top + ph + 4}" class="grid"/>`,
      `<text x="${f(sx(t.x))}" y="${top + ph + 16}" text-anchor="middle" class="tick">${escapeHtml(t.label)}</text>`,
    );
  }
  for (const m of o.xMarks ?? []) {
    if (m.x < x0 || m.x > x1) continue;
    parts.push(
      `<line x1="${f(sx(m.x))}" x2="${f(sx(m.x))}" y1="${top}" y2="${top + ph}" class="mark" data-x="${m.x}" data-label="${escapeHtml(m.label)}"><title>${escapeHtml(m.label)}</title></line>`,
      `<text x="${f(sx(m.x) + 3)}" y="${top + 10}" class="mark-label">${escapeHtml(m.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + ph}" class="axis"/>`,
    `<line x1="${left}" x2="${left + pw}" y1="${top + ph}" y2="${top + ph}" class="axis"/>`,
  );
  if (o.xLabel !== undefined)
    parts.push(
      `<text x="${left + pw / 2}" y="${height - 6}" text-anchor="middle" class="label">${escapeHtml(o.xLabel)}</text>`,
    );
  if (o.yLabel !== undefined)
    parts.push(
      `<text transform="translate(14 ${top + ph / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(o.yLabel)}</text>`,
    );
  const colorOf = (i: number): string => o.series[i]?.color ?? PALETTE[i % PALETTE.length]!;
  o.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(sx(p[0]))} ${f(sy(p[1]))}`).join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${colorOf(i)}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ''} class="series" data-series="${escapeHtml(s.name)}" data-points="${s.points.length}"><title>${escapeHtml(s.name)}</title></path>`,
    );
  });
  // Limits after the series so their line and label stay readable over a dense series.
  let marks = 0;
  for (const l of limits) {
    parts.push(
      `<line x1="${left}" x2="${left + pw}" y1="${f(sy(l.y))}" y2="${f(sy(l.y))}" class="norm"><title>${escapeHtml(`${l.label}: ${num(l.y)}${unit}`)}</title></line>`,
      `<text x="${left + pw - 4}" y="${f(sy(l.y) - 4)}" text-anchor="end" class="norm-label">${escapeHtml(`${l.label} ${num(l.y)}${unit}`)}</text>`,
    );
    if (!l.markOver) continue;
    for (const s of o.series) {
      for (const [x, y] of s.points) {
        if (y <= l.y || marks >= MAX_MARKS) continue;
        marks++;
        parts.push(
          `<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" class="over"><title>${escapeHtml(`${pointLabel(x)}: ${num(y)}${unit} (over ${num(l.y)})`)}</title></circle>`,
        );
      }
    }
  }
  const legend =
    (o.legend ?? o.series.length > 1)
      ? `<div class="legend">${o.series.map((s, i) => `<span class="key"><i style="border-color:${colorOf(i)}"${s.dashed ? ' class="dashed"' : ''}></i>${escapeHtml(s.name)}</span>`).join(' ')}</div>`
      : '';
  return `<figure class="chart"${idAttr} data-points="${all.length}">${caption}
<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>${legend}</figure>`;
}

/** The CSS the charts and heat maps need, for the page's <style>. */
export const CHART_CSS = `
figure.chart { margin: 1rem 0; max-width: 760px; }
figure.chart.heat { max-width: none; overflow-x: auto; }
figure.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
figure.chart figcaption small { color: #6b7280; font-weight: 400; }
figure.chart svg { display: block; }
figure.chart svg text { font: 11px system-ui, sans-serif; fill: #374151; }
figure.chart svg text.label { font-size: 12px; fill: #111827; }
figure.chart .grid { stroke: #e5e7eb; }
figure.chart .axis { stroke: #6b7280; }
figure.chart .norm { stroke: #b91c1c; stroke-width: 1.5; stroke-dasharray: 6 4; }
figure.chart svg text.norm-label { fill: #b91c1c; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
figure.chart .over { fill: #b91c1c; }
figure.chart .mark { stroke: #7e22ce; stroke-width: 1; stroke-dasharray: 2 3; }
figure.chart svg text.mark-label { font-size: 10px; fill: #7e22ce; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
figure.chart svg text.cell-label { font-size: 9px; fill: #fff; pointer-events: none; }
figure.chart .legend { font-size: 12px; }
figure.chart .legend .key { margin-right: 1rem; white-space: nowrap; }
figure.chart .legend i { display: inline-block; width: 14px; border-top: 3px solid; margin-right: 4px; vertical-align: middle; }
figure.chart .legend i.dashed { border-top-style: dashed; }
figure.chart .nodata { color: #6b7280; }
`;
