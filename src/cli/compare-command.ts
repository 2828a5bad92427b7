import { mkdirSync, writeFileSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  BudgetError,
  compareHtml,
  compareJunit,
  compareMarkdown,
  compareRuns,
  compareText,
  loadRuns,
  parseBudgets,
  RunsError,
} from '../compare/index.ts';

interface Options {
  budget: string[];
  out?: string;
}

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description(
      'Compare a run (or --repeat folder) with a baseline: per norm and per flow, with bootstrap intervals and budgets',
    )
    .argument('<baseline>', 'a baseline (results/baselines/<name>), a run folder or a --repeat folder')
    .argument('<current>', 'a run folder or a --repeat folder')
    .option(
      '--budget <figure=budget>',
      'how much worse a figure may get, e.g. p99=10%,5ms or error-rate=1pp or throughput=5% (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--out <dir>',
      'where compare.json, junit.xml, compare.md and compare.html go (default results/compare-<time>)',
    )
    .addHelpText(
      'after',
      `
A change is a regression only when its whole 95 % bootstrap interval is past its budget, both the
relative and the absolute part (defaults: p50 10 % & 2 ms, p95/p99 10 % & 5 ms, p99.9 20 % & 10 ms,
error rate 50 % & 1 percentage point, throughput 5 % & 1 req/s lower). A norm that held in every
baseline run and fails now is a regression too.
Exit codes: 0 no regression, 1 a regression, 2 could not compare.
Examples:
  $ bbsim compare results/baselines/presentation results/presentation-p999-2026-11-23T10-00-00-000Z
  $ bbsim compare results/baselines/smoke results/smoke-<time> --budget p99=5%,2ms --out results/pr-42`,
    )
    .action((baselinePath: string, currentPath: string, opts: Options) => {
      try {
        const budgets = parseBudgets(opts.budget);
        const baseline = loadRuns(baselinePath);
        const current = loadRuns(currentPath);
        const result = compareRuns(baseline, current, budgets, { baseline: baselinePath, current: currentPath });
        const out = opts.out ?? join('results', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'compare.json'), JSON.stringify(result, null, 2));
        writeFileSync(join(out, 'junit.xml'), compareJunit(result));
        writeFileSync(join(out, 'compare.md'), compareMarkdown(result));
        writeFileSync(join(out, 'compare.html'), compareHtml(result, baseline, current));
        console.log(compareText(result));
        console.log(`\nwritten: ${join(out, 'compare.json')}, junit.xml, compare.md, compare.html`);
        process.exit(result.regressions > 0 ? EXIT.CHECK_FAILED : EXIT.OK);
      } catch (err) {
        if (
          err instanceof BudgetError ||
          err instanceof RunsError ||
          (err as NodeJS.ErrnoException).code === 'ENOENT'
        ) {
          console.error(`bbsim compare: ${(err as Error).message}`);
          process.exit(EXIT.USAGE);
        }
        throw err;
      }
    });
}
