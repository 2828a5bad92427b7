import { escapeHtml, num } from './format.ts';

export interface LineSeries {
  readonly name: string;
  readonly values: ArrayLike<number>;
  readonly color: string;
}

export interface LineChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly LineSeries[];
  /** Draws the norm as a dashed line and marks the points above it. */
  readonly limit?: number;
  readonly limitLabel?: string;
  /** Tick labels on the x axis at these indices. */
  readonly xTicks: readonly { readonly index: number; readonly label: string }[];
  /** Label of each x index, for the tooltips. */
  readonly xLabel: (i: number) => string;
}

/** Markers for points over the norm, at most (a dense series would drown the chart). */
const MAX_MARKS = 300;
const W = 560;
const H = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/** A round step for about `n` ticks up to `max`. */
function niceStep(max: number, n: number): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** An inline SVG line chart (no script, no external resources). */
export function lineChart(spec: LineChartSpec): string {
  const n = Math.max(1, ...spec.series.map((s) => s.values.length));
  let max = spec.limit ?? 0;
  for (const s of spec.series) for (let i = 0; i < s.values.length; i++) if (s.values[i]! > max) max = s.values[i]!;
  if (max <= 0) max = 1;
  const step = niceStep(max * 1.08, 4);
  const top = Math.ceil((max * 1.08) / step) * step;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (n <= 1 ? iw / 2 : (i / (n - 1)) * iw);
  const y = (v: number): number => PAD.top + ih - (v / top) * ih;
  const parts: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${num(v)}</text>`);
  }
  for (const t of spec.xTicks) {
    parts.push(`<line class="grid" x1="${x(t.index).toFixed(1)}" x2="${x(t.index).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + ih}"/>`,
      `<text class="tick" x="${x(t.index).toFixed(1)}" y="${H - 10}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  for (const s of spec.series) {
    const pts: string[] = [];
    for (let i = 0; i < s.values.length; i++) pts.push(`${x(i).toFixed(1)},${y(s.values[i]!).toFixed(1)}`);
    parts.push(`<polyline class="series" fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"><title>${escapeHtml(s.name)}</title></polyline>`);
  }
  if (spec.limit !== undefined) {
    parts.push(`<line class="norm" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(spec.limit).toFixed(1)}" y2="${y(spec.limit).toFixed(1)}"><title>${escapeHtml(spec.limitLabel ?? 'norm')}: ${num(spec.limit)}</title></line>`,
      `<text class="norm-label" x="${W - PAD.right - 4}" y="${(y(spec.limit) - 4).toFixed(1)}" text-anchor="end">${escapeHtml(spec.limitLabel ?? 'norm')} ${num(spec.limit)}</text>`);
    // Points over the norm are marked on the first series (the load the norm is held against).
    let marks = 0;
    for (const s of spec.series.slice(0, 1)) {
      for (let i = 0; i < s.values.length && marks < MAX_MARKS; i++) {
        if (s.values[i]! > spec.limit) {
          marks++;
          parts.push(`<circle class="over" cx="${x(i).toFixed(1)}" cy="${y(s.values[i]!).toFixed(1)}" r="2.5"><title>${escapeHtml(spec.xLabel(i))}: ${num(s.values[i]!)} ${escapeHtml(spec.unit)} (over ${num(spec.limit)})</title></circle>`);
        }
      }
    }
  }
  const legend = spec.series.length > 1
    ? `<div class="legend">${spec.series.map((s) => `<span><i style="background:${s.color}"></i>${escapeHtml(s.name)}</span>`).join('')}</div>` : '';
  return `<figure class="chart" id="${spec.id}"><figcaption>${escapeHtml(spec.title)} <small>(${escapeHtml(spec.unit)})</small></figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(spec.title)}">${parts.join('')}</svg>${legend}</figure>`;
}

/** Green at full headroom through yellow to red at none; dark red over the norm. */
export function headroomColor(headroomPct: number): string {
  if (!Number.isFinite(headroomPct)) return '#eee';
  if (headroomPct < 0) return '#7f0000';
  const hue = Math.min(100, headroomPct) * 1.2;
  return `hsl(${hue.toFixed(0)} 70% ${(38 + Math.min(100, headroomPct) * 0.12).toFixed(0)}%)`;
}

/** A heat map table as SVG: rows × columns of headroom percentages (NaN = no load). */
export function heatMap(id: string, title: string, rows: readonly string[], columns: readonly string[], headroom: (r: number, c: number) => number, tip: (r: number, c: number) => string): string {
  const cw = 30;
  const ch = 20;
  const left = 64;
  const topPad = 20;
  const w = left + columns.length * cw + 4;
  const h = topPad + rows.length * ch + 4;
  const parts: string[] = [];
  columns.forEach((c, j) => parts.push(`<text class="tick" x="${left + j * cw + cw / 2}" y="14" text-anchor="middle">${escapeHtml(c)}</text>`));
  rows.forEach((r, i) => {
    parts.push(`<text class="tick" x="${left - 6}" y="${topPad + i * ch + 14}" text-anchor="end">${escapeHtml(r)}</text>`);
    columns.forEach((_, j) => {
      const v = headroom(i, j);
      const label = Number.isFinite(v) ? String(Math.round(v)) : '';
      parts.push(`<g class="cell"><rect x="${left + j * cw}" y="${topPad + i * ch}" width="${cw - 1}" height="${ch - 1}" fill="${headroomColor(v)}"><title>${escapeHtml(tip(i, j))}</title></rect>` +
        `<text class="cell-label" x="${left + j * cw + cw / 2}" y="${topPad + i * ch + 14}" text-anchor="middle">${label}</text></g>`);
    });
  });
  return `<figure class="chart heat" id="${id}"><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></figure>`;
}
