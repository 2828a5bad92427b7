import { num } from '../report/format.ts';
import type { EmittedScenario } from './emit-scenario.ts';
import type { ActualsComparison, DeviationRow, UnmatchedRow } from './compare-actuals.ts';
import {
  deviationText,
  duration,
  headroomText,
  humanSeconds,
  limitText,
  localTime,
  localTimeSince,
  peakText,
  pct,
} from './format.ts';
import { breachPeriods, type BreachPeriod } from './peak-contributors.ts';
import { queueSummary } from './queue-summary.ts';
import type { ForecastResult } from './run-forecast.ts';

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** What a capacity manager reads in the terminal: verdict per norm with headroom, queues, traces, worst hours, duties. */
export function terminalSummary(r: ForecastResult, emitted?: EmittedScenario): string {
  const out: string[] = [];
  const f = r.forecast;
  out.push(
    `Forecast ${f.file}: ${f.months[0]} to ${f.months[f.months.length - 1]} (${f.months.length} months, ${num(r.horizon.minutes)} minutes), ${f.afnemers.length} afnemers`,
  );
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(
    table(
      ['norm', 'window', 'limit', 'peak', 'peak window starts', 'headroom', 'over', 'verdict'],
      r.checks.rows.map((c) => [
        c.normId,
        c.window,
        limitText(c),
        peakText(c),
        c.peakAt !== undefined ? localTime(c.peakAt) : '—',
        headroomText(c),
        c.windowsTotal > 0 ? `${num(c.windowsOver)}/${num(c.windowsTotal)}` : num(c.windowsOver),
        c.status === 'pass' ? 'holds' : 'BREACH',
      ]),
      new Set([3, 5, 6]),
    ),
  );
  const periods = breachPeriods(r);
  if (periods.length) {
    out.push('');
    out.push('Every period over a norm (from – to, peak, how far over, who):');
    for (const c of r.checks.rows.filter((x) => x.status === 'fail')) {
      const mine = periods.filter((p) => p.normId === c.normId);
      if (mine.length === 0) continue;
      out.push(`  ${c.normId}: ${mine.length} period${mine.length === 1 ? '' : 's'}`);
      for (const p of mine) out.push(`    ${periodLine(p)}`);
    }
  }
  const q = queueSummary(r);
  out.push('');
  out.push(
    `Queues: ${num(q.offered)} letters offered, ${num(q.refusedFirstOffering)} refused at first offering and redelivered, ${num(q.processed)} processed in the horizon.`,
  );
  out.push(
    `  largest backlogs: intake ${num(q.intakeBacklog.max)}${q.intakeBacklog.at !== undefined ? ` (${localTime(q.intakeBacklog.at)})` : ''}, parking ${num(q.parkingBacklog.max)}${q.parkingBacklog.at !== undefined ? ` (${localTime(q.parkingBacklog.at)})` : ''}, notifications ${num(q.notificationBacklog.max)}${q.notificationBacklog.at !== undefined ? ` (${localTime(q.notificationBacklog.at)})` : ''}`,
  );
  out.push(
    `  longest first offering → processed ${duration(q.processing.maxMinutes)}; longest wait for a notification ${duration(q.notification.maxMinutes)}`,
  );
  if (r.traces.length) {
    out.push('');
    out.push('Where letters are when:');
    for (const t of r.traces) out.push(`  - ${t.text}`);
  }
  if (r.worstHours.length) {
    out.push('');
    out.push('Worst hours (load of the most loaded hour norm):');
    out.push(
      table(
        ['hour', 'utilisation', 'headroom', 'norm'],
        r.worstHours.map((w) => [
          localTime(w.start),
          `${w.utilisationPct.toFixed(1)} %`,
          pct(100 - w.utilisationPct),
          w.normId,
        ]),
        new Set([1, 2]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  const withDuty = r.duties.filter((d) => d.duties.length > 0);
  out.push('');
  out.push(
    `DigiD forecast duty: ${withDuty.length} of ${r.duties.length} afnemers with DigiD use must forecast${
      withDuty.length
        ? `: ${withDuty
            .slice(0, 8)
            .map((d) => `${d.naam} (${d.duties.map((x) => x.split('.').pop()).join(', ')})`)
            .join('; ')}${withDuty.length > 8 ? '; …' : ''}`
        : ''
    }`,
  );
  if (r.actuals) out.push(...actualsLines(r.actuals));
  for (const e of emitted ? [emitted, ...(emitted.more ?? [])] : []) {
    out.push('');
    out.push(
      `Emitted ${e.file}: ${e.simMinutes} sim minutes from ${localTime(e.simStart)} at speed ${e.speed} (~${Math.round(e.wallSeconds)} s wall, ≤ ${num(e.peakWallRate)} requests/s); run: bbsim run ${e.name}`,
    );
    for (const x of e.expected)
      out.push(`  expected verdict ${x.normId}: ${num(x.predicted)} of ${num(x.limit)} → ${x.status}`);
    for (const n of e.notes) out.push(`  note: ${n}`);
  }
  // `bbsim run` exits 1 on a breach, expected or not ("as designed" says which): `;` runs the whole set.
  if (emitted?.more?.length)
    out.push('', `run them all: ${[emitted, ...emitted.more].map((e) => `bbsim run ${e.name}`).join('; ')}`);
  out.push('');
  const failed = r.checks.rows.filter((c) => c.status === 'fail').map((c) => c.normId);
  if (r.actuals?.rows.some((x) => x.status === 'fail')) failed.push('mijnoverheid.forecast-deviation');
  out.push(failed.length ? `norms breached: ${failed.join(', ')}` : 'every norm holds over the whole horizon');
  return out.join('\n');
}

/** Every figure over the 10 % rule, grouped by afnemer (one line per month), and every row not compared, grouped by why. */
export function actualsLines(a: ActualsComparison): string[] {
  const out: string[] = [];
  const failing = a.rows.filter((x) => x.status === 'fail');
  out.push(
    `Actuals (${a.file}): ${a.months.length} months compared, ${failing.length} of ${a.rows.length} figures deviate more than ${a.limitPct} % from the forecast${failing.length ? ':' : ''}`,
  );
  const byAfnemer = new Map<string, DeviationRow[]>();
  for (const x of failing) {
    let list = byAfnemer.get(x.oin);
    if (!list) byAfnemer.set(x.oin, (list = []));
    list.push(x);
  }
  for (const [oin, list] of byAfnemer) {
    out.push(`  ${list[0]!.naam} (${oin}):`);
    const months = [...new Set(list.map((x) => x.month))].sort();
    for (const m of months) {
      out.push(
        `    ${m}: ${list
          .filter((x) => x.month === m)
          .map(
            (x) =>
              `${x.column} ${deviationText(x.deviationPct)} (forecast ${num(x.forecast)}, actual ${num(x.actual)})`,
          )
          .join('; ')}`,
      );
    }
  }
  const kinds: readonly [UnmatchedRow['kind'], string][] = [
    ['unknown-afnemer', 'afnemers not in the forecast (everything they did is unforecast)'],
    ['outside-horizon', "months outside the forecast's horizon"],
    ['no-actuals', 'forecast rows without actuals in a compared month'],
  ];
  for (const [kind, title] of kinds) {
    const list = a.unmatched.filter((u) => u.kind === kind);
    if (list.length === 0) continue;
    out.push(`  not compared, ${title}: ${list.length}`);
    for (const u of list) out.push(`    ${u.file}:${u.line}: ${u.month} ${u.oin}: ${u.reason}`);
  }
  return out;
}

/** 'Mon 2027-03-01 20:00 – 21:00 (1 h), peak 11,400 at 20:00, 14 % over; Belastingdienst 72 %, UWV 20 %'. */
export function periodLine(p: BreachPeriod): string {
  const peak = p.unit === 's' ? humanSeconds(p.peak) : `${num(p.peak)} ${p.unit}`;
  const over =
    p.unit === 's' && p.limit > 0
      ? `${(p.peak / p.limit).toFixed(1)}× the ${humanSeconds(p.limit)} norm`
      : `${num(p.overPct, 1)} % over ${num(p.limit)}`;
  const who = p.who.length ? p.who.map((c) => `${c.naam} ${c.sharePct.toFixed(0)} %`).join(', ') : 'no afnemer load';
  return `${localTime(p.from)} – ${localTimeSince(p.to, p.from)} (${duration((p.to - p.from) / 60_000)})${p.series ? ` [${p.series}]` : ''}: peak ${peak} at ${localTimeSince(p.peakAt, p.from)}, ${over}; ${who}`;
}
