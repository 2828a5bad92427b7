import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  capacityTable,
  findCapacity,
  MAX_SEGMENTS,
  runScenario,
  runSegmented,
  verdictTable,
  worstExit,
  RUN_EXIT,
  RUN_EXIT_HELP,
  type RunExitCode,
  type RunOptions,
  type RunResult,
} from '../run/index.ts';
import { failedRequestLines, type VerdictRow } from '../results/index.ts';
import { checkTarget } from '../run/target-check.ts';
import {
  parseDuration,
  scenarioWarnings,
  scheduleLines,
  withFittedSchedule,
  ScenarioError,
  DEFAULT_MAX_WALL_RATE,
  peakWallRate,
  type Scenario,
  type SimDuration,
} from '../scenario/index.ts';
import { checkTargetUrl } from '../net/index.ts';
import { CliError } from '../errors/cli-errors.ts';
import { ConfigError, loadMockConfig, type MockConfigInput } from '../mock/config.ts';
import { escapeXmlText } from '../xml/index.ts';
import { intIn, positive } from './arg-parsers.ts';
import { ENGINE_LIMITS } from '../engine/engine-options.ts';
import { loadScenarios, SHIPPED_SCENARIOS } from './load-scenarios.ts';
import { verdictOutcomeLines } from './verdict-outcome.ts';
import { unknownName } from '../errors/suggest.ts';

interface Options {
  segments?: number;
  repeat: string;
  engine: string;
  connections?: number;
  pipelining?: number;
  target?: string;
  out: string;
  scenarios?: string;
  findCapacity?: boolean;
  maxSteps: string;
  refine: string;
  quiet?: boolean;
  mockConfig?: string;
  acceptTargetClock?: boolean;
  cert?: string;
  key?: string;
  ca?: string;
  maxWallRate?: number;
  wallBudget?: string;
}

/**
 * --max-wall-rate's default: the generator's ceiling against the mock as `npm run bench:overhead`
 * last measured it on this machine (results/generator-ceiling.json), else DEFAULT_MAX_WALL_RATE.
 */
export function measuredMaxWallRate(root = ROOT): { rate: number; source: string } {
  const file = join(root, 'results', 'generator-ceiling.json');
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { k6?: { mock?: unknown } };
    const rate = Number(m.k6?.mock);
    if (rate > 0 && Number.isFinite(rate)) return { rate, source: `measured by npm run bench:overhead (${file})` };
  } catch {
    // No measurement on this machine yet: the documented default.
  }
  return { rate: DEFAULT_MAX_WALL_RATE, source: 'the default (npm run bench:overhead measures this machine)' };
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENGINES = ['k6', 'native'] as const;

/** k6 from the set-up (.tools/bin/k6), else $K6, else k6 on the PATH. */
function k6Path(): string {
  const local = join(ROOT, '.tools', 'bin', 'k6');
  if (existsSync(local)) return local;
  return process.env['K6'] ?? 'k6';
}

/** The folders a scenario name is looked up in: --scenarios, else ./scenarios and then bbsim's shipped ones. */
export function scenarioDirs(given: string | undefined): string[] {
  if (given !== undefined) return [given];
  return [...new Set([resolve('scenarios'), SHIPPED_SCENARIOS])];
}

/** --mock-config: read, validated once (every problem named by its path), for the mock each run starts. */
function readMockConfig(file: string): MockConfigInput {
  let input: MockConfigInput;
  try {
    input = JSON.parse(readFileSync(file, 'utf8')) as MockConfigInput;
  } catch (err) {
    throw new CliError('BAD_CONFIG', `--mock-config ${file}: ${(err as Error).message}`);
  }
  try {
    loadMockConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError('BAD_CONFIG', `--mock-config ${file}: ${err.message}`);
    throw err;
  }
  return input;
}

