import { HOUR, SECOND } from '../clock/index.ts';
import { MAX_PROCESSING_TIME, NORMS, type Norm } from '../norms/index.ts';
import { escapeHtml, num } from '../report/format.ts';
import { CHART_CSS, byIndex, lineChart, type XTick } from '../report/svg-chart.ts';
import { headroomColor, heatMap } from '../report/svg-heat-map.ts';
import type { CheckRow } from './check-row.ts';
import { dailyTable, type DayRow } from './daily-table.ts';
import type { EmittedScenario } from './emit-scenario.ts';
import { deviationText, duration, headroomText, limitText, localTime, pct, peakText } from './format.ts';
import { periodLine } from './terminal-summary.ts';
import { HOUR_NORMS } from './hourly-table.ts';
import { HOURS_PER_DAY, MINUTES_PER_HOUR } from './horizon.ts';
import { SECONDS_PER_MINUTE } from './queue-limits.ts';
import { breachPeriods, peakContributors } from './peak-contributors.ts';
import { queueSummary } from './queue-summary.ts';
import type { ForecastResult } from './run-forecast.ts';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#154273;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.9}
main{padding:8px 24px 40px;max-width:1240px}section{margin:20px 0}h2{font-size:17px;border-bottom:2px solid #154273;padding-bottom:2px}
table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}td.when{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.fail td{background:#fdecea}.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600}
.badge.fail{background:#b00020;color:#fff}.badge.pass{background:#1e7b34;color:#fff}.warn{background:#fff4e5;border-left:4px solid #e67e00;padding:6px 10px;margin:6px 0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}.charts figure.chart{margin:0;max-width:none;background:#fff;border:1px solid #ddd;padding:8px}
.scale span{display:inline-block;padding:1px 6px;color:#fff;font-size:11px}small{color:#666;font-weight:400}code{background:#eef2f7;padding:0 3px}
`;

const normById = (id: string): Norm | undefined => NORMS.find((n) => n.id === id);

function checksTable(rows: readonly CheckRow[]): string {
  const body = rows
    .map(
      (c) =>
        `<tr class="${c.status}"><td><code>${escapeHtml(c.normId)}</code><br><small>${escapeHtml(c.title)}</small></td><td>${escapeHtml(c.window)}</td>` +
        `<td class="n">${c.unit === 's' ? escapeHtml(limitText(c)) : `${num(c.limit)} <small>${escapeHtml(c.unit)}</small>`}</td><td class="n">${escapeHtml(peakText(c))}</td><td class="when">${c.peakAt !== undefined ? escapeHtml(localTime(c.peakAt)) : '—'}</td>` +
        `<td class="n" style="color:${c.headroomPct < 0 ? '#b00020' : 'inherit'}">${escapeHtml(headroomText(c))}</td><td class="n">${c.windowsTotal > 0 ? `${num(c.windowsOver)} / ${num(c.windowsTotal)}` : num(c.windowsOver)}</td>` +
        `<td><span class="badge ${c.status}">${c.status === 'pass' ? 'holds' : 'BREACH'}</span></td><td><small>${escapeHtml(c.measured)}</small></td></tr>`,
    )
    .join('');
  return `<table id="checks"><thead><tr><th>norm</th><th>window</th><th>limit</th><th>peak</th><th>when (peak window starts)</th><th>headroom</th><th>windows over</th><th>verdict</th><th>load measured</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** Ticks at the first of each month (every third month over a long horizon), x = day index. */
function monthTicks(days: readonly DayRow[]): XTick[] {
  const out: XTick[] = [];
  days.forEach((d, i) => {
    if (d.day.endsWith('-01') && (days.length < 200 || Number(d.day.slice(5, 7)) % 3 === 1))
      out.push({ x: i, label: d.day.slice(0, 7) });
  });
  return out;
}

/**
 * report.html: self-contained (inline CSS and SVG, no script, no external resources), readable
 * offline: verdict, norm table with headroom, load against each norm over the horizon, queue
 * depths, a headroom heat map month × hour, worst hours, letter traces, DigiD duties, actuals.
 */
export function htmlReport(r: ForecastResult, emitted?: EmittedScenario): string {
  const days = dailyTable(r.horizon, r.hourly);
  const q = queueSummary(r);
  const xTicks = monthTicks(days);
  const pointLabel = (i: number): string => days[i]?.day ?? '';
  const values = (f: (d: DayRow) => number): [number, number][] => byIndex(Float64Array.from(days, f));
  const limitOf = (id: string): number => normById(id)?.limit ?? 0;
  // One line per day; a norm's limit is drawn and the days over it are marked.
  const dayChart = (o: {
    id: string;
    title: string;
    unit: string;
    name: string;
    color: string;
    f: (d: DayRow) => number;
    limit?: { y: number; normId: string };
  }): string =>
    lineChart({
      id: o.id,
      title: o.title,
      unit: o.unit,
      series: [{ name: o.name, points: values(o.f), color: o.color }],
      xTicks,
      pointLabel,
      height: 200,
      limits: o.limit ? [{ y: o.limit.y, label: o.limit.normId, markOver: true }] : [],
    });
  const load = (
    id: string,
    normId: string,
    title: string,
    unit: string,
    f: (d: DayRow) => number,
    name = title,
  ): string => dayChart({ id, title, unit, name, color: '#154273', f, limit: { y: limitOf(normId), normId } });
  const loadCharts = [
    load(
      'chart-messages-hour',
      'berichtenbox.messages-per-hour',
      'Letters offered, busiest hour of each day',
      'letters/hour',
      (d) => d.maxOfferedPerHour,
    ),
    load(
      'chart-messages-day',
      'berichtenbox.messages-per-day',
      'Letters offered per day',
      'letters/day',
      (d) => d.offered,
    ),
    load(
      'chart-parking',
      'berichtenbox.parked-per-second',
      'Letters offered, busiest second of each day',
      'letters/s',
      (d) => d.maxOfferedPerMinute / SECONDS_PER_MINUTE,
      'offered per second',
    ),
    load(
      'chart-notifications-hour',
      'notificaties.per-hour',
      'Notifications entering the queue, busiest hour',
      'notifications/hour',
      (d) => d.maxNotifInPerHour,
    ),
    load(
      'chart-notifications-day',
      'notificaties.per-day',
      'Notifications entering the queue per day',
      'notifications/day',
      (d) => d.notifIn,
    ),
    load(
      'chart-digid',
      'digid.authentications-per-minute',
      'DigiD authentications, busiest minute',
      'authentications/min',
      (d) => d.maxDigidPerMinute,
    ),
    load(
      'chart-machtigen',
      'machtigen.transactions-per-minute',
      'Machtigen transactions, busiest minute',
      'transactions/min',
      (d) => d.maxMachtigenPerMinute,
    ),
    load(
      'chart-validation',
      'validatieservice.queries-per-hour',
      'Validatieservice queries, busiest hour',
      'queries/hour',
      (d) => d.maxValidationPerHour,
    ),
  ];
  const queueCharts = [
    dayChart({
      id: 'chart-intake-backlog',
      title: 'Intake backlog (refused, awaiting redelivery), largest of the day',
      unit: 'letters',
      name: 'intake backlog',
      color: '#e67e00',
      f: (d) => d.maxIntakeBacklog,
    }),
    dayChart({
      id: 'chart-admitted',
      title: 'Letters admitted, busiest second of the day (with redeliveries after a refusal)',
      unit: 'letters/s',
      name: 'admitted per second',
      color: '#e67e00',
      f: (d) => d.maxAdmittedPerMinute / SECONDS_PER_MINUTE,
    }),
    dayChart({
      id: 'chart-parking-backlog',
      title: 'Parking backlog, largest of the day',
      unit: 'letters',
      name: 'parking backlog',
      color: '#6a3d9a',
      f: (d) => d.maxParkingBacklog,
    }),
    dayChart({
      id: 'chart-notification-backlog',
      title: 'Notification backlog, largest of the day',
      unit: 'notifications',
      name: 'notification backlog',
      color: '#1f78b4',
      f: (d) => d.maxNotificationBacklog,
    }),
    dayChart({
      id: 'chart-processing-delay',
      title: 'Longest first offering → processed, by day of offering',
      unit: 'hours',
      name: 'processing delay',
      color: '#33a02c',
      f: (d) => d.maxProcessingDelayMin / MINUTES_PER_HOUR,
      limit: { y: (MAX_PROCESSING_TIME.limit * SECOND) / HOUR, normId: MAX_PROCESSING_TIME.id },
    }),
    dayChart({
      id: 'chart-subscription-backlog',
      title: 'Subscription requests waiting, largest of the day',
      unit: 'requests',
      name: 'subscription backlog',
      color: '#a6761d',
      f: (d) => d.maxSubscriptionBacklog,
    }),
  ];

  // Heat map: per month and local hour of day, the headroom of the most loaded hour norm on the worst day.
  const months = r.horizon.months;
  const hoursPerDay = HOURS_PER_DAY;
  const worst = months.map(() => new Float64Array(hoursPerDay).fill(Number.NaN));
  const worstNorm = months.map(() => new Array<string>(hoursPerDay).fill(''));
  for (let i = 0; i < r.horizon.hours; i++) {
    const mi = r.horizon.dayMonth[r.horizon.hourDay[i]!]!;
    const hod = r.horizon.hourOfDay[i]!;
    const u = r.hourly.utilisation[i]!;
    const cur = worst[mi]![hod]!;
    if (u > 0 && (Number.isNaN(cur) || u > cur)) {
      worst[mi]![hod] = u;
      worstNorm[mi]![hod] = HOUR_NORMS[r.hourly.worstNorm[i]!]!.id;
    }
  }
  const heat = heatMap({
    id: 'heatmap',
    title: 'Headroom by month × hour of day (% of the most loaded hour norm, worst day of the month)',
    rows: months,
    columns: Array.from({ length: hoursPerDay }, (_, i) => String(i).padStart(2, '0')),
    value: (ri, c) => (Number.isNaN(worst[ri]![c]!) ? Number.NaN : (1 - worst[ri]![c]!) * 100),
    tooltip: (ri, c) =>
      Number.isNaN(worst[ri]![c]!)
        ? `${months[ri]} ${String(c).padStart(2, '0')}:00 no load`
        : `${months[ri]} ${String(c).padStart(2, '0')}:00 headroom ${pct((1 - worst[ri]![c]!) * 100)} (${worstNorm[ri]![c]})`,
  });
  const scale = `<p class="scale">${[100, 50, 20, 5, -10].map((x) => `<span style="background:${headroomColor(x)}">${x < 0 ? 'over the norm' : `${x} %`}</span>`).join('')}</p>`;

  const worstRows = r.worstHours
    .map(
      (w) =>
        `<tr><td>${escapeHtml(localTime(w.start))}</td><td class="n">${w.utilisationPct.toFixed(1)} %</td><td class="n">${pct(100 - w.utilisationPct)}</td><td><code>${escapeHtml(w.normId)}</code></td></tr>`,
    )
    .join('');
  const traces = r.traces.map((t) => `<li>${escapeHtml(t.text)}</li>`).join('');
  const duties =
    r.duties.length === 0
      ? '<p>No afnemer has DigiD authentications in the forecast.</p>'
      : `<table id="duties"><thead><tr><th>afnemer</th><th>OIN</th><th>per year (max 12 months)</th><th>max per month</th><th>peak per minute</th><th>forecast duty</th></tr></thead><tbody>${r.duties
          .map(
            (d) =>
              `<tr><td>${escapeHtml(d.naam)}</td><td>${d.oin}</td><td class="n">${num(d.perYear)} <small>${escapeHtml(d.yearSpan)}</small></td><td class="n">${num(d.maxPerMonth)} <small>${d.maxMonth}</small></td><td class="n">${num(d.peakPerMinute)}</td><td>${d.duties.length ? d.duties.map((x) => `<code>${x}</code>`).join(' ') : 'none'}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  let actuals = '';
  if (r.actuals) {
    const a = r.actuals;
    const failing = a.rows.filter((x) => x.status === 'fail');
    const passing = a.rows.filter((x) => x.status === 'pass');
    const row = (x: (typeof a.rows)[number]): string =>
      `<tr class="${x.status}"><td>${x.month}</td><td>${escapeHtml(x.naam)} <small>${x.oin}</small></td><td>${x.column}</td><td class="n">${num(x.forecast)}</td><td class="n">${num(x.actual)}</td><td class="n">${escapeHtml(deviationText(x.deviationPct))}</td><td><span class="badge ${x.status}">${x.status === 'pass' ? 'within' : 'outside'}</span></td></tr>`;
    const head =
      '<thead><tr><th>month</th><th>afnemer</th><th>figure</th><th>forecast</th><th>actual</th><th>deviation (actual − forecast) / forecast</th><th>verdict</th></tr></thead>';
    actuals = `<section id="actuals"><h2>Actuals against the forecast (${escapeHtml(a.file)})</h2><p>Months compared: ${a.months.join(', ') || 'none'}. ${failing.length} of ${a.rows.length} figures deviate more than ${a.limitPct} % (<code>mijnoverheid.forecast-deviation</code>); every figure is in forecast.json.</p>
${failing.length ? `<table id="deviations">${head}<tbody>${failing.slice(0, 500).map(row).join('')}</tbody></table>` : ''}
${passing.length ? `<details><summary>${passing.length} figures within ${a.limitPct} %</summary><table>${head}<tbody>${passing.slice(0, 500).map(row).join('')}</tbody></table></details>` : ''}
${
  a.unmatched.length
    ? `<p class="warn">Not compared: ${a.unmatched.length} rows (${(['unknown-afnemer', 'outside-horizon', 'no-actuals'] as const).map((k) => `${a.unmatched.filter((u) => u.kind === k).length} ${k}`).join(', ')}).</p><ul id="not-compared">${a.unmatched
        .slice(0, 500)
        .map((u) => `<li class="${u.kind}">${escapeHtml(u.file)}:${u.line}: ${escapeHtml(u.reason)}</li>`)
        .join('')}</ul>`
    : ''
}</section>`;
  }
  const queueText = [
    `${num(q.offered)} letters offered; ${num(q.refusedFirstOffering)} refused at first offering and redelivered; ${num(q.processed)} processed within the horizon.`,
    `Largest intake backlog ${num(q.intakeBacklog.max)}${q.intakeBacklog.at !== undefined ? ` (${localTime(q.intakeBacklog.at)})` : ''}; largest parking backlog ${num(q.parkingBacklog.max)}${q.parkingBacklog.at !== undefined ? ` (${localTime(q.parkingBacklog.at)})` : ''}; largest notification backlog ${num(q.notificationBacklog.max)}${q.notificationBacklog.at !== undefined ? ` (${localTime(q.notificationBacklog.at)})` : ''}.`,
    `Longest first offering → processed: ${duration(q.processing.maxMinutes)} (norm ${duration(MAX_PROCESSING_TIME.limit / SECONDS_PER_MINUTE)}); longest wait for a notification: ${duration(q.notification.maxMinutes)}.`,
  ]
    .map((s) => `<p>${escapeHtml(s)}</p>`)
    .join('');
  const emittedHtml = emitted
    ? `<section id="emitted"><h2>Emitted scenario${emitted.more?.length ? 's' : ''}</h2>${[emitted, ...(emitted.more ?? [])].map((e) => `<p><code>${escapeHtml(e.file)}</code>: ${e.simMinutes} sim minutes from ${escapeHtml(localTime(e.simStart))} at speed ${e.speed} (about ${Math.round(e.wallSeconds)} s of wall time, at most ${num(e.peakWallRate)} requests/s). Run it with <code>bbsim run ${escapeHtml(e.name)}</code>. Expected verdict: ${e.expected.map((x) => `<code>${x.normId}</code> ${num(x.predicted)} of ${num(x.limit)} → ${x.status}`).join('; ') || '—'}.</p>${e.notes.map((n) => `<p class="warn">${escapeHtml(n)}</p>`).join('')}`).join('')}</section>`
    : '';
  const breaches = r.checks.rows.filter((c) => c.status === 'fail');
  const contributors = peakContributors(r)
    .map(
      (p) =>
        `<tr class="${breaches.some((b) => b.normId === p.normId) ? 'fail' : 'pass'}"><td><code>${escapeHtml(p.normId)}</code></td><td>${escapeHtml(localTime(p.from))} – ${escapeHtml(localTime(p.to).slice(-5))}</td><td>${p.contributors.map((c) => `${escapeHtml(c.naam)} <small>${c.oin}</small> ${num(c.amount)} (${c.sharePct.toFixed(1)} %)`).join('<br>')}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>bbsim forecast — ${escapeHtml(r.forecast.file)}</title><style>${CSS}${CHART_CSS}</style></head>
<body><header><h1>Capacity forecast: ${escapeHtml(r.forecast.file)}</h1>
<p>${r.forecast.months[0]} to ${r.forecast.months[r.forecast.months.length - 1]} (${r.forecast.months.length} months, ${num(r.horizon.minutes)} minutes), ${r.forecast.afnemers.length} afnemers, Europe/Amsterdam. <span class="badge ${r.breached ? 'fail' : 'pass'}" id="verdict">${r.breached ? 'norms breached' : 'every norm holds'}</span></p></header>
<main>
${r.warnings.map((w) => `<p class="warn">${escapeHtml(w)}</p>`).join('')}
<section><h2>Norms</h2><p>${breaches.length ? `Breached: ${breaches.map((b) => `<code>${b.normId}</code>`).join(', ')}.` : 'Every norm holds over the whole horizon.'} Headroom is (limit − peak) / limit.</p>${checksTable(r.checks.rows)}</section>
${periodsSection(r)}
<section><h2>Who is in the peak windows</h2><p>The afnemers behind each norm's busiest window (its clock hour, or its day), from their own profiles; notifications by their letters' offering.</p><table id="contributors"><thead><tr><th>norm</th><th>hours</th><th>largest afnemers</th></tr></thead><tbody>${contributors}</tbody></table></section>
<section><h2>Load against the norms</h2><div class="charts">${loadCharts.join('')}</div></section>
<section><h2>Queues</h2>${queueText}<div class="charts">${queueCharts.join('')}</div></section>
<section><h2>Where letters are when</h2><ul id="traces">${traces || '<li>no letters in the forecast</li>'}</ul></section>
<section><h2>Headroom heat map</h2>${heat}${scale}</section>
<section><h2>Worst hours</h2><table id="worst-hours"><thead><tr><th>hour</th><th>utilisation</th><th>headroom</th><th>most loaded norm</th></tr></thead><tbody>${worstRows}</tbody></table></section>
<section><h2>DigiD forecast duty</h2>${duties}</section>
${actuals}${emittedHtml}
<section><h2>Method</h2><p>Monthly totals are spread over days by weekday weights and seasonal periods, over a day's local hours by hourly weights, and evenly over an hour's minutes (profiles in the README); minute counts are whole numbers, rounded cumulatively so each month keeps its total. The queues are simulated minute by minute over the whole horizon as the mock models them: intake admits at most the hourly and daily limits, refused letters are redelivered first when the window reopens; parking FIFO at the per-second rate; notifications FIFO at the hourly rate and the daily cap, carried over; subscription requests in the night window within the quotas. Delays are to the minute.</p></section>
</main></body></html>
`;
}

/** Every period over a norm, grouped by norm: from – to, peak, how far over, who. */
function periodsSection(r: ForecastResult): string {
  const periods = breachPeriods(r);
  if (periods.length === 0) return '';
  const groups = r.checks.rows
    .filter((c) => c.status === 'fail')
    .map((c) => {
      const mine = periods.filter((p) => p.normId === c.normId);
      return mine.length
        ? `<h3><code>${escapeHtml(c.normId)}</code> <small>${mine.length} period${mine.length === 1 ? '' : 's'}</small></h3><ul>${mine.map((p) => `<li>${escapeHtml(periodLine(p))}</li>`).join('')}</ul>`
        : '';
    })
    .join('');
  return `<section id="breach-periods"><h2>Every period over a norm</h2><p>From – to, the peak, how far over the norm, and who: the afnemers of the load the norm counted (notifications by the letters they belong to, whenever first offered; night quotas by the requests since the previous night; delays by the items that waited too long).</p>${groups}</section>`;
}
