import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { promisify } from 'node:util';
import { LatencyHistogram } from '../results/histogram.ts';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { defaultDataOptions, generateDefaultK6Script } from './mock-defaults.ts';
import { runNative } from '../engine/run-native.ts';
import { buildMock, MOCK_LISTEN_BACKLOG } from '../mock/app.ts';
import { startMockThread, type MockThread } from './mock-thread.ts';
import type { MockConfigInput } from '../mock/config.ts';
import type { Scenario } from '../scenario/index.ts';
import { renderRunReport } from '../report/run-report.ts';
import { junitXml } from '../results/junit.ts';
import type {
  EncodedHistogram,
  EngineName,
  RunContext,
  RunErrors,
  RunSummary,
  TimelinePoint,
} from '../results/summary.ts';
import { readK6Csv } from './k6-csv.ts';
import { withoutCumulativeTargetRows } from './target-check.ts';
import { timelineFromK6 } from '../results/timeline.ts';
import { allHold, allJudged, verdictRows, type ServiceSamples } from './verdict.ts';
import type { K6Summary, ServerFigures, VerdictRow } from '../results/verdict-row.ts';
import { requestsByService, serviceErrors, type ServiceErrors } from '../results/error-budget.ts';
import { RUN_EXIT, type RunExitCode } from './exit-codes.ts';
import { BBSIM_VERSION } from '../version.ts';
import { droppedLoad } from './dropped-load.ts';

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
  /** --quiet: no k6 progress or engine progress lines (errors and the run's own lines stay). */
  readonly quiet?: boolean;
  /** --mock-config: the mock's configuration (the scenario's clock and a fresh db per run override it). Ignored with a target. */
  readonly mockConfig?: MockConfigInput;
  /**
   * When this run started, epoch ms, for the "to first request" figure: default the command's
   * start (performance.timeOrigin). A --repeat passes each run's own start, so the figure is not
   * summed over the runs before it.
   */
  readonly startedAt?: number;
  /**
   * The repeat number of a --repeat against a --target when it is 2 or more: the target kept the
   * earlier repeats' load, so its cumulative figures are not judged (see withoutCumulativeTargetRows).
   */
  readonly targetRepeat?: number;
  /**
   * Mutual TLS against an https target (PEM file paths): the afnemer's client certificate and key
   * (k6: -e TLS_CERT/TLS_KEY; the native engine: undici connect options) and the CA of the target's
   * certificate (k6: SSL_CERT_FILE).
   */
  readonly tls?: RunTls;
  /**
   * With the native engine, the runner's mock runs in a worker thread of its own (default), so the
   * engine and the mock use a core each; false: on the engine's event loop.
   */
  readonly mockThread?: boolean;
}