export function runCommand(program: Command): void {
  program
    .command('run')
    .description('Run a scenario with k6 against the mock (started for you) or --target, and judge every norm')
    .argument('<scenario>', 'a scenario name (scenarios/<name>.ts, or a shipped one) or a path to a .ts file')
    .option(
      '--target <url>',
      'run against this base URL (http or https, this machine only: 127.0.0.0/8, ::1, localhost) instead of starting the mock',
    )
    .option(
      '--cert <file.crt>',
      "with an https --target: the afnemer's client certificate (PEM; mutual TLS, e.g. bbsim mock --tls)",
    )
    .option('--key <file.key>', 'with --cert: its key (PEM)')
    .option('--ca <file.crt>', "with an https --target: the CA of the target's certificate (PEM)")
    .option(
      '--accept-target-clock',
      "with --target: run even when the target's sim clock speed differs from the scenario's (a warning instead of a refusal)",
    )
    .option(
      '--mock-config <file>',
      'the mock started for the run uses this config (bbsim mock --config format; the scenario sets the clock, each run a fresh db)',
    )
    .option('--out <dir>', 'results folder', 'results')
    .option('--scenarios <dir>', 'scenario folder (default: ./scenarios, then the scenarios shipped with bbsim)')
    .option(
      '--engine <name>',
      'k6 (the generated script, k6 from the set-up) or native (in-process, corrected for coordinated omission)',
      'k6',
    )
    .option(
      '--connections <n>',
      'native engine: keep-alive connections (default: one per iteration in flight)',
      intIn('--connections', 1, ENGINE_LIMITS.connections),
    )
    .option(
      '--pipelining <n>',
      'native engine: HTTP/1.1 requests in flight per connection (default 1)',
      intIn('--pipelining', 1, ENGINE_LIMITS.pipelining),
    )
    .option(
      '--segments <n>',
      'run the script as n k6 processes (k6 execution segments) at once and merge their results into one run',
      intIn('--segments', 1, MAX_SEGMENTS),
    )
    .option(
      '--repeat <n>',
      'run it n times into one folder (runs.json, what bbsim compare needs to tell a change from jitter): each against a fresh mock; with --target all against the same service, so its cumulative figures are judged on the first repeat only',
      '1',
    )
    .option(
      '--max-wall-rate <per-second>',
      'derive a speed schedule from the load so that the generator is asked for at most this many iterations per wall second (default: the ceiling bench:overhead measured, else 2000)',
      positive('--max-wall-rate'),
    )
    .option(
      '--wall-budget <duration>',
      'with a derived schedule: the whole run within this wall time (10m, 90s; default 10m)',
    )
    .option(
      '--quiet',
      "no k6 or engine progress lines (k6's warnings and errors, the totals and the verdict stay): for CI logs",
    )
    .option(
      '--find-capacity',
      'step the load up (× 1.5) until a norm fails, bisect, and report per norm the highest load that holds',
    )
    .option('--max-steps <n>', 'with --find-capacity: most probes on the way up', '6')
    .option(
      '--refine <n>',
      'with --find-capacity: bisection probes between the last holding and first failing load',
      '2',
    )
    .addHelpText(
      'after',
      `
${RUN_EXIT_HELP}
With --find-capacity: 0 when the search ran (the answer is the table), 2 when a probe could not run.
Each run writes results/<run-id>/: summary.json, verdict.json, junit.xml, report.html; a --repeat
folder also gets verdicts.md and junit.xml over all repeats (one suite per repeat).
A --target is read first (GET /status): another clock speed than the scenario's is refused
(--accept-target-clock runs anyway), another sim start or no /status is a warning.
Examples:
  $ bbsim run smoke
  $ bbsim run scenarios/smoke.ts                 # a path: scenarios in any folder, any repo
  $ bbsim run digid-peak                 # designed to breach the 10,000/min norm
  $ bbsim run smoke --target http://127.0.0.1:8080
  $ bbsim run smoke --mock-config slow-inbox.json
  $ bbsim run smoke --target https://localhost:8443 --cert pki/clients/<OIN>.crt --key pki/clients/<OIN>.key --ca pki/ca.crt
  $ bbsim run presentation-p999 --engine native
  $ bbsim run presentation-p999 --repeat 3 --quiet && bbsim baseline save results/<folder>
  $ bbsim run tax-filing-evening --find-capacity --max-steps 4
  $ bbsim run smoke --segments 2         # two k6 processes (execution segments), one merged run
  $ bbsim run peak-day --wall-budget 8m --max-wall-rate 1500   # a speed schedule fitted to the day's own load`,
    )
    .action(async (name: string, opts: Options) => {
      const [loaded] = await loadScenarios(scenarioDirs(opts.scenarios), [name]);
      if (!loaded) throw new CliError('UNKNOWN_SCENARIO', `no scenario ${name}`);
      let scenario = loaded;
      if (opts.maxWallRate !== undefined || opts.wallBudget !== undefined) {
        const budget = opts.wallBudget ?? '10m';
        if (parseDuration(budget) === undefined)
          throw new CliError(
            'BAD_OPTION',
            `--wall-budget: a wall duration with its unit such as 10m, 90s or 1h30m, got ${JSON.stringify(budget)}`,
          );
        const ceiling =
          opts.maxWallRate !== undefined
            ? { rate: opts.maxWallRate, source: '--max-wall-rate' }
            : measuredMaxWallRate();
        if (loaded.clock.start === undefined)
          throw new CliError(
            'BAD_OPTION',
            `--max-wall-rate/--wall-budget: ${loaded.name} has no clock.start, which a speed schedule needs (its segments are sim spans from the start)`,
          );
        try {
          scenario = withFittedSchedule(loaded, { maxWallRate: ceiling.rate, wallBudget: budget as SimDuration });
        } catch (err) {
          if (err instanceof ScenarioError)
            throw new CliError(
              'BAD_OPTION',
              `--max-wall-rate ${ceiling.rate}/--wall-budget ${budget}: ${err.issues.join('; ')}`,
            );
          throw err;
        }
        console.log(
          `speed schedule fitted to ${scenario.name}'s load: at most ${ceiling.rate} iterations per wall second (${ceiling.source}), within ${budget} of wall time:`,
        );
      } else if (scenario.clock.schedule.length > 1) {
        console.log(`speed schedule of ${scenario.name}:`);
      }
      if (scenario.clock.schedule.length > 1 || scenario !== loaded)
        for (const l of scheduleLines(scenario)) console.log(`  ${l}`);
      // Before the load, not after it: a generator asked more than it sustains drops iterations,
      // and a verdict with more than 1 % dropped judges no pass (src/run/dropped-load.ts).
      const asked = peakWallRate(scenario);
      const ceiling = opts.maxWallRate === undefined ? measuredMaxWallRate() : undefined;
      if (ceiling !== undefined && asked > ceiling.rate)
        console.log(
          `warning: ${scenario.name} asks up to ${Math.round(asked)} iterations per wall second, over the ${ceiling.rate}/s the load generator sustains here (${ceiling.source}): expect dropped iterations, which leave passes unjudged; --max-wall-rate ${ceiling.rate} (with a --wall-budget long enough) fits the speeds to it`,
        );
      let target: string | undefined;
      if (opts.target !== undefined) {
        const checked = checkTargetUrl(opts.target, { field: '--target' });
        if (!checked.ok) throw new CliError('BAD_TARGET', checked.message);
        target = checked.base;
      }
      if (!(ENGINES as readonly string[]).includes(opts.engine))
        throw new CliError('BAD_OPTION', `--engine: ${unknownName('engine', opts.engine, ENGINES)}`);
      const native = {
        ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
        ...(opts.pipelining !== undefined ? { pipelining: opts.pipelining } : {}),
      };
      if (opts.engine !== 'native' && Object.keys(native).length > 0) {
        throw new CliError(
          'BAD_OPTION',
          '--connections and --pipelining are options of --engine native (k6 opens a connection per VU)',
        );
      }
      if (opts.mockConfig !== undefined && target !== undefined)
        throw new CliError(
          'BAD_OPTION',
          '--mock-config configures the mock bbsim starts; with --target there is none (configure your service instead)',
        );
      if (opts.acceptTargetClock && target === undefined)
        throw new CliError('BAD_OPTION', '--accept-target-clock is an option of --target');
      const repeat = Number(opts.repeat);
      if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 20))
        throw new CliError(
          'BAD_OPTION',
          `--repeat must be an integer from 1 to 20, got ${JSON.stringify(opts.repeat)}`,
        );
      const steps = Number(opts.maxSteps);
      const refine = Number(opts.refine);
      if (!(Number.isInteger(steps) && steps >= 1) || !(Number.isInteger(refine) && refine >= 0))
        throw new CliError('BAD_OPTION', '--max-steps must be an integer >= 1 and --refine an integer >= 0');
      if (opts.findCapacity && target !== undefined)
        throw new CliError(
          'BAD_OPTION',
          '--find-capacity needs a fresh mock per probe; it cannot run against --target',
        );
      const segmented = opts.segments !== undefined && opts.segments > 1;
      if (segmented && opts.findCapacity)
        throw new CliError('BAD_OPTION', '--segments does not combine with --find-capacity');
      if (segmented && repeat > 1) throw new CliError('BAD_OPTION', '--segments does not combine with --repeat');
      const mockConfig = opts.mockConfig !== undefined ? readMockConfig(opts.mockConfig) : undefined;
      if ((opts.cert === undefined) !== (opts.key === undefined))
        throw new CliError('BAD_OPTION', '--cert and --key go together');
      if ((opts.cert !== undefined || opts.ca !== undefined) && !target?.startsWith('https:')) {
        throw new CliError(
          'BAD_OPTION',
          '--cert/--key/--ca are for an https --target (the mock bbsim run starts itself is plain HTTP)',
        );
      }
      const tls =
        opts.cert !== undefined || opts.ca !== undefined
          ? {
              ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
              ...(opts.key !== undefined ? { key: opts.key } : {}),
              ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
            }
          : undefined;

      for (const w of scenarioWarnings(scenario)) console.error(`warning: ${scenario.name}: ${w}`);
      if (target !== undefined) {
        const check = await checkTarget(target, scenario, opts.ca !== undefined ? { ca: opts.ca } : {});
        if (check.outcome === 'unreachable') throw new CliError('COULD_NOT_RUN', check.messages.join('; '));
        if (check.outcome === 'refuse' && !opts.acceptTargetClock)
          throw new CliError('TARGET_MISMATCH', check.messages.join('; '));
        for (const m of check.messages) console.error(`warning: ${m}`);
        if (repeat > 1)
          console.error(
            `note: --repeat ${repeat} with --target loads the same service ${repeat} times: latency is judged per repeat, the target's cumulative figures (busiest windows, delays, availability) on repeat 1 only`,
          );
      }

      const runOpts = {
        engine: opts.engine as 'k6' | 'native',
        native,
        ...(target !== undefined ? { target } : {}),
        outDir: opts.out,
        k6Path: k6Path(),
        log: (l: string) => console.log(l),
        ...(opts.quiet ? { quiet: true } : {}),
        ...(mockConfig ? { mockConfig } : {}),
        ...(tls ? { tls } : {}),
      };
      if (opts.findCapacity) {
        const cap = await findCapacity({ ...runOpts, scenario, maxSteps: steps, refine, run: runScenario });
        console.log(
          `\nCapacity of ${scenario.name} on this configuration (${cap.probes.length} probes, ${cap.dir}):\n${capacityTable(cap)}`,
        );
        if (cap.exitCode === RUN_EXIT.COULD_NOT_RUN)
          console.error(`bbsim run: ${cap.error ?? 'a probe could not run'}`);
        process.exit(cap.exitCode);
      }
      if (segmented) {
        // Segments: see src/run/segments.ts (merged into one run folder; not with --repeat or --find-capacity).
        const result = await runSegmented({ scenario, ...runOpts, segments: opts.segments! });
        if (result.exitCode === RUN_EXIT.COULD_NOT_RUN && !existsSync(result.dir))
          throw new CliError('BAD_OPTION', `${result.error ?? 'could not run'} (nothing written)`);
        printVerdict(scenario, result);
        process.exit(result.exitCode);
      }
      if (repeat > 1) process.exit(await runRepeated(scenario, runOpts, repeat));
      const result = await runScenario({ scenario, ...runOpts });
      printVerdict(scenario, result);
      process.exit(result.exitCode);
    });
}

