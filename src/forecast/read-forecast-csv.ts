import { OIN_DIGITS } from '../norms/index.ts';
import { parseCsv, type CsvField } from './csv-records.ts';
import { FORECAST_COLUMNS } from './forecast-columns.ts';
import type { Afnemer, Forecast, ForecastRow, SeriesKey } from './forecast-types.ts';
import { IssueList } from './input-error.ts';

export interface ReadOptions {
  /**
   * 'forecast': every afnemer needs a row for every month of a contiguous horizon.
   * 'actuals': any subset of (month, afnemer), e.g. the months that are past.
   */
  readonly kind: 'forecast' | 'actuals';
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const WHOLE = /^\d+$/;

/** 'YYYY-MM' → months since year 0, so contiguity is a difference of 1. */
export function monthNumber(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

export function monthName(n: number): string {
  return `${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`;
}

/**
 * Reads a forecast (or actuals) CSV. Every problem is reported with its file, line, column and
 * rule (ForecastInputError); nothing is dropped or guessed.
 */
export function readForecastCsv(text: string, file: string, opts: ReadOptions): Forecast {
  const issues = new IssueList();
  const csv = parseCsv(text);
  for (const e of csv.errors) issues.add(file, e.line, e.column, `CSV syntax: ${e.message}`);
  issues.throwIfAny();
  const [header, ...body] = csv.records;
  if (!header) {
    issues.add(file, 1, 1, `empty file: the first line must name the columns: ${FORECAST_COLUMNS.map((c) => c.name).join(',')}`);
    issues.throwIfAny();
    throw new Error('unreachable');
  }
  // Header: every documented column once, nothing else.
  const index = new Map<string, number>();
  header.fields.forEach((f, i) => {
    const name = f.text.trim();
    if (!FORECAST_COLUMNS.some((c) => c.name === name)) {
      issues.add(file, f.line, f.column, `unknown column '${name}': the columns are ${FORECAST_COLUMNS.map((c) => c.name).join(', ')}`);
    } else if (index.has(name)) {
      issues.add(file, f.line, f.column, `column '${name}' appears twice`);
    } else index.set(name, i);
  });
  const missing = FORECAST_COLUMNS.filter((c) => !index.has(c.name)).map((c) => c.name);
  if (missing.length > 0) issues.add(file, header.line, 1, `missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (every column is required; write 0 where there is nothing)`);
  issues.throwIfAny();

  const decimalComma = csv.delimiter === ';';
  const oinPattern = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);
  const rows: ForecastRow[] = [];
  const names = new Map<string, { naam: string; line: number }>();
  const seen = new Map<string, number>();
  for (const rec of body) {
    if (rec.fields.length !== header.fields.length) {
      const last = rec.fields[rec.fields.length - 1];
      issues.add(file, rec.line, rec.fields.length > header.fields.length ? (rec.fields[header.fields.length]?.column ?? 1) : (last ? last.column + last.text.length : 1),
        `${rec.fields.length} fields, the header has ${header.fields.length} (separator '${csv.delimiter}'; quote a value that contains it)`);
      continue;
    }
    const field = (name: string): CsvField => rec.fields[index.get(name)!]!;
    const at = (f: CsvField, column: string, rule: string): void => issues.add(file, f.line, f.column, `column '${column}': ${rule}`);
    let ok = true;

    const monthField = field('month');
    const month = monthField.text.trim();
    if (!MONTH.test(month)) {
      at(monthField, 'month', `'${monthField.text}' is not a month YYYY-MM`);
      ok = false;
    }
    const oinField = field('afnemer_oin');
    const oin = oinField.text.trim();
    if (!oinPattern.test(oin)) {
      at(oinField, 'afnemer_oin', `'${oinField.text}' is not an OIN of ${OIN_DIGITS.max} digits`);
      ok = false;
    }
    const naamField = field('afnemer_naam');
    const naam = naamField.text.trim();
    if (naam === '') {
      at(naamField, 'afnemer_naam', 'empty: name the afnemer');
      ok = false;
    }
    const counts = {} as Record<SeriesKey, number>;
    const columns = { month: monthField.column, oin: oinField.column } as Record<SeriesKey | 'month' | 'oin' | 'attachmentSharePct', number>;
    for (const c of FORECAST_COLUMNS) {
      if (!c.series) continue;
      const f = field(c.name);
      columns[c.series] = f.column;
      const t = f.text.trim();
      if (!WHOLE.test(t)) {
        at(f, c.name, t === '' ? 'empty: write 0 when there is nothing' : `'${f.text}' is not a whole number >= 0 (digits only, no separators or decimals)`);
        ok = false;
        continue;
      }
      const v = Number(t);
      if (!Number.isSafeInteger(v)) {
        at(f, c.name, `'${t}' is too large`);
        ok = false;
        continue;
      }
      counts[c.series] = v;
    }
    const shareField = field('attachment_share_pct');
    columns.attachmentSharePct = shareField.column;
    const shareText = shareField.text.trim();
    const share = Number(decimalComma ? shareText.replace(',', '.') : shareText);
    if (shareText === '' || !/^\d+([.,]\d+)?$/.test(shareText) || (!decimalComma && shareText.includes(',')) || !(share >= 0 && share <= 100)) {
      at(shareField, 'attachment_share_pct', `'${shareField.text}' is not a percentage from 0 to 100${decimalComma ? ' (decimal comma)' : ' (decimal point)'}`);
      ok = false;
    }
    if (ok && counts.notifications > counts.messages) {
      at(field('notifications'), 'notifications', `${counts.notifications} notifications for ${counts.messages} letters: a letter gives at most one notification`);
      ok = false;
    }
    if (!ok) continue;
    const known = names.get(oin);
    if (known && known.naam !== naam) {
      at(naamField, 'afnemer_naam', `'${naam}' differs from '${known.naam}' on line ${known.line} for the same OIN ${oin}`);
      continue;
    }
    if (!known) names.set(oin, { naam, line: rec.line });
    const key = `${month}/${oin}`;
    const dup = seen.get(key);
    if (dup !== undefined) {
      at(oinField, 'afnemer_oin', `a second row for ${oin} in ${month} (the first is on line ${dup}); give one row per afnemer per month`);
      continue;
    }
    seen.set(key, rec.line);
    rows.push({ line: rec.line, month, oin, naam, attachmentSharePct: share, counts, columns });
  }
  if (body.length === 0) issues.add(file, header.line + 1, 1, 'no data rows after the header');
  issues.throwIfAny();

  const monthNumbers = [...new Set(rows.map((r) => monthNumber(r.month)))].sort((a, b) => a - b);
  const first = monthNumbers[0]!;
  const last = monthNumbers[monthNumbers.length - 1]!;
  const afnemers: Afnemer[] = [...names.entries()].map(([oin, v]) => ({ oin, naam: v.naam, line: v.line }));
  let months: string[];
  if (opts.kind === 'forecast') {
    months = [];
    for (let m = first; m <= last; m++) months.push(monthName(m));
    // A hole in the horizon, or an afnemer without a row in some month, would be read as zero: refuse it.
    const have = new Set(rows.map((r) => `${r.month}/${r.oin}`));
    for (const a of afnemers) {
      const gaps = months.filter((m) => !have.has(`${m}/${a.oin}`));
      if (gaps.length > 0) {
        issues.add(file, a.line, 1, `afnemer ${a.oin} (${a.naam}) has no row for ${gaps.length > 6 ? `${gaps.slice(0, 6).join(', ')} and ${gaps.length - 6} more months` : gaps.join(', ')}: every afnemer needs a row for every month from ${months[0]} to ${months[months.length - 1]} (write zeros)`);
      }
    }
    issues.throwIfAny();
  } else {
    months = monthNumbers.map(monthName);
  }
  return { file, months, afnemers, rows };
}
