import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { promisify } from 'node:util';
import type { LatencyHistogram } from '../results/histogram.ts';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { generateDefaultK6Script } from '../k6gen/index.ts';
import { runNative } from '../engine/run-native.ts';
import { buildMock } from '../mock/app.ts';
import type { Scenario } from '../scenario/index.ts';
import { renderRunReport } from '../report/run-report.ts';
import { junitXml } from '../results/junit.ts';
import type { EncodedHistogram, EngineName, RunContext, RunErrors, RunSummary, TimelinePoint } from '../results/summary.ts';
import { readK6Csv } from './k6-csv.ts';
import { timelineFromK6 } from '../results/timeline.ts';
import { allHold, verdictRows, type K6Summary, type ServerFigures, type VerdictRow } from './verdict.ts';

export interface RunOptions {
  readonly scenario: Scenario;
  /** Base URL of the system under test; absent: start the mock (embedded SQLite) on a free port. */
  readonly target?: string;
  /** Parent folder of the run folder (results/). */
  readonly outDir: string;
  readonly k6Path: string;
  /** The run's folder name under outDir (default <scenario>-<timestamp>). */
  readonly runId?: string;
  /** 'k6' (default): the generated script with the set-up's k6; 'native': the in-process engine (src/engine). */
  readonly engine?: EngineName;
  /** Native engine only: keep-alive connections and requests in flight per connection. */
  readonly native?: { readonly connections?: number; readonly pipelining?: number };
  /** Progress and k6's own output. */
  readonly log: (line: string) => void;
  /**
   * Mutual TLS against an https target (PEM file paths): the afnemer's client certificate and key
   * (k6: -e TLS_CERT/TLS_KEY; the native engine: undici connect options) and the CA of the target's
   * certificate (k6: SSL_CERT_FILE).
   */
  readonly tls?: RunTls;
}

export interface RunTls { readonly cert?: string; readonly key?: string; readonly ca?: string }

export interface RunResult {
  readonly runId: string;
  readonly dir: string;
  readonly rows: readonly VerdictRow[];
  /** 0: every checked norm holds; 1: a norm is breached; 2: the run could not be done. */
  readonly exitCode: 0 | 1 | 2;
  readonly error?: string;
  /** Requests and failed requests (status >= 400 or no answer) per service, from the timeline. */
  readonly requests?: Readonly<Record<string, { readonly requests: number; readonly failed: number }>>;
}

/** Requests and failures per service: no norm speaks of them, but a reader of a verdict must see them. */
export function requestsByService(timeline: readonly TimelinePoint[]): Record<string, { requests: number; failed: number }> {
  const out: Record<string, { requests: number; failed: number }> = {};
  for (const p of timeline) {
    const s = (out[p.service] ??= { requests: 0, failed: 0 });
    s.requests += p.requests;
    s.failed += p.failed;
  }
  return out;
}

