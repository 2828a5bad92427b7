import { NORMS, incidentPriority, resolutionTime, type Norm, type Priority } from '../norms/index.ts';

/** The slice of k6's summary the verdict reads: metric → { values: { avg, 'p(99.9)', max, count, … } }. */
export interface K6Summary {
  readonly metrics: Readonly<Record<string, { readonly values: Readonly<Record<string, number>> }>>;
}

/** Server-side figures from the mock (absent when the target is not the mock). */
export interface ServerFigures {
  readonly status?: { readonly intake?: { readonly maxProcessingDelayMs?: number } };
  /** The mock's /availability for the run's sim month. */
  readonly availability?: { readonly services?: readonly { readonly service: string; readonly availabilityPercent: number }[] };
  readonly digid?: { readonly withinNormPercent?: number; readonly averageMs?: number; readonly peakOfferedPerMinute?: number };
  readonly machtigen?: { readonly withinNormPercent?: number; readonly averageMs?: number; readonly peakOfferedPerMinute?: number };
  readonly validatieservice?: { readonly peakOfferedPerHour?: number };
}

export type VerdictStatus = 'pass' | 'fail' | 'not-measured';

export interface VerdictRow {
  readonly normId: string;
  readonly title: string;
  readonly limit: number;
  readonly unit: string;
  readonly measured: number | undefined;
  /** Distance to the limit in the norm's unit: positive is headroom, negative a breach. */
  readonly margin: number | undefined;
  readonly status: VerdictStatus;
  readonly source: string;
  readonly citation: string;
  /** For a breach: the SNO incident priority it would be and its resolution time. */
  readonly priority?: { readonly priority: Priority; readonly resolution: string };
}

/** Rate norms read from the mock's busiest window: value and where it came from. */
const PEAK_OFFERED: Readonly<Record<string, (s: ServerFigures) => [number | undefined, string]>> = {
  'digid.authentications-per-minute': (s) => [s.digid?.peakOfferedPerMinute, 'mock /digid/stats peakOfferedPerMinute (busiest sim minute)'],
  'machtigen.transactions-per-minute': (s) => [s.machtigen?.peakOfferedPerMinute, 'mock /machtigen/v1/stats peakOfferedPerMinute (busiest sim minute)'],
  'validatieservice.queries-per-hour': (s) => [s.validatieservice?.peakOfferedPerHour, 'mock /validatieservice/stats peakOfferedPerHour (busiest sim hour)'],
};

function statKey(n: Norm): string | undefined {
  if (n.statistic === 'avg') return 'avg';
  if (n.statistic === 100) return 'max';
  if (typeof n.statistic === 'number') return `p(${n.statistic})`;
  return undefined;
}

/**
 * One row per checked norm. Latency norms are read from k6's per-service submetrics (the thresholds
 * the generator wrote); the DigiD/Machtigen "average within 4 s for 99.5 %" reads the share of sim
 * minutes from the mock; the 24 h processing norm reads the mock's largest processing delay. Norms
 * this run cannot measure say so rather than pass silently.
 */
export function verdictRows(normIds: readonly string[], k6: K6Summary, server: ServerFigures): VerdictRow[] {
  return NORMS.filter((n) => normIds.includes(n.id)).map((n) => {
    let measured: number | undefined;
    let source = '—';
    const key = statKey(n);
    if (n.quantity === 'latency' && key) {
      const metric = k6.metrics[`http_req_duration{service:${n.service}}`];
      measured = metric?.values[key];
      source = `k6 http_req_duration{service:${n.service}} ${key}`;
      const minutes = n.service === 'digid' ? server.digid : n.service === 'digid-machtigen' ? server.machtigen : undefined;
      if (n.attainment !== undefined && minutes?.withinNormPercent !== undefined) {
        // "average within 4 s for 99.5 %": the share of sim minutes whose mean is within the limit.
        const share = minutes.withinNormPercent;
        const ok = share >= n.attainment;
        return row(n, measured, `${source}; ${share.toFixed(2)} % of sim minutes within (mock)`, ok && (measured === undefined || measured <= n.limit));
      }
    } else if (n.quantity === 'rate' && PEAK_OFFERED[n.id]) {
      // A capacity norm holds when the load offered in its busiest window fits it (sim time, mock).
      const [value, from] = PEAK_OFFERED[n.id]!(server);
      measured = value;
      source = from;
    } else if (n.quantity === 'availability') {
      // MijnOverheid's 99 % covers the Berichtenbox services: the lowest of them counts.
      const services = n.service === 'mijnoverheid' ? ['berichtenbox-intake', 'presentatie', 'validatieservice', 'abonnementservice'] : [n.service];
      const figures = (server.availability?.services ?? []).filter((s) => services.includes(s.service)).map((s) => s.availabilityPercent);
      measured = figures.length ? Math.min(...figures) : undefined;
      source = 'mock /availability (SNO formula, sim month)';
    } else if (n.id === 'berichtenbox.max-processing-time') {
      const ms = server.status?.intake?.maxProcessingDelayMs;
      measured = ms === undefined ? undefined : ms / 1000;
      source = 'mock /status intake.maxProcessingDelayMs (sim s)';
    }
    if (measured === undefined) return row(n, undefined, source === '—' ? 'not measured by this run' : source, undefined);
    return row(n, measured, source, n.bound === 'max' ? measured <= n.limit : measured >= n.limit);
  });
}

function row(n: Norm, measured: number | undefined, source: string, ok: boolean | undefined): VerdictRow {
  const margin = measured === undefined ? undefined : n.bound === 'max' ? n.limit - measured : measured - n.limit;
  const status: VerdictStatus = ok === undefined ? 'not-measured' : ok ? 'pass' : 'fail';
  const base = {
    normId: n.id, title: n.title, limit: n.limit, unit: n.unit, measured, margin, status, source,
    citation: `${n.citation.doc} §${n.citation.section}: "${n.citation.quote}"`,
  };
  if (status !== 'fail') return base;
  // A norm breach makes a service deliver worse than agreed: impact midden (a koppelvlak/function
  // degrades), urgency hoog for capacity and latency norms — the SNO matrix then gives priority 2.
  const priority = incidentPriority('hoog', 'midden');
  const r = resolutionTime(n.service, priority);
  return { ...base, priority: { priority, resolution: `${r.hours} ${r.hourKind === 'klok' ? 'clock' : 'office'} hours` } };
}

export function allHold(rows: readonly VerdictRow[]): boolean {
  return rows.every((r) => r.status !== 'fail');
}
