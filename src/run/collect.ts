import { RUN_EXIT } from './exit-codes.ts';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptHashOf } from '../k6gen/index.ts';
import { generateDefaultK6Script } from './mock-defaults.ts';
import { segmentProblems, type SegmentSummary } from '../results/merge.ts';
import type { Scenario } from '../scenario/index.ts';
import type { RunResult } from './runner.ts';
import { readSegmentOutput, SegmentInputError } from './segment-files.ts';
import { writeMergedRun } from './segments.ts';

export interface CollectOptions {
  /** Segment outputs: script summaries (`*k6-summary.json`, samples beside them), bbsim segment summaries, or folders of them. */
  readonly inputs: readonly string[];
  /** Finds the scenario the segments ran (by the name in their summaries). */
  readonly loadScenario: (name: string) => Promise<Scenario>;
  readonly outDir: string;
  readonly runId?: string;
  /** Where to read the server's figures once (the mock, e.g. through kubectl port-forward); absent: none. */
  readonly target?: string;
  readonly log: (line: string) => void;
}

/** The segment files named by the inputs: a file as it is; a folder's `*k6-summary.json`, else its sub-folders' summaries. */
export function segmentFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input))
      throw new SegmentInputError(`${input}: no such file or folder (a segment's summary JSON, or a folder of them)`);
    if (!statSync(input).isDirectory()) {
      files.push(input);
      continue;
    }
    const here = readdirSync(input)
      .filter((f) => f.endsWith('k6-summary.json'))
      .sort()
      .map((f) => join(input, f));
    if (here.length > 0) {
      files.push(...here);
      continue;
    }
    const below = readdirSync(input)
      .sort()
      .flatMap((d) => {
        const sub = join(input, d);
        if (!statSync(sub).isDirectory()) return [];
        return ['summary.json', 'k6-summary.json']
          .map((f) => join(sub, f))
          .filter((f) => existsSync(f))
          .slice(0, 1);
      });
    if (below.length === 0)
      throw new SegmentInputError(`${input}: no segment output in it (*k6-summary.json, or <segment>/summary.json)`);
    files.push(...below);
  }
  return files;
}

/**
 * `bbsim collect`: segment outputs written elsewhere (k6-operator runners, other hosts) into one run
 * folder with its verdict, as `bbsim run --segments` would have left it. Every input is read and
 * checked (same scenario, script and sequence; every segment present; the script is the one the
 * scenario generates) before anything is written, and the folder appears whole or not at all.
 */
export async function collectSegments(opts: CollectOptions): Promise<RunResult> {
  const { log } = opts;
  const startedMs = Date.now();
  const refuse = (error: string): RunResult => ({
    runId: opts.runId ?? '',
    dir: '',
    rows: [],
    exitCode: RUN_EXIT.COULD_NOT_RUN,
    error,
  });
  let files: string[];
  const segments: SegmentSummary[] = [];
  try {
    files = segmentFiles(opts.inputs);
    for (const f of files) segments.push(await readSegmentOutput(f));
  } catch (err) {
    if (err instanceof SegmentInputError) return refuse(err.message);
    throw err;
  }
  const problems = segmentProblems(segments, files);
  if (problems.length > 0) return refuse(problems.join('; '));
  const first = segments[0]!;
  let scenario: Scenario;
  try {
    scenario = await opts.loadScenario(first.scenario);
  } catch (err) {
    return refuse(`the segments ran scenario ${first.scenario}: ${(err as Error).message}`);
  }
  const expected = scriptHashOf(generateDefaultK6Script(scenario));
  if (expected !== first.scriptHash) {
    return refuse(
      `the segments ran script ${first.scriptHash}, but scenario ${scenario.name} now generates ${expected ?? 'a script without SCRIPT_HASH'}: the verdict would judge another load than ran (collect with the scenarios the script came from)`,
    );
  }
  // Segments in the order of their sequence.
  const order = first.segmentSequence.split(',').slice(0, -1);
  const sorted = segments
    .map((s, i) => ({ s, f: files[i]! }))
    .sort((a, b) => order.indexOf(a.s.segment.split(':')[0]!) - order.indexOf(b.s.segment.split(':')[0]!));
  const runId = opts.runId ?? `${scenario.name}-collected-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const dir = join(opts.outDir, runId);
  if (existsSync(dir)) return refuse(`${dir} exists already (choose another --run-id)`);
  // Written beside, renamed when whole: an interrupted collect leaves no half run folder.
  const partial = join(opts.outDir, `.${runId}.partial`);
  rmSync(partial, { recursive: true, force: true });
  try {
    const summaries = sorted.map(({ s }, i) => {
      const segDir = join(partial, 'segments', String(i + 1));
      mkdirSync(segDir, { recursive: true });
      writeFileSync(join(segDir, 'summary.json'), JSON.stringify(s, null, 1));
      return join('segments', String(i + 1), 'summary.json');
    });
    log(
      `collecting ${segments.length} segments of ${scenario.name} (${sorted.map(({ s, f }) => `${s.segment} from ${f}`).join('; ')})`,
    );
    if (opts.target === undefined)
      log('no --target: the server-side figures (/status, /stats) are not read; norms measured there are n/a');
    const result = await writeMergedRun({
      scenario,
      runId,
      dir: partial,
      summaries,
      segments: sorted.map(({ s }) => s),
      ...(opts.target !== undefined ? { base: opts.target } : {}),
      target: opts.target ?? 'collected',
      startedMs,
      ...(first.k6Version ? { k6Version: first.k6Version } : {}),
      log,
    });
    renameSync(partial, dir);
    return { ...result, dir };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    return refuse((err as Error).message);
  }
}
