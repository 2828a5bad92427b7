import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { LatencyHistogram } from '../results/histogram.ts';
import type { RunErrors } from '../results/summary.ts';

export interface K6Samples {
  /** http_req_duration per service and per flow:service (every request, so percentiles merge exactly). */
  readonly byService: Map<string, LatencyHistogram>;
  readonly byFlow: Map<string, LatencyHistogram>;
  readonly errors: RunErrors;
}

/** Splits one CSV line; k6 quotes fields that hold commas (error messages). */
function fields(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Reads k6's CSV output (`--out csv=<file>.csv.gz`) and keeps what a comparison needs: the full
 * latency histogram of http_req_duration per service and flow, and the failed requests by status
 * and k6 error code. Only http_req_duration rows are decoded; the rest are skipped by their prefix.
 */
export async function readK6Csv(path: string): Promise<K6Samples> {
  const byService = new Map<string, LatencyHistogram>();
  const byFlow = new Map<string, LatencyHistogram>();
  const byStatus: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const perFlow: Record<string, { requests: number; failed: number }> = {};
  const perService: Record<string, Record<string, number>> = {};
  // k6 gzips the CSV when its name ends in .gz; a plain .csv (copied out of a cluster, say) is read as it is.
  const input = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let col: Record<string, number> | undefined;
  for await (const line of lines) {
    if (!col) {
      col = Object.fromEntries(line.split(',').map((h, i) => [h, i]));
      continue;
    }
    if (!line.startsWith('http_req_duration,')) continue;
    const f = fields(line);
    // A tag is a column when k6 knows it as a system tag, else a key in extra_tags (a=1&b=2).
    const extra = new URLSearchParams(f[col['extra_tags'] ?? -1] ?? '');
    const tag = (name: string): string => f[col?.[name] ?? -1] || extra.get(name) || '';
    const service = tag('service');
    if (service === 'ops' || service === '') continue; // setup's /status read is not load
    const ms = Number(f[col['metric_value'] ?? -1]);
    const flow = tag('flow');
    const record = (m: Map<string, LatencyHistogram>, key: string): void => {
      let h = m.get(key);
      if (!h) m.set(key, (h = new LatencyHistogram()));
      h.recordMs(ms);
    };
    record(byService, service);
    // A flow mixes services (burger-reads: a DigiD login, then inbox reads): one histogram each.
    if (flow) record(byFlow, `${flow}:${service}`);
    const status = tag('status');
    const code = tag('error_code');
    const failed = status === '0' || Number(status) >= 400;
    if (failed) {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const s = (perService[service] ??= {});
      s[status] = (s[status] ?? 0) + 1;
    }
    if (flow) {
      const c = (perFlow[`${flow}:${service}`] ??= { requests: 0, failed: 0 });
      c.requests++;
      if (failed) c.failed++;
    }
    if (code) byCode[code] = (byCode[code] ?? 0) + 1;
  }
  return { byService, byFlow, errors: { byStatus, byCode, byFlow: perFlow, byService: perService } };
}