async function getJson(url: string, dispatcher: Dispatcher | undefined): Promise<unknown> {
  try {
    const res = dispatcher !== undefined ? await undiciFetch(url, { dispatcher }) : await fetch(url);
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** What the mock knows and the load generator cannot see. Any missing endpoint is simply absent. */
async function serverFigures(base: string, tls: RunTls | undefined): Promise<ServerFigures & Record<string, unknown>> {
  // The figures are public (no client certificate), but a test CA must be trusted to read them.
  const dispatcher = tls?.ca !== undefined ? new Agent({ connect: { ca: readFileSync(tls.ca) } }) : undefined;
  const get = (path: string): Promise<unknown> => getJson(`${base}${path}`, dispatcher);
  const [status, digid, machtigen, validatieservice, abonnementservice, availability] = await Promise.all([
    get('/status'), get('/digid/stats'), get('/machtigen/v1/stats'), get('/validatieservice/stats'), get('/abonnementservice/v1/stats'), get('/availability'),
  ]).finally(() => dispatcher?.close());
  return { status, digid, machtigen, validatieservice, abonnementservice, availability } as ServerFigures & Record<string, unknown>;
}

function runK6(k6: string, args: readonly string[], log: (l: string) => void, env: Readonly<Record<string, string>> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(k6, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const relay = (d: Buffer): void => { for (const line of d.toString().split('\n')) if (line.trim()) log(`  k6 | ${line}`); };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => { log(`k6 could not start: ${err.message}`); resolve(-1); });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

type Histograms = NonNullable<RunSummary['histograms']>;
type Measured = {
  readonly k6: K6Summary;
  readonly timeline: readonly TimelinePoint[];
  readonly histograms?: Histograms;
  readonly errors?: RunErrors;
  readonly k6Version?: string;
} | { readonly error: string };

const encodeAll = (m: ReadonlyMap<string, LatencyHistogram>): Record<string, EncodedHistogram> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => [k, h.encode()]));

/** k6 runs the generated script; its summary carries the timeline buckets (see timelineFromK6). */
async function runWithK6(k6Path: string, script: string, dir: string, base: string, log: (l: string) => void, tls: RunTls | undefined): Promise<Measured> {
  const summaryPath = join(dir, 'k6-summary.json');
  log(`running k6 on ${script} against ${base}`);
  // BBSIM_T0: when this command started, so the script can report the time to its first request.
  const t0 = Math.round(performance.timeOrigin);
  // Every request's duration goes to a gzipped CSV, read back into HDR histograms and then deleted.
  const samples = join(dir, 'k6-samples.csv.gz');
  const tlsArgs = tls?.cert !== undefined && tls.key !== undefined ? ['-e', `TLS_CERT=${tls.cert}`, '-e', `TLS_KEY=${tls.key}`] : [];
  const code = await runK6(k6Path, ['run', '--no-usage-report', '--out', `csv=${samples}`, '-e', `BASE_URL=${base}`, '-e', `SUMMARY_PATH=${summaryPath}`, '-e', `BBSIM_T0=${t0}`, ...tlsArgs, script], log,
    tls?.ca !== undefined ? { SSL_CERT_FILE: tls.ca } : {});
  // 99: k6 ran and a threshold failed — the verdict says which; anything else is "could not run".
  if ((code !== 0 && code !== 99) || !existsSync(summaryPath)) return { error: `k6 exited with ${code} and no summary at ${summaryPath}` };
  const raw = JSON.parse(readFileSync(summaryPath, 'utf8')) as { k6: K6Summary; bucketSeconds?: number };
  const readStart = performance.now();
  const { byService, byFlow, errors } = await readK6Csv(samples);
  const requests = [...byService.values()].reduce((a, h) => a + h.count, 0);
  log(`k6 samples: ${requests} request durations read into histograms in ${(performance.now() - readStart).toFixed(0)} ms`);
  rmSync(samples, { force: true });
  return { ...timelineFromK6(raw.k6, raw.bucketSeconds ?? 1), histograms: { service: encodeAll(byService), flow: encodeAll(byFlow) }, errors, ...(await k6Version(k6Path)) };
}

/** `k6 version` once per binary (a --repeat or --find-capacity run asks for every run). */
const k6Versions = new Map<string, Promise<{ k6Version?: string }>>();
function k6Version(k6Path: string): Promise<{ k6Version?: string }> {
  let v = k6Versions.get(k6Path);
  if (!v) {
    v = promisify(execFile)(k6Path, ['version'], { encoding: 'utf8' })
      .then(({ stdout }) => ({ k6Version: stdout.trim().split('\n')[0] ?? stdout.trim() }), () => ({}));
    k6Versions.set(k6Path, v);
  }
  return v;
}

/** The native engine (src/engine) runs the same flows in-process and reports in k6's summary shape. */
async function runWithNative(scenario: Scenario, base: string, log: (l: string) => void, native: RunOptions['native'], tls: RunTls | undefined): Promise<Measured> {
  try {
    const read = (f: string | undefined): Buffer | undefined => (f !== undefined ? readFileSync(f) : undefined);
    const clientTls = tls !== undefined ? { ...(tls.cert !== undefined ? { cert: read(tls.cert)! } : {}), ...(tls.key !== undefined ? { key: read(tls.key)! } : {}), ...(tls.ca !== undefined ? { ca: read(tls.ca)! } : {}) } : undefined;
    const r = await runNative(scenario, { base, log, commandStartedAt: Math.round(performance.timeOrigin), ...native, ...(clientTls ? { tls: clientTls } : {}) });
    return { k6: r.k6, timeline: r.timeline, histograms: r.histograms, errors: r.failures };
  } catch (err) {
    return { error: `native engine: ${(err as Error).message}` };
  }
}

/**
 * Runs a scenario: generates its k6 script, starts the mock unless a target is given, runs k6,
 * reads k6's summary and the server's figures, and writes results/<run-id>/ with summary.json,
 * verdict.json and junit.xml.
 */
export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const { scenario, log } = opts;
  const runId = opts.runId ?? `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const dir = join(opts.outDir, runId);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${scenario.name}.js`);
  writeFileSync(script, generateDefaultK6Script(scenario));

  let mock: FastifyInstance | undefined;
  let base = opts.target;
  const started = performance.now();
  try {
    if (base === undefined) {
      mock = await buildMock({ db: join(dir, 'mock.db'), clock: { speed: scenario.clock.speed, ...(scenario.clock.start !== undefined ? { start: scenario.clock.start } : {}) } });
      base = await mock.listen({ port: 0, host: '127.0.0.1' });
      log(`mock listening on ${base} (sim speed ${scenario.clock.speed})`);
    }
    const engine = opts.engine ?? 'k6';
    const measured = engine === 'native' ? await runWithNative(scenario, base, log, opts.native, opts.tls) : await runWithK6(opts.k6Path, script, dir, base, log, opts.tls);
    if ('error' in measured) return { runId, dir, rows: [], exitCode: 2, error: measured.error };
    const { timeline, k6 } = measured;
    const context: RunContext = {
      scenarioHash: scenarioHash(scenario), bbsimVersion: BBSIM_VERSION, ...(measured.k6Version ? { k6Version: measured.k6Version } : {}),
      node: process.version, cores: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', speed: scenario.clock.speed, startedAt: new Date(performance.timeOrigin).toISOString(),
    };
    const server = await serverFigures(base, opts.tls);
    const rows = verdictRows(scenario.norms, k6, server);
    const writeStart = performance.now();
    const summary: RunSummary = {
      scenario: scenario.name, runId, engine, target: opts.target ?? 'mock', speed: scenario.clock.speed,
      seconds: (writeStart - started) / 1000, k6, timeline, server, context,
      ...(measured.histograms ? { histograms: measured.histograms } : {}),
      ...(measured.errors ? { errors: measured.errors } : {}),
    };
    writeResults(dir, summary, rows);
    const writeMs = performance.now() - writeStart;
    const reqs = k6.metrics['http_reqs']?.values;
    const dropped = k6.metrics['dropped_iterations']?.values['count'] ?? 0;
    log(`k6: ${reqs?.['count'] ?? 0} requests (${(reqs?.['rate'] ?? 0).toFixed(0)}/s wall), ${dropped} dropped iterations${dropped > 0 ? ' — the load generator could not keep up: the offered load was lower than the scenario asks' : ''}`);
    const firstRequestMs = k6.metrics['bbsim_first_request_ms']?.values['value'];
    log(`overhead: command to first request ${firstRequestMs === undefined ? '?' : `${(firstRequestMs / 1000).toFixed(2)} s`}, results written in ${writeMs.toFixed(0)} ms`);
    return { runId, dir, rows, exitCode: allHold(rows) ? 0 : 1, requests: requestsByService(timeline) };
  } catch (err) {
    return { runId, dir, rows: [], exitCode: 2, error: (err as Error).message };
  } finally {
    await mock?.close();
  }
}

