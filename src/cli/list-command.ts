import type { Command } from 'commander';
import { NORMS } from '../norms/index.ts';
import { FLOWS } from '../scenario/index.ts';
import { SIMULATED_SERVICES } from '../mock/service-routes.ts';
import { CliError } from '../errors/cli-errors.ts';
import { unknownName } from '../errors/suggest.ts';
import { loadScenarios, scenarioNames, SHIPPED_SCENARIOS } from './load-scenarios.ts';
import { scenarioDirs } from './run-command.ts';

const KINDS = ['flows', 'norms', 'services', 'scenarios', 'engines'] as const;
type Kind = (typeof KINDS)[number];

interface Options {
  json?: boolean;
  scenarios?: string;
}

/** What each kind lists, as rows of [name, what]. */
async function rows(kind: Kind, opts: Options): Promise<[string, string][]> {
  switch (kind) {
    case 'flows':
      return Object.entries(FLOWS).map(([name, f]) => [name, `${f.title} (${f.services.join(', ')})`]);
    case 'norms':
      return NORMS.map((n) => [
        n.id,
        `${n.service}: ${n.title} (${n.bound === 'max' ? '≤' : '≥'} ${n.limit} ${n.unit}${n.window ? ` per ${n.window}` : ''})`,
      ]);
    case 'services':
      return SIMULATED_SERVICES.map((s) => [
        s,
        `faults.services.${s} in a mock config; norms: ${NORMS.filter((n) => n.service === s).length}`,
      ]);
    case 'engines':
      return [
        ['k6', "the generated script with the set-up's k6 (default)"],
        ['native', 'in-process open-model engine, corrected for coordinated omission'],
      ];
    case 'scenarios': {
      const out: [string, string][] = [];
      for (const dir of scenarioDirs(opts.scenarios)) {
        const names = scenarioNames(dir).filter((n) => !out.some(([m]) => m === n));
        if (names.length === 0) continue;
        const loaded = await loadScenarios(dir, names);
        for (const s of loaded) out.push([s.name, `${s.description}${dir === SHIPPED_SCENARIOS ? '' : ` (${dir})`}`]);
      }
      return out;
    }
  }
}

/** `bbsim list`: what exists, so nobody has to read the source for a flow name or a norm id. */
export function listCommand(program: Command): void {
  program
    .command('list')
    .description('List flows, norm ids, service names (for fault injection) and scenarios')
    .argument('[what]', `one of ${KINDS.join(', ')} (default: all)`)
    .option('--json', 'one JSON object: { flows: [{name, what}], … }')
    .option('--scenarios <dir>', 'scenario folder (default: ./scenarios, then the scenarios shipped with bbsim)')
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim list
  $ bbsim list norms
  $ bbsim list scenarios --scenarios ../my-service/perf`,
    )
    .action(async (what: string | undefined, opts: Options) => {
      if (what !== undefined && !(KINDS as readonly string[]).includes(what))
        throw new CliError('UNKNOWN_NAME', unknownName('list', what, KINDS));
      const kinds = what === undefined ? KINDS : [what as Kind];
      const result: Record<string, { name: string; what: string }[]> = {};
      for (const k of kinds) result[k] = (await rows(k, opts)).map(([name, w]) => ({ name, what: w }));
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      for (const k of kinds) {
        const list = result[k] ?? [];
        const width = Math.max(...list.map((r) => r.name.length));
        console.log(`${k}:`);
        for (const r of list) console.log(`  ${r.name.padEnd(width)}  ${r.what}`);
        console.log('');
      }
    });
}