export interface RunTls {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

export interface RunResult {
  readonly runId: string;
  readonly dir: string;
  readonly rows: readonly VerdictRow[];
  /** RUN_EXIT (src/run/exit-codes.ts): 0 holds, 1 breach, 2 could not run, 3 a norm not judged, 4 errors over budget. */
  readonly exitCode: RunExitCode;
  readonly error?: string;
  /** Requests and failed requests (status >= 400 or no answer) per service, from the timeline. */
  readonly requests?: Readonly<Record<string, { readonly requests: number; readonly failed: number }>>;
  /** Per service: failures split into refusals and errors, against the error budget. */
  readonly errorBudget?: readonly ServiceErrors[];
  /** The run's failed requests by status and load-generator error code. */
  readonly errors?: RunErrors;
}

/** The verdict's samples per service: the timeline's counts, and the histograms for slow requests. */
export function serviceSamples(timeline: readonly TimelinePoint[], histograms: Histograms | undefined): ServiceSamples {
  return Object.fromEntries(
    Object.entries(requestsByService(timeline)).map(([service, c]) => {
      const encoded = histograms?.service[service];
      if (!encoded) return [service, c];
      const h = LatencyHistogram.decode(encoded);
      return [service, { ...c, slower: { count: h.count, above: (ms: number) => h.countAbove(ms) } }];
    }),
  );
}

/** The run's exit code from its verdict rows and error budget (precedence as in RUN_EXIT). */
export function runExitCode(rows: readonly VerdictRow[], budget: readonly ServiceErrors[]): RunExitCode {
  if (budget.some((b) => b.status === 'fail')) return RUN_EXIT.ERRORS_OVER_BUDGET;
  if (!allJudged(rows)) return RUN_EXIT.NOT_JUDGED;
  return allHold(rows) ? RUN_EXIT.HOLDS : RUN_EXIT.BREACH;
}

/** One figure endpoint's answer, or why there is none (its status and problem title, or the client's error). */
type FigureAnswer = { readonly value: unknown } | { readonly reason: string; readonly status?: number };

async function getJson(url: string, dispatcher: Dispatcher | undefined): Promise<FigureAnswer> {
  try {
    const res = dispatcher !== undefined ? await undiciFetch(url, { dispatcher }) : await fetch(url);
    const text = await res.text();
    if (!res.ok) {
      let title = text.slice(0, 120);
      try {
        const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
        title = [problem.title, problem.detail].filter((x) => typeof x === 'string').join(': ') || title;
      } catch {
        // not a problem document: its first bytes say enough
      }
      return { reason: `HTTP ${res.status}${title ? ` (${title})` : ''}`, status: res.status };
    }
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    const e = err as Error & { cause?: { code?: unknown; message?: unknown } };
    const cause = e.cause && typeof e.cause.code === 'string' ? e.cause.code : e.cause?.message;
    return { reason: `${e.message}${typeof cause === 'string' ? ` (${cause})` : ''}` };
  }
}

/** Wall ms before a figure endpoint that did not answer is asked once more. */
const FIGURE_RETRY_MS = 1000;

/** The mock's figure endpoints, by the name ServerFigures keeps each under. */
const FIGURE_PATHS = {
  status: '/status',
  digid: '/digid/stats',
  machtigen: '/machtigen/v1/stats',
  validatieservice: '/validatieservice/stats',
  abonnementservice: '/abonnementservice/v1/stats',
  availability: '/availability',
} as const;

/**
 * What the mock knows and the load generator cannot see. An endpoint that does not answer is asked
 * once more a second later (a whole day's run must not lose its capacity verdicts to one refused
 * connection); what still has no answer is left out, and `unanswered` says why, so the verdict can tell
 * a target that is not the bbsim mock from one that failed to answer.
 */
export async function serverFigures(base: string, tls?: RunTls): Promise<ServerFigures & Record<string, unknown>> {
  // The figures are public (no client certificate), but a test CA must be trusted to read them.
  const dispatcher = tls?.ca !== undefined ? new Agent({ connect: { ca: readFileSync(tls.ca) } }) : undefined;
  // A 404 is a target without that endpoint (not the bbsim mock): neither asked again nor listed.
  const notThere = (a: FigureAnswer): boolean => 'status' in a && a.status === 404;
  const get = async (path: string): Promise<{ answer: FigureAnswer; first?: string }> => {
    const first = await getJson(`${base}${path}`, dispatcher);
    if ('value' in first || notThere(first)) return { answer: first };
    await new Promise((resolve) => setTimeout(resolve, FIGURE_RETRY_MS));
    return { answer: await getJson(`${base}${path}`, dispatcher), first: first.reason };
  };
  const names = Object.keys(FIGURE_PATHS) as (keyof typeof FIGURE_PATHS)[];
  const answers = await Promise.all(names.map((n) => get(FIGURE_PATHS[n]))).finally(() => dispatcher?.close());
  const figures: Record<string, unknown> = {};
  const unanswered: Record<string, string> = {};
  const retried: Record<string, string> = {};
  names.forEach((n, i) => {
    const { answer, first } = answers[i]!;
    const path = FIGURE_PATHS[n];
    if ('value' in answer) {
      figures[n] = answer.value;
      if (first !== undefined) retried[path] = first;
    } else if (!notThere(answer)) unanswered[path] = answer.reason;
  });
  return {
    ...figures,
    ...(Object.keys(unanswered).length > 0 ? { unanswered } : {}),
    ...(Object.keys(retried).length > 0 ? { retried } : {}),
  } as ServerFigures & Record<string, unknown>;
}

/** k6 lines --quiet keeps: warnings and errors (k6 logs them as level=warning/error). */
const K6_NOTEWORTHY = /level=(warning|error|fatal)|\bERRO|\bWARN|panic/;

/** The log for progress output: everything, or with --quiet only what a reader must see. */
function progressLog(log: (l: string) => void, quiet: boolean | undefined): (l: string) => void {
  return quiet
    ? (l) => {
        if (K6_NOTEWORTHY.test(l)) log(l);
      }
    : log;
}

/**
 * What k6's progress bars said at the end: k6 marks a flow ✗ ("interrupted") when its executor
 * ended before its full duration, which an arrival-rate flow at a low rate does whenever its last
 * iteration starts before the end (smoke: deliver-batch at 0.26/s stops at 27.0 s of 30 s;
 * k6 lib/executor/helpers.go trackProgress: progress < 1 ⇒ Interrupted). Nothing was cut off when
 * k6 also counts 0 interrupted iterations, so the runner says so instead of leaving a ✗ unexplained.
 */
export class K6ProgressWatch {
  readonly crossed = new Set<string>();
  interrupted: number | undefined;
  see(line: string): void {
    const bar = /^\s*([a-z0-9-]+)\s+(✗|✓|↓)\s\[/.exec(line);
    if (bar) {
      if (bar[2] === '✗') this.crossed.add(bar[1]!);
      else this.crossed.delete(bar[1]!);
    }
    const it = /complete and (\d+) interrupted iterations/.exec(line);
    if (it) this.interrupted = Number(it[1]);
  }
  /** The note for the reader, or undefined when there is nothing to explain. */
  note(): string | undefined {
    if (this.crossed.size === 0) return undefined;
    const flows = [...this.crossed].sort().join(', ');
    const their = this.crossed.size === 1 ? 'its' : 'their';
    return this.interrupted === 0
      ? `note: k6 marks ${flows} with ✗ because ${their} last iteration started before the end of the run (a flow at a low rate), not because anything failed: 0 interrupted iterations`
      : `note: k6 marks ${flows} with ✗: ${this.interrupted ?? 'some'} iterations were interrupted at the end of the run (still in flight after the graceful stop)`;
  }
}

export function runK6(
  k6: string,
  args: readonly string[],
  log: (l: string) => void,
  watch?: K6ProgressWatch,
  env: Readonly<Record<string, string>> = {},
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(k6, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const relay = (d: Buffer): void => {
      for (const line of d.toString().split('\n')) {
        if (!line.trim()) continue;
        watch?.see(line);
        log(`  k6 | ${line}`);
      }
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => {
      log(`k6 could not start: ${err.message}`);
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

type Histograms = NonNullable<RunSummary['histograms']>;
type Measured =
  | {
      readonly k6: K6Summary;
      readonly timeline: readonly TimelinePoint[];
      readonly histograms?: Histograms;
      readonly errors?: RunErrors;
      readonly k6Version?: string;
    }
  | { readonly error: string };

const encodeAll = (m: ReadonlyMap<string, LatencyHistogram>): Record<string, EncodedHistogram> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => [k, h.encode()]));

/** k6 runs the generated script; its summary carries the timeline buckets (see timelineFromK6). */
async function runWithK6(
  k6Path: string,
  script: string,
  dir: string,
  base: string,
  log: (l: string) => void,
  t0: number,
  quiet: boolean | undefined,
  tls: RunTls | undefined,
): Promise<Measured> {
  const summaryPath = join(dir, 'k6-summary.json');
  log(`running k6 on ${script} against ${base}`);
  // BBSIM_T0: when this run started, so the script can report the time to its first request.
  // Every request's duration goes to a gzipped CSV, read back into HDR histograms and then deleted.
  const samples = join(dir, 'k6-samples.csv.gz');
  const watch = new K6ProgressWatch();
  // --address '': no REST API server (bbsim does not use it); two k6 runs at once (parallel CI jobs,
  // a --find-capacity beside a run) otherwise warn "listen tcp 127.0.0.1:6565: address already in use".
  const tlsArgs =
    tls?.cert !== undefined && tls.key !== undefined ? ['-e', `TLS_CERT=${tls.cert}`, '-e', `TLS_KEY=${tls.key}`] : [];
  const code = await runK6(
    k6Path,
    [
      'run',
      '--no-usage-report',
      '--address',
      '',
      '--out',
      `csv=${samples}`,
      '-e',
      `BASE_URL=${base}`,
      '-e',
      `SUMMARY_PATH=${summaryPath}`,
      '-e',
      `BBSIM_T0=${t0}`,
      ...tlsArgs,
      script,
    ],
    progressLog(log, quiet),
    watch,
    tls?.ca !== undefined ? { SSL_CERT_FILE: tls.ca } : {},
  );
  const note = watch.note();
  if (note !== undefined) log(note);
  // 99: k6 ran and a threshold failed — the verdict says which; anything else is "could not run".
  if ((code !== 0 && code !== 99) || !existsSync(summaryPath))
    return { error: `k6 exited with ${code} and no summary at ${summaryPath}` };
  const raw = JSON.parse(readFileSync(summaryPath, 'utf8')) as { k6: K6Summary; bucketSeconds?: number };
  const readStart = performance.now();
  const { byService, byFlow, errors } = await readK6Csv(samples);
  const requests = [...byService.values()].reduce((a, h) => a + h.count, 0);
  log(
    `k6 samples: ${requests} request durations read into histograms in ${(performance.now() - readStart).toFixed(0)} ms`,
  );
  rmSync(samples, { force: true });
  return {
    ...timelineFromK6(raw.k6, raw.bucketSeconds ?? 1),
    histograms: { service: encodeAll(byService), flow: encodeAll(byFlow) },
    errors,
    ...(await k6Version(k6Path)),
  };
}

/** `k6 version` once per binary (a --repeat or --find-capacity run asks for every run). */
const k6Versions = new Map<string, Promise<{ k6Version?: string }>>();
export function k6Version(k6Path: string): Promise<{ k6Version?: string }> {
  let v = k6Versions.get(k6Path);
  if (!v) {
    v = promisify(execFile)(k6Path, ['version'], { encoding: 'utf8' }).then(
      ({ stdout }) => ({ k6Version: stdout.trim().split('\n')[0] ?? stdout.trim() }),
      () => ({}),
    );
    k6Versions.set(k6Path, v);
  }
  return v;
}

/** The native engine (src/engine) runs the same flows in-process and reports in k6's summary shape. */
async function runWithNative(
  scenario: Scenario,
  base: string,
  log: (l: string) => void,
  native: RunOptions['native'],
  t0: number,
  quiet: boolean | undefined,
  tls: RunTls | undefined,
): Promise<Measured> {
  try {
    const read = (f: string | undefined): Buffer | undefined => (f !== undefined ? readFileSync(f) : undefined);
    const clientTls =
      tls !== undefined
        ? {
            ...(tls.cert !== undefined ? { cert: read(tls.cert)! } : {}),
            ...(tls.key !== undefined ? { key: read(tls.key)! } : {}),
            ...(tls.ca !== undefined ? { ca: read(tls.ca)! } : {}),
          }
        : undefined;
    const r = await runNative(scenario, {
      base,
      data: defaultDataOptions(scenario),
      log: progressLog(log, quiet),
      commandStartedAt: t0,
      ...native,
      ...(clientTls ? { tls: clientTls } : {}),
    });
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
  let mockThread: MockThread | undefined;
  let base = opts.target;
  const started = performance.now();
  try {
    if (base === undefined) {
      // A fresh database per run; the scenario's clock wins over a --mock-config's (the scenario is built for it).
      const { host: _host, port: _port, ...config } = opts.mockConfig ?? {};
      const mockConfig: MockConfigInput = {
        ...config,
        db: join(dir, 'mock.db'),
        clock: { ...config.clock, ...mockClockOf(scenario) },
        ...sessionsFor(scenario, config.auth),
      };
      // The native engine runs in this thread: the mock gets a thread of its own (see startMockThread).
      if ((opts.engine ?? 'k6') === 'native' && opts.mockThread !== false) {
        mockThread = await startMockThread(mockConfig, MOCK_LISTEN_BACKLOG);
        base = mockThread.base;
      } else {
        mock = await buildMock(mockConfig);
        base = await mock.listen({ port: 0, host: '127.0.0.1', backlog: MOCK_LISTEN_BACKLOG });
      }
      log(
        `mock listening on ${base} (${scenario.clock.schedule.length > 1 ? `sim speed schedule of ${scenario.clock.schedule.length} segments` : `sim speed ${scenario.clock.speed}`}${opts.mockConfig ? ', with --mock-config' : ''}${mockThread ? ', in a thread of its own' : ''})`,
      );
    }
    const engine = opts.engine ?? 'k6';
    const t0 = Math.round(opts.startedAt ?? performance.timeOrigin);
    const measured =
      engine === 'native'
        ? await runWithNative(scenario, base, log, opts.native, t0, opts.quiet, opts.tls)
        : await runWithK6(opts.k6Path, script, dir, base, log, t0, opts.quiet, opts.tls);
    if ('error' in measured) return { runId, dir, rows: [], exitCode: RUN_EXIT.COULD_NOT_RUN, error: measured.error };
    const { timeline, k6 } = measured;
    const context: RunContext = {
      scenarioHash: scenarioHash(scenario),
      bbsimVersion: BBSIM_VERSION,
      ...(measured.k6Version ? { k6Version: measured.k6Version } : {}),
      node: process.version,
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      speed: scenario.clock.speed,
      startedAt: new Date(performance.timeOrigin).toISOString(),
    };
    const server = await serverFigures(base, opts.tls);
    for (const [path, why] of Object.entries(server.retried ?? {}))
      log(`the target's figures: GET ${path} answered when asked again (the first time: ${why})`);
    for (const [path, why] of Object.entries(server.unanswered ?? {}))
      log(`the target's figures: GET ${path} did not answer (${why}); the norms it reports are not judged`);
    const judged = verdictRows(scenario.norms, k6, server, serviceSamples(timeline, measured.histograms));
    const rows =
      opts.target !== undefined && (opts.targetRepeat ?? 1) > 1
        ? withoutCumulativeTargetRows(judged, opts.targetRepeat ?? 1)
        : judged;
    const errorBudget = serviceErrors(timeline, measured.errors);
    const writeStart = performance.now();
    const summary: RunSummary = {
      scenario: scenario.name,
      runId,
      engine,
      target: opts.target ?? 'mock',
      speed: scenario.clock.speed,
      seconds: (writeStart - started) / 1000,
      k6,
      timeline,
      server,
      context,
      ...(measured.histograms ? { histograms: measured.histograms } : {}),
      ...(measured.errors ? { errors: measured.errors } : {}),
      ...summaryClock(scenario),
    };
    writeResults(dir, summary, rows);
    const writeMs = performance.now() - writeStart;
    const reqs = k6.metrics['http_reqs']?.values;
    const { dropped } = droppedLoad(k6);
    log(
      `${engine}: ${reqs?.['count'] ?? 0} requests (${(reqs?.['rate'] ?? 0).toFixed(0)}/s wall), ${dropped} dropped iterations${dropped > 0 ? ' — the load generator could not keep up: the offered load was lower than the scenario asks' : ''}`,
    );
    const firstRequestMs = k6.metrics['bbsim_first_request_ms']?.values['value'];
    log(
      `overhead: ${opts.startedAt === undefined ? 'command' : 'run start'} to first request ${firstRequestMs === undefined ? '?' : `${(firstRequestMs / 1000).toFixed(2)} s`}, results written in ${writeMs.toFixed(0)} ms`,
    );
    return {
      runId,
      dir,
      rows,
      exitCode: runExitCode(rows, errorBudget),
      requests: requestsByService(timeline),
      errorBudget,
      ...(measured.errors ? { errors: measured.errors } : {}),
    };
  } catch (err) {
    return { runId, dir, rows: [], exitCode: RUN_EXIT.COULD_NOT_RUN, error: (err as Error).message };
  } finally {
    await mock?.close();
    await mockThread?.close();
  }
}

/**
 * The mock's clock for a scenario: its start and speed, or its speed schedule in sim instants, the
 * clock held until the load generator's first request so that each segment meets the load it was
 * derived for (k6 starts a second or so after the mock).
 */
export function mockClockOf(scenario: Scenario): {
  speed: number;
  start?: string;
  schedule?: { from: number; speed: number }[];
  holdUntilFirstRequest?: boolean;
} {
  const start = scenario.clock.start;
  const base = { speed: scenario.clock.speed, ...(start !== undefined ? { start } : {}) };
  if (scenario.clock.schedule.length <= 1 || start === undefined) return base;
  const t0 = Date.parse(start);
  return {
    ...base,
    schedule: scenario.clock.schedule.map((s) => ({ from: t0 + s.from, speed: s.speed })),
    holdUntilFirstRequest: true,
  };
}

/** Wall seconds a burger's session must outlast between login and a read in a compressed run. */
const SESSION_WALL_S = 15;

/**
 * Sessions live 15 sim minutes (auth.sessionTtlMs), but at speed s every wall second a request
 * waits is s sim seconds: at 3,200 a read 0.3 wall s after its login finds the session expired
 * (measured: 912 of 1,911 presentatie reads answered 401 in the shortened peak-day on a loaded
 * machine). That is the compression's, not the burger's, so the runner's mock lets a session outlast
 * SESSION_WALL_S of wall time at the scenario's fastest speed, unless --mock-config sets the TTL.
 */
function sessionsFor(scenario: Scenario, auth: MockConfigInput['auth']): { auth?: MockConfigInput['auth'] } {
  const fastest = Math.max(...scenario.clock.schedule.map((x) => x.speed));
  const ttl = SESSION_WALL_S * 1000 * fastest;
  if (auth?.sessionTtlMs !== undefined || ttl <= 15 * 60_000) return auth !== undefined ? { auth } : {};
  return { auth: { ...auth, sessionTtlMs: Math.round(ttl) } };
}

/** The run summary's `clock` under a speed schedule (the report's time axes in sim time); nothing for one speed. */
export function summaryClock(scenario: Scenario): Pick<RunSummary, 'clock'> {
  const { start, schedule } = scenario.clock;
  if (start === undefined || schedule.length <= 1) return {};
  return { clock: { start: new Date(Date.parse(start)).toISOString(), schedule: schedule.map((x) => ({ ...x })) } };
}

/** A scenario's fingerprint: runs of the same hash ran the same load (comparisons warn otherwise). */
export function scenarioHash(s: Scenario): string {
  const { name, load, flows, data, clock, norms } = s;
  return createHash('sha256')
    .update(JSON.stringify({ name, load, flows, data: data ?? null, clock, norms }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * summary.json: indented, but one line per timeline point with latencies to the µs (an hour of a
 * native run has 10,000 points; one per line keeps it readable and about half the size).
 */
export function summaryJson(summary: RunSummary): string {
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const points = summary.timeline.map(
    (p) => `    ${JSON.stringify({ ...p, p50: r3(p.p50), p95: r3(p.p95), p99: r3(p.p99), max: r3(p.max) })}`,
  );
  const marker = '@@bbsim-timeline@@';
  return JSON.stringify({ ...summary, timeline: marker }, null, 2).replace(
    `"${marker}"`,
    points.length ? `[\n${points.join(',\n')}\n  ]` : '[]',
  );
}

/** summary.json, verdict.json, junit.xml and report.html: everything a run leaves behind. */
export function writeResults(dir: string, summary: RunSummary, rows: readonly VerdictRow[]): void {
  const budget = serviceErrors(summary.timeline, summary.errors);
  const exitCode = runExitCode(rows, budget);
  writeFileSync(join(dir, 'summary.json'), summaryJson(summary));
  // holds: true only when the run passes (exit 0): every norm judged and held, errors within budget.
  writeFileSync(
    join(dir, 'verdict.json'),
    JSON.stringify(
      {
        scenario: summary.scenario,
        runId: summary.runId,
        holds: exitCode === RUN_EXIT.HOLDS,
        exitCode,
        unjudged: rows.filter((r) => r.unjudged !== undefined).map((r) => r.normId),
        rows,
        errorBudget: budget,
      },
      null,
      2,
    ),
  );
  // Repeats get their own suite name (bbsim.smoke.rep-2), so a CI page tells them apart.
  writeFileSync(
    join(dir, 'junit.xml'),
    junitXml(
      /^rep-\d+$/.test(summary.runId) ? `${summary.scenario}.${summary.runId}` : summary.scenario,
      rows,
      summary.seconds,
      budget,
    ),
  );
  writeFileSync(join(dir, 'report.html'), renderRunReport(summary, rows));
}

/** The verdict as a terminal table. */
export function verdictTable(rows: readonly VerdictRow[]): string {
  const fmt = (x: number | undefined): string =>
    x === undefined ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
  const head = ['norm', 'limit', 'measured', 'margin', 'verdict', 'priority'];
  const body = rows.map((r) => [
    r.normId,
    `${r.limit} ${r.unit}`,
    fmt(r.measured),
    fmt(r.margin),
    r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'n/a',
    r.priority ? `P${r.priority.priority} (${r.priority.resolution})` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const unjudged = rows
    .filter((r) => r.unjudged !== undefined)
    .map((r) => `n/a  ${r.normId}: NOT JUDGED — ${r.unjudged}`);
  // Under a speed schedule: the speed each norm's peak window was replayed at (latency: the speeds, faithful or not).
  const replay = rows.filter((r) => r.replay !== undefined).map((r) => `replay  ${r.normId}: ${r.replay!.note}`);
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...(unjudged.length ? ['', ...unjudged] : []),
    ...(replay.length ? ['', ...replay] : []),
  ].join('\n');
}
