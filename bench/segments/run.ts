/**
 * Issue 20's measure part: what execution segments buy on this machine.
 *
 * 1. Ceiling: the highest constant arrival rate without dropped iterations with 1, 2 and 4 k6
 *    processes (one --execution-segment each of one sequence, started together), against the mock
 *    (GET /berichtenbox/verwerkingsberichten, a store read) and against a bare Fastify hello-world
 *    (the reference: what k6 and the machine manage when the server does nothing).
 * 2. A scenario over what one process sustains (bench/segments/scenarios/segments-heavy.ts,
 *    9,000/s): `bbsim run` with 1 and 2 segments, dropped iterations of each.
 * 3. Merge time for 1 million requests' samples: four segment CSVs (250,000 http_req_duration rows
 *    each, k6's columns and tags) read into histograms, then the histograms merged.
 * Loopback only; every probe bounded (a few seconds of load each).
 *   node bin/run-ts.js bench/segments/run.ts [--quick]
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { loadScenarios } from '../../src/cli/load-scenarios.ts';
import { mergeSegments, type SegmentSummary } from '../../src/results/merge.ts';
import { readK6Csv } from '../../src/run/k6-csv.ts';
import { runScenario, runSegmented, scaleScenario, segmentArgs } from '../../src/run/index.ts';
import { startChild } from '../lib/child.ts';
import { num, table } from '../lib/table.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const quick = process.argv.includes('--quick');
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-bench-segments-'));
const log = (s: string): void => console.log(s);

function arrivalScript(path: string, rate: number, seconds: number, headers: Record<string, string>): string {
  return `import http from 'k6/http';
export const options = { scenarios: { probe: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: ${Math.ceil(rate / 10)}, maxVUs: ${Math.ceil(rate / 2)} } }, summaryTrendStats: ['med', 'p(99)', 'max'] };
export default function () { http.get(__ENV.BASE_URL + '${path}', { headers: ${JSON.stringify(headers)} }); }
export function handleSummary(d) { return { [__ENV.OUT]: JSON.stringify(d) }; }
`;
}

interface Probe {
  rate: number;
  achieved: number;
  dropped: number;
}

/** One probe: `segments` k6 processes at once, each its segment of `rate`; their figures added up. */
async function probe(
  base: string,
  path: string,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
  segments: number,
): Promise<Probe> {
  const script = join(tmp, `probe-${rate}.js`);
  writeFileSync(script, arrivalScript(path, rate, seconds, headers));
  const outs = Array.from({ length: segments }, (_, i) => join(tmp, `probe-${rate}-${segments}-${i}.json`));
  await Promise.all(
    outs.map((out, i) => {
      const seg = segmentArgs(i + 1, segments);
      const segArgs =
        segments > 1 ? ['--execution-segment', seg.segment, '--execution-segment-sequence', seg.sequence] : [];
      return run(
        K6,
        ['run', '--no-usage-report', '-q', ...segArgs, '-e', `BASE_URL=${base}`, '-e', `OUT=${out}`, script],
        { encoding: 'utf8', maxBuffer: 64 << 20, timeout: (seconds + 60) * 1000 },
      );
    }),
  );
  let achieved = 0;
  let dropped = 0;
  for (const out of outs) {
    const m = (JSON.parse(readFileSync(out, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> })
      .metrics;
    achieved += m['http_reqs']?.values['rate'] ?? 0;
    dropped += m['dropped_iterations']?.values['count'] ?? 0;
  }
  return { rate, achieved, dropped };
}

async function ceilings(): Promise<Record<string, number>> {
  const rates = quick ? [1000, 4000, 8000, 12_000] : [1000, 2000, 3000, 6000, 9000, 12_000, 15_000, 18_000];
  const seconds = quick ? 3 : 5;
  const mock = await startChild({
    name: 'mock',
    cwd: ROOT,
    nodeArgs: ['bin/bbsim.js', 'mock', '--port', '0', '--db', join(tmp, 'ceiling.db')],
  });
  const hello = await startChild({
    name: 'hello',
    cwd: ROOT,
    nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts'],
  });
  const rows: string[][] = [];
  const best: Record<string, number> = {};
  try {
    for (const [name, base, path, headers] of [
      ['mock', mock.url, '/berichtenbox/verwerkingsberichten?limit=10', { 'x-afnemer-oin': '00000001003214345000' }],
      ['hello-world', hello.url, '/', {}],
    ] as const) {
      for (const segments of [1, 2, 4]) {
        best[`${name}/${segments}`] = 0;
        for (const rate of rates) {
          const p = await probe(base, path, headers, rate, seconds, segments);
          rows.push([name, String(segments), num(rate), num(p.achieved), num(p.dropped)]);
          log(`  ${name}, ${segments} segment(s), ${rate}/s: ${num(p.achieved)}/s, ${p.dropped} dropped`);
          // Highest without drops; stop at the first rate that drops (the next ones drop more).
          if (p.dropped > 0) break;
          best[`${name}/${segments}`] = rate;
        }
      }
    }
  } finally {
    await mock.stop();
    await hello.stop();
  }
  log(
    `\n1. constant-arrival-rate in 1, 2, 4 k6 processes (${seconds} s per probe; mock and hello-world each in their own process)`,
  );
  log(table(['target', 'segments', 'asked/s', 'achieved/s', 'dropped'], rows));
  const shown = (b: number | undefined): string => (b ? `${num(b)}/s` : `< ${num(rates[0]!)}/s`);
  log(
    table(
      ['target', '1 segment', '2 segments', '4 segments'],
      ['mock', 'hello-world'].map((t) => [t, ...[1, 2, 4].map((s) => shown(best[`${t}/${s}`]))]),
    ),
  );
  log('(highest probed rate without a dropped iteration; the probe steps are the resolution)');
  return best;
}

/** `rate`: wall requests/s to ask, 1.5 × what one process sustained against the mock in part 1 (9,000/s as written). */
async function heavyScenario(rate: number): Promise<void> {
  const [written] = await loadScenarios(join(ROOT, 'bench', 'segments', 'scenarios'), ['segments-heavy']);
  const heavy = scaleScenario(written!, rate / 9000);
  const rows: string[][] = [];
  for (const segments of [1, 2]) {
    const opts = {
      scenario: heavy,
      outDir: join(tmp, 'heavy'),
      k6Path: K6,
      log: () => undefined,
      runId: `seg-${segments}`,
    };
    const r = segments === 1 ? await runScenario(opts) : await runSegmented({ ...opts, segments });
    if (r.error) throw new Error(`segments-heavy in ${segments} segment(s): ${r.error}`);
    const s = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as {
      k6: { metrics: Record<string, { values: Record<string, number> }> };
    };
    const requests = s.k6.metrics['http_reqs']?.values['count'] ?? 0;
    const dropped = s.k6.metrics['dropped_iterations']?.values['count'] ?? 0;
    rows.push([
      String(segments),
      num(requests),
      num(dropped),
      `${num((100 * dropped) / Math.max(1, requests + dropped), 1)} %`,
    ]);
  }
  log(
    `\n2. segments-heavy (${num(rate)} fetches/s for 6 s: 1.5 × one process's ceiling against the mock; the mock in the runner's process) with bbsim run`,
  );
  log(table(['segments', 'requests', 'dropped iterations', 'dropped share'], rows));
}

/** A k6 CSV of `n` http_req_duration rows (k6's header and columns; service and flow tags as the generated scripts set). */
async function writeCsv(path: string, n: number, seed: number): Promise<void> {
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(path);
  gz.pipe(out);
  gz.write(
    'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata\n',
  );
  let x = seed;
  const services = ['digid', 'presentatie', 'digid-machtigen'];
  let chunk = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const ms = 1 + (x / 2147483648) ** 3 * 400;
    const service = services[i % 3]!;
    chunk += `http_req_duration,1765000000,${ms.toFixed(6)},,,,true,,GET,http://127.0.0.1/x,HTTP/1.1,f,${service},200,,,http://127.0.0.1/x,flow=f&b=${i % 60},\n`;
    if (chunk.length > 1 << 16) {
      if (!gz.write(chunk)) await once(gz, 'drain');
      chunk = '';
    }
  }
  gz.end(chunk);
  await once(out, 'finish');
}

