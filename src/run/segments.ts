import { RUN_EXIT } from './exit-codes.ts';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { vuPools } from '../k6gen/index.ts';
import { generateDefaultK6Script } from './mock-defaults.ts';
import { buildMock, MOCK_LISTEN_BACKLOG } from '../mock/app.ts';
import { mergeSegments, segmentProblems, type SegmentSummary } from '../results/merge.ts';
import type { RunContext, RunSummary, SegmentInfo } from '../results/summary.ts';
import type { Scenario } from '../scenario/index.ts';
import {
  k6Version,
  mockClockOf,
  runExitCode,
  runK6,
  scenarioHash,
  serverFigures,
  serviceSamples,
  writeResults,
  type RunOptions,
  type RunResult,
} from './runner.ts';
import { BBSIM_VERSION } from '../version.ts';
import { requestsByService, serviceErrors } from '../results/error-budget.ts';
import { readSegmentOutput, SegmentInputError } from './segment-files.ts';
import { verdictRows } from './verdict.ts';
import { droppedLoad } from './dropped-load.ts';

/** Most k6 processes one `bbsim run --segments` starts (past the cores they only compete). */
export const MAX_SEGMENTS = 64;

/**
 * `--execution-segment` and `--execution-segment-sequence` of process `index` (1-based) of `n`,
 * written as the k6-operator writes them (`0:1/4`, `0,1/4,2/4,3/4,1`), so a local run and a
 * TestRun of the same parallelism cut the load the same way.
 */
export function segmentArgs(index: number, n: number): { segment: string; sequence: string } {
  const point = (i: number): string => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  return {
    segment: `${point(index - 1)}:${point(index)}`,
    sequence: Array.from({ length: n + 1 }, (_, i) => point(i)).join(','),
  };
}

/**
 * Why a scenario cannot run in n segments, or undefined. k6 splits each flow's VU pool over the
 * segments: a segment without a VU of a flow never runs that flow's share, so n may not exceed the
 * smallest maxVUs of any flow (at the speed the script runs at).
 */
export function segmentsProblem(scenario: Scenario, n: number, speed = scenario.clock.speed): string | undefined {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENTS)
    return `--segments must be an integer from 1 to ${MAX_SEGMENTS}, got ${n}`;
  const pools = Object.entries(vuPools(scenario, speed));
  const short = pools.filter(([, p]) => p.maxVUs < n);
  if (short.length === 0) return undefined;
  const most = Math.min(...pools.map(([, p]) => p.maxVUs));
  return `--segments ${n} is more than the VUs of ${short.map(([f, p]) => `${f} (maxVUs ${p.maxVUs})`).join(', ')} allow: k6 gives each segment its share of a flow's VUs, and a segment with none would never run that flow; use at most ${most}`;
}

const iterations = (s: SegmentSummary): number => s.k6.metrics['iterations']?.values['count'] ?? 0;
const dropped = (s: SegmentSummary): number => droppedLoad(s.k6).dropped;
const requestCount = (s: SegmentSummary): number =>
  Object.values(s.histograms.service).reduce((a, h) => a + h.count, 0);

export interface MergedRunInput {
  readonly scenario: Scenario;
  readonly runId: string;
  readonly dir: string;
  /** Where each segment summary is, relative to dir when inside it. */
  readonly summaries: readonly string[];
  readonly segments: readonly SegmentSummary[];
  /** Base URL to read the server's figures from, once, after every segment finished; absent: none. */
  readonly base?: string;
  readonly target: string;
  readonly startedMs: number;
  readonly k6Version?: string;
  readonly log: (line: string) => void;
}

/**
 * Merges checked segments into one run in `dir`: k6 summary, timeline, histograms, failures; reads
 * the server's figures once (after every segment has finished: the mock's busiest windows are of the
 * whole load), judges every norm and writes summary.json, verdict.json, junit.xml and report.html.
 */
export async function writeMergedRun(input: MergedRunInput): Promise<RunResult> {
  const { scenario, runId, dir, segments, log } = input;
  const mergeStart = performance.now();
  const merged = mergeSegments(segments);
  log(
    `merged ${segments.length} segments (${segments.reduce((a, s) => a + requestCount(s), 0)} requests) in ${(performance.now() - mergeStart).toFixed(0)} ms`,
  );
  const server = input.base !== undefined ? await serverFigures(input.base) : {};
  const rows = verdictRows(scenario.norms, merged.k6, server, serviceSamples(merged.timeline, merged.histograms));
  const context: RunContext = {
    scenarioHash: scenarioHash(scenario),
    bbsimVersion: BBSIM_VERSION,
    ...(input.k6Version ? { k6Version: input.k6Version } : {}),
    node: process.version,
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    speed: segments[0]?.speed ?? scenario.clock.speed,
    startedAt: new Date(input.startedMs).toISOString(),
  };
  const info: SegmentInfo[] = segments.map((s, i) => ({
    segment: s.segment,
    summary: input.summaries[i] ?? '',
    requests: requestCount(s),
    iterations: iterations(s),
    dropped: dropped(s),
  }));
  const summary: RunSummary = {
    scenario: scenario.name,
    runId,
    engine: 'k6',
    target: input.target,
    speed: context.speed,
    seconds: (Date.now() - input.startedMs) / 1000,
    k6: merged.k6,
    timeline: merged.timeline,
    server,
    context,
    histograms: merged.histograms,
    errors: merged.errors,
    segments: info,
  };
  writeResults(dir, summary, rows);
  const drops = info.reduce((a, s) => a + s.dropped, 0);
  log(
    `k6 in ${segments.length} segments: ${info.map((s) => `${s.segment} ${s.requests} requests, ${s.dropped} dropped`).join('; ')}`,
  );
  if (drops > 0)
    log(
      `${drops} dropped iterations — the load generators could not keep up: the offered load was lower than the scenario asks`,
    );
  if (merged.approximated.length > 0)
    log(`merged without samples (count-weighted, not exact): ${merged.approximated.join(', ')}`);
  const errorBudget = serviceErrors(merged.timeline, merged.errors);
  return {
    runId,
    dir,
    rows,
    exitCode: runExitCode(rows, errorBudget),
    requests: requestsByService(merged.timeline),
    errorBudget,
  };
}

