import type { NativeEngine } from './engine.ts';
import type { EngineResult } from './engine-events.ts';

const ms = (x: number | undefined): string =>
  x === undefined ? '—' : x >= 100 ? `${x.toFixed(0)}` : x >= 10 ? x.toFixed(1) : x.toFixed(2);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The end-of-run summary as lines: totals, then latency per service and per flow (intended-time and raw). */
export function summaryLines(r: EngineResult): string[] {
  const m = r.k6.metrics;
  const lines = [
    `native engine: ${r.requests} requests (${r.failed} failed), ${r.iterations} iterations, ${r.dropped} dropped, ${r.interrupted} interrupted in ${(r.durationMs / 1000).toFixed(1)} s${r.aborted ? ' (stopped early)' : ''}`,
    `  rate asked ${r.askedRate.toFixed(1)} it/s, achieved ${r.achievedRate.toFixed(1)} it/s; send lag p99 ${ms(r.sendLag['p(99)'])} ms, max ${ms(r.sendLag.max)} ms`,
    '  latency in ms from the intended send time (http_req_duration); "svc" is the raw service time (http_req_service_time)',
  ];
  const rows: string[][] = [];
  for (const name of Object.keys(m)) {
    const tag = /^http_req_duration\{(.+)\}$/.exec(name)?.[1];
    if (tag === undefined) continue;
    const d = m[name]!.values;
    const s = m[`http_req_service_time{${tag}}`]?.values;
    const reqs = m[`http_reqs{${tag}}`]?.values['count'] ?? 0;
    const failed = m[`http_req_failed{${tag}}`]?.values['passes'] ?? 0;
    rows.push([
      tag,
      String(reqs),
      String(failed),
      ms(d['med']),
      ms(d['p(95)']),
      ms(d['p(99)']),
      ms(d['p(99.9)']),
      ms(d['max']),
      ms(s?.['med']),
      ms(s?.['p(99)']),
    ]);
  }
  rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
  lines.push(
    ...table(['tag', 'reqs', 'failed', 'p50', 'p95', 'p99', 'p99.9', 'max', 'svc p50', 'svc p99'], rows).map(
      (l) => `  ${l}`,
    ),
  );
  if (r.errors.length > 0) lines.push(`  flow errors (first ${r.errors.length}): ${r.errors.join('; ')}`);
  return lines;
}

/** Prints the summary when the engine finishes. Returns a function that unsubscribes. */
export function summaryPrinter(engine: NativeEngine, log: (line: string) => void): () => void {
  const onFinished = (r: EngineResult): void => {
    for (const l of summaryLines(r)) log(l);
  };
  engine.on('finished', onFinished);
  return () => engine.off('finished', onFinished);
}
