import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { CliError } from '../errors/cli-errors.ts';
import type { Scenario } from '../scenario/index.ts';
import { unknownName } from '../errors/suggest.ts';

/** The scenarios shipped with bbsim (found wherever bbsim is installed: a checkout or node_modules/bbsim). */
export const SHIPPED_SCENARIOS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');

/** Scenario names in a folder (its *.ts files). */
export function scenarioNames(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

/** A name that is a path to a file ('scenarios/smoke.ts', './my.ts', '/abs/x.ts'), not a bare name. */
function isPath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || (name.endsWith('.ts') && existsSync(name));
}

/**
 * The file of each requested scenario: a path as given, else <name>.ts in the folders in order
 * (the --scenarios folder, then bbsim's shipped ones when the folder was not given).
 */
function scenarioFiles(dirs: readonly string[], names: readonly string[]): string[] {
  if (names.length === 0) {
    const dir = dirs[0] ?? SHIPPED_SCENARIOS;
    if (!existsSync(dir)) throw new CliError('BAD_INPUT', `--scenarios: no folder ${dir}`);
    return scenarioNames(dir).map((n) => join(dir, `${n}.ts`));
  }
  return names.map((name) => {
    if (isPath(name)) {
      const file = resolve(name);
      if (!existsSync(file)) throw new CliError('UNKNOWN_SCENARIO', `no scenario file ${name}`);
      return file;
    }
    const n = name.replace(/\.ts$/, '');
    for (const dir of dirs) if (existsSync(join(dir, `${n}.ts`))) return join(dir, `${n}.ts`);
    const known = [...new Set(dirs.flatMap(scenarioNames))];
    throw new CliError(
      'UNKNOWN_SCENARIO',
      `${unknownName('scenario', n, known)} (in ${dirs.join(', ')}; or give a path to a .ts file)`,
    );
  });
}

/**
 * Loads scenario modules (default export: a defineScenario result) from any folder. tsx's
 * tsImport loads each in its own namespace, so a scenario in a folder without a package.json of
 * "type": "module" (another repo, /tmp) loads too: a plain import() compiles such a file as
 * CommonJS and fails with "Cannot require() ES Module … in a cycle".
 */
export async function loadScenarios(dir: string | readonly string[], names: readonly string[]): Promise<Scenario[]> {
  const dirs = typeof dir === 'string' ? [dir] : dir;
  const out: Scenario[] = [];
  for (const file of scenarioFiles(dirs, names)) {
    let mod: { default?: unknown };
    try {
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
    } catch (err) {
      const e = err as Error;
      throw new CliError('BAD_SCENARIO', `${file}: ${e.name === 'ScenarioError' ? '' : 'cannot load: '}${e.message}`);
    }
    // A module compiled as CommonJS arrives as { default: { default: scenario } }.
    let scenario = mod.default as { name?: unknown; default?: unknown } | undefined;
    if (scenario && typeof scenario === 'object' && !('name' in scenario) && scenario.default)
      scenario = scenario.default as { name?: unknown };
    if (
      !scenario ||
      typeof scenario !== 'object' ||
      typeof scenario.name !== 'string' ||
      !Array.isArray((scenario as Partial<Scenario>).services)
    ) {
      throw new CliError(
        'BAD_SCENARIO',
        `${basename(file)} has no scenario as its default export (export default defineScenario({...}))`,
      );
    }
    out.push(scenario as Scenario);
  }
  return out;
}
