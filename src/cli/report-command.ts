import { writeFileSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RunsError } from '../compare/index.ts';
import { loadRuns } from '../compare/index.ts';
import { renderRunReport } from '../report/run-report.ts';

/** Debian's chromium by default (scripts/setup installs it); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description(
      "Render report.html again from a run's summary.json and verdict.json (also a --repeat folder or a baseline); optionally a screenshot",
    )
    .argument('<run>', 'a run folder, a --repeat folder or a baseline')
    .option('--screenshot', 'also save report.png (full page, 1366 px wide) with chromium')
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim report results/smoke-2026-11-23T10-00-00-000Z
  $ bbsim report results/baselines/smoke --screenshot`,
    )
    .action(async (runPath: string, opts: { screenshot?: boolean }) => {
      let runs;
      try {
        runs = loadRuns(runPath);
      } catch (err) {
        console.error(`bbsim report: ${(err as RunsError).message}`);
        process.exit(EXIT.USAGE);
      }
      for (const r of runs) {
        const file = join(r.dir, 'report.html');
        writeFileSync(file, renderRunReport(r.summary, r.rows));
        console.log(`wrote ${file}`);
      }
      if (!opts.screenshot) return;
      const { chromium } = await import('playwright-core');
      const browser = await chromium
        .launch({
          executablePath: CHROMIUM,
          headless: true,
          args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        })
        .catch((err: Error) => {
          console.error(
            `bbsim report: no chromium at ${CHROMIUM} (${err.message.split('\n')[0]}); run scripts/setup or set CHROMIUM_PATH`,
          );
          process.exit(EXIT.USAGE);
        });
      try {
        for (const r of runs) {
          const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
          await page.goto(`file://${join(r.dir, 'report.html')}`);
          await page.screenshot({ path: join(r.dir, 'report.png'), fullPage: true });
          await page.close();
          console.log(`wrote ${join(r.dir, 'report.png')}`);
        }
      } finally {
        await browser.close();
      }
    });
}