async function mergeTime(): Promise<void> {
  const total = quick ? 200_000 : 1_000_000;
  const files = Array.from({ length: 4 }, (_, i) => join(tmp, `seg-${i}.csv.gz`));
  await Promise.all(files.map((f, i) => writeCsv(f, total / 4, i + 1)));
  const t0 = performance.now();
  const segments: SegmentSummary[] = [];
  for (const [i, f] of files.entries()) {
    const s = await readK6Csv(f);
    const enc = (
      m: Map<string, { encode(): SegmentSummary['histograms']['service'][string] }>,
    ): Record<string, SegmentSummary['histograms']['service'][string]> =>
      Object.fromEntries([...m].map(([k, h]) => [k, h.encode()]));
    segments.push({
      kind: 'bbsim-segment',
      scenario: 'bench',
      scriptHash: '0',
      speed: 1,
      segment: segmentArgs(i + 1, 4).segment,
      segmentSequence: segmentArgs(1, 4).sequence,
      bucketSeconds: 1,
      k6: { metrics: {} },
      timeline: [],
      histograms: { service: enc(s.byService), flow: enc(s.byFlow) },
      errors: s.errors,
    });
  }
  const read = performance.now() - t0;
  const m0 = performance.now();
  const merged = mergeSegments(segments);
  const merge = performance.now() - m0;
  const count = Object.values(merged.histograms.service).reduce((a, h) => a + h.count, 0);
  log(`\n3. ${num(count)} requests' samples in 4 segment CSVs (http_req_duration rows only)`);
  log(
    table(
      ['step', 'ms'],
      [
        ['read the CSVs into HDR histograms', num(read, 0)],
        ['merge the 4 segments (decode, add, encode)', num(merge, 1)],
      ],
    ),
  );
  log('(a real k6 CSV has about 12 other rows per request, skipped by their prefix: reading scales with its lines)');
}

try {
  log(`bench/segments${quick ? ' --quick' : ''} on ${(await import('node:os')).availableParallelism()} cores`);
  const best = await ceilings();
  await heavyScenario(Math.max(1500, 1.5 * (best['mock/1'] ?? 0)));
  await mergeTime();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