/** The verdict of one run as the terminal shows it. */
function printVerdict(scenario: Scenario, result: RunResult): void {
  const name = scenario.name;
  if (result.exitCode === RUN_EXIT.COULD_NOT_RUN) {
    console.error(
      `bbsim run: could not run ${name}: ${result.error ?? 'unknown error'} (results in ${result.dir}) [BBSIM_COULD_NOT_RUN]`,
    );
    return;
  }
  // Failed requests first, above the table: a verdict over a dead service must not look green.
  const failedLines = failedRequestLines(result.errorBudget ?? [], result.errors);
  console.log(
    `\nVerdict for ${name} (${result.dir}):${failedLines.length ? `\n${failedLines.join('\n')}\n` : ''}\n${verdictTable(result.rows)}\n`,
  );
  for (const line of verdictOutcomeLines(result.rows, result.errorBudget, result.exitCode)) console.log(line);
  const failed = result.rows.filter((r) => r.status === 'fail').map((r) => r.normId);
  if (scenario.expectBreaches.length > 0) {
    const asDesigned =
      scenario.expectBreaches.length === failed.length && scenario.expectBreaches.every((id) => failed.includes(id));
    console.log(
      asDesigned
        ? `as designed: ${name} is meant to breach ${scenario.expectBreaches.join(', ')}`
        : `note: ${name} is designed to breach ${scenario.expectBreaches.join(', ')}`,
    );
  }
  console.log(`report: ${join(result.dir, 'report.html')}`);
}

