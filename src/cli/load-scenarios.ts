import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../scenario/index.ts';

/** Loads scenarios/<name>.ts modules (default export: a defineScenario result). */
export async function loadScenarios(dir: string, names: readonly string[]): Promise<Scenario[]> {
  const files = names.length > 0 ? names.map((n) => join(dir, `${n.replace(/\.ts$/, '')}.ts`)) : readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f));
  const out: Scenario[] = [];
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`no scenario ${basename(file)} in ${dir}`);
    const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: Scenario };
    if (!mod.default) throw new Error(`${file} has no default export (export default defineScenario({...}))`);
    out.push(mod.default);
  }
  return out;
}

