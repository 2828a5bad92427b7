import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { LatencyHistogram } from '../src/results/histogram.ts';
import type { RunSummary } from '../src/results/summary.ts';
import { runScenario, runSegmented, segmentArgs, segmentsProblem, type RunResult } from '../src/run/index.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'segments');
const out = mkdtempSync(join(tmpdir(), 'bbsim-segments-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const run = promisify(execFile);

const [pair] = await loadScenarios(FIXTURES, ['segments-pair']);
const summaryOf = (r: RunResult): RunSummary =>
  JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as RunSummary;
const verdictOf = (r: RunResult): Record<string, string> =>
  Object.fromEntries(r.rows.map((row) => [row.normId, row.status]));

/** Every http_req_duration sample of k6 CSV files, per service (the load's, not setup's 'ops' read). */
function samplesOf(files: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const file of files) {
    const [head, ...lines] = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const col = Object.fromEntries((head ?? '').split(',').map((h, i) => [h, i]));
    for (const line of lines) {
      if (!line.startsWith('http_req_duration,')) continue;
      const f = line.split(',');
      const extra = new URLSearchParams(f[col['extra_tags']!] ?? '');
      const service = f[col['service'] ?? -1] || extra.get('service') || '';
      if (service === '' || service === 'ops') continue;
      (out.get(service) ?? out.set(service, []).get(service)!).push(Number(f[col['metric_value']!]));
    }
  }
  return out;
}

describe('bbsim run --segments (real k6)', () => {
  const opts = { scenario: pair!, outDir: out, k6Path: K6, log: () => undefined };
  let one: RunResult;
  let two: RunResult;
  let four: RunResult;

  it('1, 2 and 4 segments of the same scenario: the same requests per flow (within one iteration per segment and flow) and the same verdict', async () => {
    one = await runScenario({ ...opts, runId: 'one' });
    two = await runSegmented({ ...opts, runId: 'two', segments: 2, keepSamples: true });
    four = await runSegmented({ ...opts, runId: 'four', segments: 4 });
    for (const r of [one, two, four]) expect(r.error).toBeUndefined();
    const flows = (r: RunResult): Record<string, number> =>
      Object.fromEntries(Object.entries(summaryOf(r).errors?.byFlow ?? {}).map(([k, v]) => [k, v.requests]));
    const base = flows(one);
    expect(Object.keys(base).sort()).toEqual(['digid-authenticate:digid', 'machtigen-check:digid-machtigen']);
    // 6 s at 60/s and 20/s: about 360 and 120 requests.
    expect(base['digid-authenticate:digid']).toBeGreaterThan(300);
    for (const [r, n] of [
      [two, 2],
      [four, 4],
    ] as const) {
      const s = summaryOf(r);
      expect(s.segments?.map((x) => x.segment)).toEqual(
        Array.from({ length: n }, (_, i) => segmentArgs(i + 1, n).segment.replace('2/4', '1/2')),
      );
      // Iterations a process could not start in time (a loaded machine) are not requests: they widen the tolerance.
      const dropped =
        (s.k6.metrics['dropped_iterations']?.values['count'] ?? 0) +
        (summaryOf(one).k6.metrics['dropped_iterations']?.values['count'] ?? 0);
      for (const [flow, count] of Object.entries(flows(r)))
        expect(
          Math.abs(count - base[flow]!),
          `${flow} in ${n} segments: ${count} vs ${base[flow]} (${dropped} dropped)`,
        ).toBeLessThanOrEqual(n + dropped);
      expect(verdictOf(r)).toEqual(verdictOf(one));
      // Counters add up: the merged iterations are the segments' together.
      expect(s.k6.metrics['iterations']?.values['count']).toBe(s.segments!.reduce((a, x) => a + x.iterations, 0));
      // The timeline sums per bucket: its requests are the histograms' requests.
      const timelineRequests = s.timeline.reduce((a, p) => a + (p.service === 'ops' ? 0 : p.requests), 0);
      expect(timelineRequests).toBe(Object.values(s.histograms!.service).reduce((a, h) => a + h.count, 0));
      // Each segment's own summary stays in the run folder.
      for (const x of s.segments!) expect(existsSync(join(r.dir, x.summary))).toBe(true);
    }
    expect(one.exitCode).toBe(0);
  }, 120_000);

  it('the merged histogram of 2 segments is the histogram of all their samples (checked on the CSV samples)', () => {
    const files = readdirSync(join(two.dir, 'segments')).map((d) => join(two.dir, 'segments', d, 'k6-samples.csv.gz'));
    expect(files).toHaveLength(2);
    const merged = summaryOf(two).histograms!.service;
    const samples = samplesOf(files);
    expect([...samples.keys()].sort()).toEqual(Object.keys(merged).sort());
    for (const [service, values] of samples) {
      const all = new LatencyHistogram();
      for (const v of values) all.recordMs(v);
      const m = LatencyHistogram.decode(merged[service]!);
      expect(m.count).toBe(values.length);
      expect(m.encode().min).toBe(Math.min(...values));
      expect(m.encode().max).toBe(Math.max(...values));
      expect(m.encode().sum).toBeCloseTo(
        values.reduce((a, b) => a + b, 0),
        6,
      );
      for (let p = 0; p <= 100; p += 0.5) expect(m.percentile(p), `${service} p${p}`).toBe(all.percentile(p));
      // And HDR keeps 3 significant digits of the exact order statistic.
      const sorted = [...values].sort((a, b) => a - b);
      const exact99 = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
      expect(Math.abs(m.percentile(99) - exact99) / exact99).toBeLessThan(0.001);
    }
    // The verdict's latency figures are the merged histogram's, not one segment's.
    const k6 = summaryOf(two).k6.metrics['http_req_duration{service:digid}']!.values;
    expect(k6['count']).toBe(samples.get('digid')!.length);
    expect(k6['p(99)']).toBe(LatencyHistogram.decode(merged['digid']!).percentile(99));
  });

  it('server figures are read once, after every segment finished: the mock saw the whole load', () => {
    const s = summaryOf(four);
    const server = s.server as { digid?: { capacity?: { windows: readonly { peakOffered: number }[] } } };
    const peak = server.digid?.capacity?.windows[0]?.peakOffered;
    // 600 authentications per sim minute for 0.6 sim minutes; one segment alone would show about a quarter.
    expect(peak).toBeGreaterThan(300);
    const requests = s.errors?.byFlow?.['digid-authenticate:digid']?.requests ?? 0;
    expect(peak).toBeGreaterThanOrEqual(requests * 0.9);
  });
});

describe('the README command', () => {
  it("bbsim run smoke --segments 2: every service's flow segmented, the designed verdict", async () => {
    const dir = join(out, 'smoke');
    const r = await run(process.execPath, ['bin/bbsim.js', 'run', 'smoke', '--segments', '2', '--out', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 32 << 20,
    });
    expect(r.stdout).toMatch(/running k6 in 2 segments \(0:1\/2, 1\/2:1\)/);
    expect(r.stdout).toMatch(/every checked norm holds/);
    const [folder] = readdirSync(dir);
    const s = JSON.parse(readFileSync(join(dir, folder!, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.segments).toHaveLength(2);
    // Every flow of smoke ran in the merged run.
    expect(new Set(Object.keys(s.errors?.byFlow ?? {}).map((k) => k.split(':')[0]))).toEqual(
      new Set([
        'burger-reads',
        'deliver-batch',
        'fetch-verwerkingsberichten',
        'machtigen-check',
        'subscription-request',
        'validation-query',
      ]),
    );
  }, 120_000);
});

describe('--segments: bad input', () => {
  it('more segments than a flow has VUs: refused before anything is written', async () => {
    const [tiny] = await loadScenarios(FIXTURES, ['segments-tiny']);
    expect(segmentsProblem(tiny!, 8)).toBeUndefined();
    expect(segmentsProblem(tiny!, 9)).toMatch(
      /--segments 9 is more than the VUs of machtigen-check \(maxVUs 8\) allow.*use at most 8/,
    );
    const dir = join(out, 'refused');
    const cli = await run(
      process.execPath,
      ['bin/bbsim.js', 'run', 'segments-tiny', '--scenarios', FIXTURES, '--out', dir, '--segments', '9'],
      { cwd: ROOT, encoding: 'utf8' },
    ).catch((e: { code: number; stderr: string }) => e);
    expect('code' in cli ? cli.code : 0).toBe(2);
    expect((cli as { stderr: string }).stderr).toMatch(/maxVUs 8/);
    expect(existsSync(dir)).toBe(false);
  });

  it('--segments 0 and --segments with --engine native: exit 2, nothing written', async () => {
    for (const [args, rule] of [
      [['--segments', '0'], /--segments must be an integer from 1 to 64, got '0'/],
      [['--segments', 'two'], /--segments must be an integer from 1 to 64, got 'two'/],
      [
        ['--segments', '2', '--engine', 'native'],
        /--segments runs k6 processes; it does not combine with --engine native/,
      ],
    ] as const) {
      const dir = join(out, `bad-${args.join('')}`);
      const cli = await run(
        process.execPath,
        ['bin/bbsim.js', 'run', 'segments-tiny', '--scenarios', FIXTURES, '--out', dir, ...args],
        { cwd: ROOT, encoding: 'utf8' },
      ).catch((e: { code: number; stderr: string }) => e);
      expect('code' in cli ? cli.code : 0, args.join(' ')).toBe(2);
      expect((cli as { stderr: string }).stderr).toMatch(rule);
      expect(existsSync(dir)).toBe(false);
    }
  });
});