const SHOWN: Record<VerdictRow['status'], string> = { pass: 'PASS', fail: 'FAIL', 'not-measured': 'n/a' };

/** verdicts.md of a --repeat folder: one row per norm, one column per repeat (what a CI summary shows). */
export function repeatTable(
  rowsByRun: readonly { readonly runId: string; readonly rows: readonly VerdictRow[] }[],
): string {
  const norms = [...new Set(rowsByRun.flatMap((r) => r.rows.map((x) => x.normId)))];
  const cell = (runRows: readonly VerdictRow[], id: string): string => {
    const r = runRows.find((x) => x.normId === id);
    if (!r) return '—';
    return r.measured === undefined
      ? SHOWN[r.status]
      : `${SHOWN[r.status]} ${Math.abs(r.measured) >= 100 ? r.measured.toFixed(0) : r.measured.toFixed(2)}`;
  };
  return [
    `| norm | ${rowsByRun.map((r) => r.runId).join(' | ')} |`,
    `| --- | ${rowsByRun.map(() => '---').join(' | ')} |`,
    ...norms.map((id) => `| ${id} | ${rowsByRun.map((r) => cell(r.rows, id)).join(' | ')} |`),
  ].join('\n');
}

/** --repeat: n runs into one folder with runs.json (what compare reads), verdicts.md and a junit.xml over all repeats. */
async function runRepeated(scenario: Scenario, runOpts: Omit<RunOptions, 'scenario'>, repeat: number): Promise<number> {
  const setDir = join(runOpts.outDir, `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(setDir, { recursive: true });
  const runs: string[] = [];
  const done: { runId: string; rows: readonly VerdictRow[] }[] = [];
  let exit: RunExitCode = RUN_EXIT.HOLDS;
  for (let i = 1; i <= repeat; i++) {
    console.log(`\n== run ${i} of ${repeat}`);
    // Each repeat's "to first request" from its own start (not summed over the repeats before it).
    const result = await runScenario({
      scenario,
      ...runOpts,
      outDir: setDir,
      runId: `rep-${i}`,
      ...(i > 1 ? { startedAt: Date.now() } : {}),
      ...(runOpts.target !== undefined ? { targetRepeat: i } : {}),
    });
    printVerdict(scenario, result);
    if (result.exitCode !== RUN_EXIT.COULD_NOT_RUN) {
      runs.push(`rep-${i}`);
      done.push({ runId: `rep-${i}`, rows: result.rows });
    }
    exit = worstExit(exit, result.exitCode);
    writeFileSync(
      join(setDir, 'runs.json'),
      JSON.stringify(
        { scenario: scenario.name, runs, ...(runOpts.target !== undefined ? { target: runOpts.target } : {}) },
        null,
        2,
      ),
    );
  }
  if (done.length > 0) {
    const table = repeatTable(done);
    writeFileSync(join(setDir, 'verdicts.md'), `# ${scenario.name}: ${done.length} of ${repeat} runs\n\n${table}\n`);
    writeFileSync(join(setDir, 'junit.xml'), combinedJunit(setDir, runs));
    console.log(`\nAll repeats of ${scenario.name}:\n${table}`);
  }
  console.log(`\n${runs.length} of ${repeat} runs in ${setDir} (runs.json)`);
  return exit;
}

/** The repeats' junit.xml files as one document: one <testsuite> per repeat (named bbsim.<scenario>.rep-N). */
function combinedJunit(setDir: string, runs: readonly string[]): string {
  const suites = runs.map((r) => {
    const file = join(setDir, r, 'junit.xml');
    if (!existsSync(file)) return `<!-- ${escapeXmlText(r)}: no junit.xml -->`;
    const m = /<testsuites>([\s\S]*)<\/testsuites>/.exec(readFileSync(file, 'utf8'));
    return (m?.[1] ?? '').trim();
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}
