import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { capacityTable, findCapacity, runScenario, verdictTable, type RunOptions, type RunResult } from '../run/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { intIn } from './arg-parsers.ts';
import { ENGINE_LIMITS } from '../engine/engine-options.ts';
import { loadScenarios } from './load-scenarios.ts';

interface Options { repeat: string; engine: string; connections?: number; pipelining?: number; target?: string; out: string; scenarios: string; findCapacity?: boolean; maxSteps: string; refine: string; cert?: string; key?: string; ca?: string }

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** k6 from the set-up (.tools/bin/k6), else $K6, else k6 on the PATH. */
function k6Path(): string {
  const local = join(ROOT, '.tools', 'bin', 'k6');
  if (existsSync(local)) return local;
  return process.env['K6'] ?? 'k6';
}

export function runCommand(program: Command): void {
  program.command('run')
    .description('Run a scenario with k6 against the mock (started for you) or --target, and judge every norm')
    .argument('<scenario>', 'scenario name (scenarios/<name>.ts)')
    .option('--target <url>', 'run against this base URL instead of starting the mock (loopback only for load)')
    .option('--cert <file.crt>', "with an https --target: the afnemer's client certificate (PEM; mutual TLS, e.g. bbsim mock --tls)")
    .option('--key <file.key>', 'with --cert: its key (PEM)')
    .option('--ca <file.crt>', "with an https --target: the CA of the target's certificate (PEM)")
    .option('--out <dir>', 'results folder', 'results')
    .option('--scenarios <dir>', 'scenario folder', 'scenarios')
    .option('--engine <name>', 'k6 (the generated script, k6 from the set-up) or native (in-process, corrected for coordinated omission)', 'k6')
    .option('--connections <n>', 'native engine: keep-alive connections (default: one per iteration in flight)', intIn('--connections', 1, ENGINE_LIMITS.connections))
    .option('--pipelining <n>', 'native engine: HTTP/1.1 requests in flight per connection (default 1)', intIn('--pipelining', 1, ENGINE_LIMITS.pipelining))
    .option('--repeat <n>', 'run it n times, each against a fresh mock, into one folder (runs.json): what bbsim compare needs to tell a change from jitter', '1')
    .option('--find-capacity', 'step the load up (× 1.5) until a norm fails, bisect, and report per norm the highest load that holds')
    .option('--max-steps <n>', 'with --find-capacity: most probes on the way up', '6')
    .option('--refine <n>', 'with --find-capacity: bisection probes between the last holding and first failing load', '2')
    .addHelpText('after', `
Exit codes: 0 every checked norm holds, 1 a norm is breached, 2 the run could not be done.
With --find-capacity: 0 when the search ran (the answer is the table), 2 when a probe could not run.
Each run writes results/<run-id>/: summary.json, verdict.json, junit.xml, report.html.
Examples:
  $ bbsim run smoke
  $ bbsim run digid-peak                 # designed to breach the 10,000/min norm
  $ bbsim run smoke --target http://127.0.0.1:8080
  $ bbsim run smoke --target https://localhost:8443 --cert pki/clients/<OIN>.crt --key pki/clients/<OIN>.key --ca pki/ca.crt
  $ bbsim run presentation-p999 --engine native
  $ bbsim run presentation-p999 --repeat 3 && bbsim baseline save results/<folder>
  $ bbsim run tax-filing-evening --find-capacity --max-steps 4`)
    .action(async (name: string, opts: Options) => {
      let scenario;
      try {
        [scenario] = await loadScenarios(opts.scenarios, [name]);
      } catch (err) {
        console.error(`bbsim run: ${(err as Error).message}`);
        process.exit(2);
      }
      if (!scenario) process.exit(2);
      if (opts.target !== undefined) {
        const host = new URL(opts.target).hostname;
        if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
          console.error(`bbsim run: --target must be a loopback address on this machine, got ${host}`);
          process.exit(2);
        }
      }
      if (opts.engine !== 'k6' && opts.engine !== 'native') {
        console.error(`bbsim run: --engine must be k6 or native, got ${JSON.stringify(opts.engine)}`);
        process.exit(2);
      }
      const native = { ...(opts.connections !== undefined ? { connections: opts.connections } : {}), ...(opts.pipelining !== undefined ? { pipelining: opts.pipelining } : {}) };
      if (opts.engine !== 'native' && Object.keys(native).length > 0) {
        console.error('bbsim run: --connections and --pipelining are options of --engine native (k6 opens a connection per VU)');
        process.exit(2);
      }
      if ((opts.cert === undefined) !== (opts.key === undefined)) {
        console.error('bbsim run: --cert and --key go together');
        process.exit(2);
      }
      if ((opts.cert !== undefined || opts.ca !== undefined) && !opts.target?.startsWith('https:')) {
        console.error('bbsim run: --cert/--key/--ca are for an https --target (the mock bbsim run starts itself is plain HTTP)');
        process.exit(2);
      }
      const tls = opts.cert !== undefined || opts.ca !== undefined
        ? { ...(opts.cert !== undefined ? { cert: opts.cert } : {}), ...(opts.key !== undefined ? { key: opts.key } : {}), ...(opts.ca !== undefined ? { ca: opts.ca } : {}) } : undefined;
      const runOpts = { engine: opts.engine as 'k6' | 'native', native, ...(tls ? { tls } : {}), ...(opts.target !== undefined ? { target: opts.target } : {}), outDir: opts.out, k6Path: k6Path(), log: (l: string) => console.log(l) };
      if (opts.findCapacity) {
        const steps = Number(opts.maxSteps);
        const refine = Number(opts.refine);
        if (!(Number.isInteger(steps) && steps >= 1) || !(Number.isInteger(refine) && refine >= 0)) {
          console.error('bbsim run: --max-steps must be an integer >= 1 and --refine an integer >= 0');
          process.exit(2);
        }
        const cap = await findCapacity({ ...runOpts, scenario, maxSteps: steps, refine, run: runScenario });
        console.log(`\nCapacity of ${name} on this configuration (${cap.probes.length} probes, ${cap.dir}):\n${capacityTable(cap)}`);
        if (cap.exitCode === 2) console.error(`bbsim run: ${cap.error ?? 'a probe could not run'}`);
        process.exit(cap.exitCode);
      }
      const repeat = Number(opts.repeat);
      if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 20)) {
        console.error(`bbsim run: --repeat must be an integer from 1 to 20, got ${JSON.stringify(opts.repeat)}`);
        process.exit(2);
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
  if (result.exitCode === 2) {
    console.error(`bbsim run: could not run ${name}: ${result.error ?? 'unknown error'} (results in ${result.dir})`);
    return;
  }
  console.log(`\nVerdict for ${name} (${result.dir}):\n${verdictTable(result.rows)}\n`);
  for (const [service, r] of Object.entries(result.requests ?? {})) {
    // Refusals are how the mock keeps a norm (429/503 over capacity); a reader must still see how many.
    if (r.failed > 0) console.log(`note: ${r.failed} of ${r.requests} ${service} requests failed (${((100 * r.failed) / r.requests).toFixed(1)} %, status >= 400 or no answer; see report.html)`);
  }
  const failed = result.rows.filter((r) => r.status === 'fail').map((r) => r.normId);
  console.log(result.exitCode === 0 ? 'every checked norm holds' : `norm breached: ${failed.join(', ')}`);
  if (scenario.expectBreaches.length > 0) {
    const asDesigned = scenario.expectBreaches.length === failed.length && scenario.expectBreaches.every((id) => failed.includes(id));
    console.log(asDesigned ? `as designed: ${name} is meant to breach ${scenario.expectBreaches.join(', ')}` : `note: ${name} is designed to breach ${scenario.expectBreaches.join(', ')}`);
  }
  console.log(`report: ${join(result.dir, 'report.html')}`);
}

/** --repeat: n runs, each against a fresh mock, in one folder with runs.json (what compare reads). */
async function runRepeated(scenario: Scenario, runOpts: Omit<RunOptions, 'scenario'>, repeat: number): Promise<number> {
  const setDir = join(runOpts.outDir, `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(setDir, { recursive: true });
  const runs: string[] = [];
  let exit = 0;
  for (let i = 1; i <= repeat; i++) {
    console.log(`\n== run ${i} of ${repeat}`);
    const result = await runScenario({ scenario, ...runOpts, outDir: setDir, runId: `rep-${i}` });
    printVerdict(scenario, result);
    if (result.exitCode !== 2) runs.push(`rep-${i}`);
    exit = Math.max(exit, result.exitCode);
    writeFileSync(join(setDir, 'runs.json'), JSON.stringify({ scenario: scenario.name, runs }, null, 2));
  }
  console.log(`\n${runs.length} of ${repeat} runs in ${setDir} (runs.json)`);
  return exit;
}
