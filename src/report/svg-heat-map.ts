/**
 * A heat map as inline SVG (rows × columns of coloured cells with their value and a tooltip), styled
 * by CHART_CSS. Fixed cell size, so the numbers in the cells stay legible; the figure scrolls
 * sideways on a narrow screen rather than shrinking them.
 */
import { escapeHtml } from './format.ts';

export interface HeatMapOptions {
  readonly id?: string;
  readonly title: string;
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  /** The cell's value, NaN for none (drawn grey, no label). */
  readonly value: (row: number, column: number) => number;
  readonly tooltip: (row: number, column: number) => string;
  /** Cell colour for a value; default `headroomColor` (values are headroom percentages). */
  readonly color?: (value: number) => string;
}

/** Green at full headroom through yellow to red at none; dark red over the norm. */
export function headroomColor(headroomPct: number): string {
  if (!Number.isFinite(headroomPct)) return '#eee';
  if (headroomPct < 0) return '#7f0000';
  const hue = Math.min(100, headroomPct) * 1.2;
  return `hsl(${hue.toFixed(0)} 70% ${(38 + Math.min(100, headroomPct) * 0.12).toFixed(0)}%)`;
}

export function heatMap(o: HeatMapOptions): string {
  const color = o.color ?? headroomColor;
  const cw = 30;
  const ch = 20;
  const left = 64;
  const top = 20;
  const w = left + o.columns.length * cw + 4;
  const h = top + o.rows.length * ch + 4;
  const parts: string[] = [];
  o.columns.forEach((c, j) =>
    parts.push(`<text class="tick" x="${left + j * cw + cw / 2}" y="14" text-anchor="middle">${escapeHtml(c)}</text>`),
  );
  o.rows.forEach((r, i) => {
    parts.push(`<text class="tick" x="${left - 6}" y="${top + i * ch + 14}" text-anchor="end">${escapeHtml(r)}</text>`);
    o.columns.forEach((_, j) => {
      const v = o.value(i, j);
      const label = Number.isFinite(v) ? String(Math.round(v)) : '';
      parts.push(
        `<g class="cell"><rect x="${left + j * cw}" y="${top + i * ch}" width="${cw - 1}" height="${ch - 1}" fill="${color(v)}"><title>${escapeHtml(o.tooltip(i, j))}</title></rect>` +
          `<text class="cell-label" x="${left + j * cw + cw / 2}" y="${top + i * ch + 14}" text-anchor="middle">${label}</text></g>`,
      );
    });
  });
  const idAttr = o.id === undefined ? '' : ` id="${escapeHtml(o.id)}"`;
  return `<figure class="chart heat"${idAttr}><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg></figure>`;
}
