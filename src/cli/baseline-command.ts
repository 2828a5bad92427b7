import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadRuns, RunsError } from '../compare/index.ts';
import { CliError } from '../errors/cli-errors.ts';

/** What a baseline keeps of each run: enough to compare and to look at, not the mock's database. */
const KEPT = ['summary.json', 'verdict.json', 'junit.xml', 'report.html'];

export function baselineCommand(program: Command): void {
  const baseline = program
    .command('baseline')
    .description('Keep runs as a named baseline for bbsim compare (meant to be committed)')
    // `bbsim baseline` alone is a usage error: print the help (with its subcommands) and exit 2.
    .action(() => {
      baseline.outputHelp({ error: true });
      process.exit(EXIT.USAGE);
    });
  baseline
    .command('save')
    .description('Store a run or a --repeat folder as results/baselines/<name>')
    .argument('<run>', 'a run folder or a --repeat folder')
    .option('--name <name>', 'baseline name (default: the scenario name)')
    .option('--dir <dir>', 'baselines folder', join('results', 'baselines'))
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim run presentation-p999 --repeat 3
  $ bbsim baseline save results/presentation-p999-<time> --name presentation
  $ bbsim compare results/baselines/presentation results/presentation-p999-<later>`,
    )
    .action((runPath: string, opts: { name?: string; dir: string }) => {
      let runs;
      try {
        runs = loadRuns(runPath);
      } catch (err) {
        throw new CliError('BAD_INPUT', (err as Error).message);
      }
      const name = opts.name ?? runs[0]!.summary.scenario;
      if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
        throw new CliError(
          'BAD_OPTION',
          `--name must be letters, digits, dot, dash or underscore, got ${JSON.stringify(name)}`,
        );
      }
      const target = join(opts.dir, name);
      if (resolve(target) === resolve(runPath)) throw new RunsError('the run is the baseline already');
      rmSync(target, { recursive: true, force: true });
      const names: string[] = [];
      runs.forEach((r, i) => {
        const sub = runs.length === 1 ? `rep-1` : basename(r.dir) || `rep-${i + 1}`;
        mkdirSync(join(target, sub), { recursive: true });
        for (const f of KEPT) if (existsSync(join(r.dir, f))) copyFileSync(join(r.dir, f), join(target, sub, f));
        names.push(sub);
      });
      writeFileSync(
        join(target, 'runs.json'),
        JSON.stringify(
          { scenario: runs[0]!.summary.scenario, runs: names, savedFrom: runPath, savedAt: new Date().toISOString() },
          null,
          2,
        ),
      );
      console.log(
        `baseline ${name}: ${runs.length} run${runs.length === 1 ? '' : 's'} of ${runs[0]!.summary.scenario} in ${target}`,
      );
    });
}