/**
 * `bbsim run --segments n`: the scenario's one generated script as n k6 processes at once, each with
 * its `--execution-segment` of one shared `--execution-segment-sequence`, against the same target.
 * Each process writes `segments/<i>/k6-summary.json` and its samples; those are read into
 * `segments/<i>/summary.json` (histograms included, the CSV deleted) and merged into the run folder.
 */
export async function runSegmented(
  opts: RunOptions & {
    readonly segments: number;
    /** Keep each segment's k6-samples.csv.gz (tests). */ readonly keepSamples?: boolean;
  },
): Promise<RunResult> {
  const { scenario, log, segments: n } = opts;
  const runId = opts.runId ?? `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const dir = join(opts.outDir, runId);
  // Bad input is refused before anything is written.
  const problem =
    (opts.engine ?? 'k6') !== 'k6'
      ? '--segments runs k6 processes; it does not combine with --engine native'
      : segmentsProblem(scenario, n);
  if (problem !== undefined) return { runId, dir, rows: [], exitCode: RUN_EXIT.COULD_NOT_RUN, error: problem };
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${scenario.name}.js`);
  writeFileSync(script, generateDefaultK6Script(scenario));
  const startedMs = Date.now();
  let mock: FastifyInstance | undefined;
  let base = opts.target;
  try {
    if (base === undefined) {
      mock = await buildMock({ db: join(dir, 'mock.db'), clock: mockClockOf(scenario) });
      base = await mock.listen({ port: 0, host: '127.0.0.1', backlog: MOCK_LISTEN_BACKLOG });
      log(`mock listening on ${base} (sim speed ${scenario.clock.speed})`);
    }
    const t0 = Math.round(performance.timeOrigin);
    const parts = Array.from({ length: n }, (_, k) => {
      const i = k + 1;
      const segDir = join(dir, 'segments', String(i));
      mkdirSync(segDir, { recursive: true });
      return {
        i,
        segDir,
        ...segmentArgs(i, n),
        summary: join(segDir, 'k6-summary.json'),
        csv: join(segDir, 'k6-samples.csv.gz'),
      };
    });
    log(`running k6 in ${n} segments (${parts.map((p) => p.segment).join(', ')}) on ${script} against ${base}`);
    const codes = await Promise.all(
      parts.map((p) =>
        runK6(
          opts.k6Path,
          [
            'run',
            '--no-usage-report',
            '--address',
            '',
            '--execution-segment',
            p.segment,
            '--execution-segment-sequence',
            p.sequence,
            '--tag',
            `instance_id=${p.i}`,
            '--out',
            `csv=${p.csv}`,
            '-e',
            `BASE_URL=${base}`,
            '-e',
            `SUMMARY_PATH=${p.summary}`,
            '-e',
            `BBSIM_T0=${t0}`,
            script,
          ],
          (l) => log(l.replace(/^ {2}k6 \|/, `  k6[${p.i}] |`)),
        ),
      ),
    );
    // 99: k6 ran and a threshold failed (the verdict says which); anything else: could not run.
    const failed = parts.filter((p, k) => codes[k] !== 0 && codes[k] !== 99);
    if (failed.length > 0)
      return {
        runId,
        dir,
        rows: [],
        exitCode: RUN_EXIT.COULD_NOT_RUN,
        error: `k6 segment ${failed.map((p) => `${p.segment} exited with ${codes[p.i - 1] ?? '?'}`).join(', ')} (its output in ${join(dir, 'segments')})`,
      };
    const readStart = performance.now();
    const segments: SegmentSummary[] = [];
    for (const p of parts) {
      const s = await readSegmentOutput(p.summary, p.csv);
      writeFileSync(join(p.segDir, 'summary.json'), JSON.stringify(s, null, 1));
      if (!opts.keepSamples) rmSync(p.csv, { force: true });
      segments.push(s);
    }
    log(`k6 samples of ${n} segments read into histograms in ${(performance.now() - readStart).toFixed(0)} ms`);
    const problems = segmentProblems(
      segments,
      parts.map((p) => `segments/${p.i}`),
    );
    if (problems.length > 0)
      return { runId, dir, rows: [], exitCode: RUN_EXIT.COULD_NOT_RUN, error: problems.join('; ') };
    // Every segment has finished: the server's figures are read once, for the whole load.
    return await writeMergedRun({
      scenario,
      runId,
      dir,
      summaries: parts.map((p) => relative(dir, join(p.segDir, 'summary.json'))),
      segments,
      base,
      target: opts.target ?? 'mock',
      startedMs,
      ...(await k6Version(opts.k6Path)),
      log,
    });
  } catch (err) {
    return {
      runId,
      dir,
      rows: [],
      exitCode: RUN_EXIT.COULD_NOT_RUN,
      error: err instanceof SegmentInputError ? err.message : (err as Error).message,
    };
  } finally {
    await mock?.close();
  }
}