export const BBSIM_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A scenario's fingerprint: runs of the same hash ran the same load (comparisons warn otherwise). */
export function scenarioHash(s: Scenario): string {
  const { name, load, flows, data, clock, norms } = s;
  return createHash('sha256').update(JSON.stringify({ name, load, flows, data: data ?? null, clock, norms })).digest('hex').slice(0, 16);
}

/**
 * summary.json: indented, but one line per timeline point with latencies to the µs (an hour of a
 * native run has 10,000 points; one per line keeps it readable and about half the size).
 */
export function summaryJson(summary: RunSummary): string {
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const points = summary.timeline.map((p) => `    ${JSON.stringify({ ...p, p50: r3(p.p50), p95: r3(p.p95), p99: r3(p.p99), max: r3(p.max) })}`);
  const marker = '@@bbsim-timeline@@';
  return JSON.stringify({ ...summary, timeline: marker }, null, 2).replace(`"${marker}"`, points.length ? `[\n${points.join(',\n')}\n  ]` : '[]');
}

/** summary.json, verdict.json, junit.xml and report.html: everything a run leaves behind. */
export function writeResults(dir: string, summary: RunSummary, rows: readonly VerdictRow[]): void {
  writeFileSync(join(dir, 'summary.json'), summaryJson(summary));
  writeFileSync(join(dir, 'verdict.json'), JSON.stringify({ scenario: summary.scenario, runId: summary.runId, holds: allHold(rows), rows }, null, 2));
  writeFileSync(join(dir, 'junit.xml'), junitXml(summary.scenario, rows, summary.seconds));
  writeFileSync(join(dir, 'report.html'), renderRunReport(summary, rows));
}

/** The verdict as a terminal table. */
export function verdictTable(rows: readonly VerdictRow[]): string {
  const fmt = (x: number | undefined): string => (x === undefined ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const head = ['norm', 'limit', 'measured', 'margin', 'verdict', 'priority'];
  const body = rows.map((r) => [r.normId, `${r.limit} ${r.unit}`, fmt(r.measured), fmt(r.margin), r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'n/a',
    r.priority ? `P${r.priority.priority} (${r.priority.resolution})` : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
