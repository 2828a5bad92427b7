import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { runScenario, verdictTable } from '../run/index.ts';
import { loadScenarios } from './load-scenarios.ts';

interface Options { target?: string; out: string; scenarios: string }

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
    .option('--out <dir>', 'results folder', 'results')
    .option('--scenarios <dir>', 'scenario folder', 'scenarios')
    .addHelpText('after', `
Exit codes: 0 every checked norm holds, 1 a norm is breached, 2 the run could not be done.
Examples:
  $ bbsim run smoke
  $ bbsim run smoke --target http://127.0.0.1:8080`)
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
      const result = await runScenario({ scenario, ...(opts.target !== undefined ? { target: opts.target } : {}), outDir: opts.out, k6Path: k6Path(), log: (l) => console.log(l) });
      if (result.exitCode === 2) {
        console.error(`bbsim run: could not run ${name}: ${result.error ?? 'unknown error'} (results in ${result.dir})`);
        process.exit(2);
      }
      console.log(`\nVerdict for ${name} (${result.dir}):\n${verdictTable(result.rows)}\n`);
      console.log(result.exitCode === 0 ? 'every checked norm holds' : `norm breached: ${result.rows.filter((r) => r.status === 'fail').map((r) => r.normId).join(', ')}`);
      process.exit(result.exitCode);
    });
}
