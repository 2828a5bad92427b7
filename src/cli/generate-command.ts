import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import { join } from 'node:path';
import { loadScenarios } from './load-scenarios.ts';
import { scenarioDirs } from './run-command.ts';
import { scenarioWarnings } from '../scenario/index.ts';
import type { Command } from 'commander';
import { generateDefaultK6Script } from '../run/mock-defaults.ts';
import type { Scenario } from '../scenario/index.ts';

interface Options {
  check?: boolean;
  scenarios?: string;
  out: string;
}

export function generateCommand(program: Command): void {
  program
    .command('generate')
    .description('Compile scenarios (scenarios/*.ts) into self-contained k6 scripts (k6/<name>.js)')
    .argument('[names...]', 'scenario names or paths to .ts files (default: all in the folder)')
    .option('--check', 'do not write; exit 1 when a committed script is missing or stale')
    .option(
      '--scenarios <dir>',
      'scenario folder, anywhere (default: ./scenarios, then the scenarios shipped with bbsim)',
    )
    .option('--out <dir>', 'output folder', 'k6')
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim generate                # all scenarios → k6/*.js
  $ bbsim generate smoke          # k6/smoke.js
  $ bbsim generate --check        # CI: fail when a generated script is stale`,
    )
    .action(async (names: string[], opts: Options) => {
      const scenarios: Scenario[] = await loadScenarios(scenarioDirs(opts.scenarios), names);
      for (const s of scenarios) for (const w of scenarioWarnings(s)) console.error(`warning: ${s.name}: ${w}`);
      mkdirSync(opts.out, { recursive: true });
      let stale = 0;
      for (const s of scenarios) {
        const text = generateDefaultK6Script(s);
        const file = join(opts.out, `${s.name}.js`);
        const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
        if (opts.check) {
          if (current !== text) {
            stale++;
            console.error(`stale: ${file} (run: bbsim generate ${s.name})`);
          } else console.log(`fresh: ${file}`);
        } else if (current !== text) {
          writeFileSync(file, text);
          console.log(`wrote ${file}`);
        } else console.log(`unchanged: ${file}`);
      }
      if (stale > 0) process.exit(EXIT.CHECK_FAILED);
    });
}
