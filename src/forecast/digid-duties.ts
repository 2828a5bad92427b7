import { digidForecastDuties } from '../norms/index.ts';
import type { Forecast, ForecastRow } from './forecast-types.ts';
import type { Spreader } from './spreader.ts';

const MONTHS_PER_YEAR = 12;

/** An afnemer's DigiD usage in a forecast (or actuals) and the forecast duties it triggers. */
export interface DutyRow {
  readonly oin: string;
  readonly naam: string;
  /** The most authentications in 12 consecutive months (or in all months when fewer are given). */
  readonly perYear: number;
  /** Which months that is, e.g. '2027-01..2027-12'. */
  readonly yearSpan: string;
  readonly maxPerMonth: number;
  readonly maxMonth: string;
  /** Its busiest minute, spread by its own profile. */
  readonly peakPerMinute: number;
  /** Ids of the duties triggered (DIGID_FORECAST_DUTIES); empty: no duty. */
  readonly duties: readonly string[];
}

function inMonthOrder(rows: readonly ForecastRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i - 1]!.month > rows[i]!.month) return false;
  return true;
}

/**
 * The DigiD forecast duty (SNO DigiD v2.8, Capaciteitsbeheer) per afnemer: more than 5 M
 * authentications a year, 1 M in a month or a peak above 1,000 a minute obliges it to forecast.
 */
export function digidDuties(data: Forecast, spreader: Spreader): DutyRow[] {
  const byAfnemer = new Map<string, ForecastRow[]>();
  for (let i = 0; i < data.rows.length; i++) {
    const r = data.rows[i]!;
    let list = byAfnemer.get(r.oin);
    if (!list) byAfnemer.set(r.oin, (list = []));
    list.push(r);
  }
  const out: DutyRow[] = [];
  for (const a of data.afnemers) {
    // 'YYYY-MM' sorts as text (localeCompare cost 4,000 afnemers ~0.1 s); a file is nearly always
    // in month order already, and a sorted copy of 4,000 lists cost ~8 MB of garbage.
    const own = byAfnemer.get(a.oin) ?? [];
    const rows = inMonthOrder(own)
      ? own
      : own.slice().sort((x, y) => (x.month < y.month ? -1 : x.month > y.month ? 1 : 0));
    if (!rows.some((r) => r.counts.digid > 0)) continue;
    let maxPerMonth = 0;
    let maxMonth = rows[0]!.month;
    for (const r of rows)
      if (r.counts.digid > maxPerMonth) {
        maxPerMonth = r.counts.digid;
        maxMonth = r.month;
      }
    let perYear = 0;
    let yearSpan = '';
    const span = Math.min(MONTHS_PER_YEAR, rows.length);
    for (let i = 0; i + span <= rows.length; i++) {
      let s = 0;
      for (let j = i; j < i + span; j++) s += rows[j]!.counts.digid;
      if (s > perYear || yearSpan === '') {
        perYear = s;
        yearSpan = `${rows[i]!.month}..${rows[i + span - 1]!.month}${span < MONTHS_PER_YEAR ? ` (only ${span} months given)` : ''}`;
      }
    }
    const peakPerMinute = spreader.afnemerPeakPerMinute(rows, 'digid');
    const duties = digidForecastDuties({ perYear, maxPerMonth, peakPerMinute }).map((d) => d.id);
    out.push({ oin: a.oin, naam: a.naam, perYear, yearSpan, maxPerMonth, maxMonth, peakPerMinute, duties });
  }
  return out.sort((x, y) => y.perYear - x.perYear);
}
