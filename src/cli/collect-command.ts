import type { Command } from 'commander';
import { collectSegments, verdictTable } from '../run/index.ts';
import { loadScenarios } from './load-scenarios.ts';
import { verdictOutcomeLines } from './verdict-outcome.ts';
import { checkTargetUrl } from '../net/index.ts';
import { CliError } from '../errors/cli-errors.ts';

interface Options {
  scenarios: string;
  out: string;
  runId?: string;
  target?: string;
}

export function collectCommand(program: Command): void {
  program
    .command('collect')
    .description(
      'Merge the outputs of k6 segments run elsewhere (k6-operator runners, other hosts) into one run folder and judge every norm',
    )
    .argument(
      '<segments...>',
      "each segment's summary JSON (*k6-summary.json with k6's CSV samples beside it, or a bbsim segments/<n>/summary.json), or folders of them",
    )
    .option(
      '--target <url>',
      "read the server's figures (/status, /stats) from this base URL once, after the run (loopback: e.g. kubectl port-forward svc/bbsim-mock 8080:8080)",
    )
    .option('--scenarios <dir>', 'scenario folder (the segments name their scenario)', 'scenarios')
    .option('--out <dir>', 'results folder', 'results')
    .option('--run-id <id>', "the run folder's name (default <scenario>-collected-<time>)")
    .addHelpText(
      'after',
      `
Exit codes: 0 every checked norm holds, 1 a norm is breached, 2 the segments could not be merged
(a file missing, segments of different scenarios or scripts, a segment missing or twice): then
nothing is written; 3 a norm could not be judged (without --target the server-side norms are not),
4 more requests failed than the error budget allows.
Examples:
  $ bbsim collect k8s-results/                      # every *k6-summary.json in the folder, CSV samples beside each
  $ bbsim collect k8s-results/ --target http://127.0.0.1:8080
  $ bbsim collect a.k6-summary.json b.k6-summary.json --run-id smoke-cluster`,
    )
    .action(async (inputs: string[], opts: Options) => {
      let target: string | undefined;
      if (opts.target !== undefined) {
        const checked = checkTargetUrl(opts.target, { field: '--target' });
        if (!checked.ok)
          throw new CliError(
            'BAD_TARGET',
            `${checked.message} (port-forward the mock, e.g. kubectl port-forward svc/bbsim-mock 8080:8080)`,
          );
        target = checked.base;
      }
      const result = await collectSegments({
        inputs,
        outDir: opts.out,
        log: (l) => console.log(l),
        ...(opts.runId !== undefined ? { runId: opts.runId } : {}),
        ...(target !== undefined ? { target } : {}),
        loadScenario: async (name) => (await loadScenarios(opts.scenarios, [name]))[0]!,
      });
      if (result.exitCode === 2) {
        console.error(`bbsim collect: ${result.error ?? 'could not merge the segments'} (nothing written)`);
        process.exit(2);
      }
      console.log(`\nVerdict (${result.dir}):\n${verdictTable(result.rows)}\n`);
      for (const line of verdictOutcomeLines(result.rows, result.errorBudget, result.exitCode)) console.log(line);
      process.exit(result.exitCode);
    });
}
