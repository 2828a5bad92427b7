import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { BBSIM_VERSION } from '../version.ts';

/** Registers one subcommand (its options, help and action) on the program. */
type Register = (program: Command) => void;

/**
 * Every subcommand, in the order `bbsim --help` lists them, each loaded only when needed: the
 * command modules import the mock, the runner, the forecast and so on (about 0.5 s of module
 * loading even compiled), and `bbsim run` needs only one of them.
 */
export const COMMANDS: readonly { readonly name: string; readonly load: () => Promise<Register> }[] = [
  { name: 'mock', load: async () => (await import('./mock-command.ts')).mockCommand },
  { name: 'example-batch', load: async () => (await import('./example-batch-command.ts')).exampleBatchCommand },
  { name: 'generate', load: async () => (await import('./generate-command.ts')).generateCommand },
  { name: 'run', load: async () => (await import('./run-command.ts')).runCommand },
  { name: 'rehearse', load: async () => (await import('./rehearse-command.ts')).rehearseCommand },
  { name: 'forecast', load: async () => (await import('./forecast-command.ts')).forecastCommand },
  { name: 'baseline', load: async () => (await import('./baseline-command.ts')).baselineCommand },
  { name: 'compare', load: async () => (await import('./compare-command.ts')).compareCommand },
  { name: 'report', load: async () => (await import('./report-command.ts')).reportCommand },
  { name: 'collect', load: async () => (await import('./collect-command.ts')).collectCommand },
  { name: 'k8s', load: async () => (await import('./k8s-command.ts')).k8sCommand },
  { name: 'list', load: async () => (await import('./list-command.ts')).listCommand },
  { name: 'pki', load: async () => (await import('./pki-command.ts')).pkiCommand },
];

/** What the top-level help shows of a subcommand, recorded by the build so the help needs no command module. */
export interface CommandIndexEntry {
  readonly name: string;
  readonly term: string;
  readonly description: string;
}

/** Written by `npm run build` next to the compiled module; absent beside the TypeScript sources. */
const INDEX_FILE = new URL('./command-index.json', import.meta.url);

/** The program without its subcommands. */
export function newProgram(): Command {
  return (
    new Command()
      .name('bbsim')
      .description(
        'Load and capacity simulator for MijnOverheid Berichtenbox and DigiD: a norm-aware mock, scenarios, verdicts.',
      )
      .version(BBSIM_VERSION)
      .showHelpAfterError('(run with --help for usage and examples)')
      // Usage errors exit with 2 (a distinct code from a failed run); inherited by the subcommands.
      .exitOverride()
  );
}

export async function registerAll(program: Command): Promise<void> {
  for (const c of COMMANDS) (await c.load())(program);
}

/** The subcommand `args` (process.argv without node and the script) names: `bbsim run …`, `bbsim help run`. */
export function requestedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** The top-level help's line of each subcommand of a program with every command registered. */
export function commandIndex(program: Command): CommandIndexEntry[] {
  const help = program.createHelp();
  return program.commands.map((c) => ({
    name: c.name(),
    term: help.subcommandTerm(c),
    description: help.subcommandDescription(c),
  }));
}

/**
 * Registers what `args` needs: the one subcommand it names, or, for `--help`, `--version`, no or an
 * unknown command, stand-ins carrying each command's help line from the build's index (every
 * module when there is no index, as when running the sources).
 */
export async function registerFor(
  program: Command,
  args: readonly string[],
  index: readonly CommandIndexEntry[] | undefined = readIndex(),
): Promise<void> {
  const wanted = COMMANDS.find((c) => c.name === requestedCommand(args));
  if (wanted) {
    (await wanted.load())(program);
    return;
  }
  if (!index || index.length !== COMMANDS.length) {
    await registerAll(program);
    return;
  }
  const byName = new Map(index.map((e) => [e.name, e]));
  for (const e of index) program.command(e.name).description(e.description);
  const defaultTerm = program.createHelp().subcommandTerm.bind(program.createHelp());
  program.configureHelp({ subcommandTerm: (c) => byName.get(c.name())?.term ?? defaultTerm(c) });
}

function readIndex(): CommandIndexEntry[] | undefined {
  if (!existsSync(INDEX_FILE)) return undefined;
  return JSON.parse(readFileSync(INDEX_FILE, 'utf8')) as CommandIndexEntry[];
}

/**
 * Called by scripts/build.js on the compiled module (dist/cli/commands.js, which knip cannot follow).
 * @public
 */
export async function writeCommandIndex(): Promise<void> {
  const program = newProgram();
  await registerAll(program);
  writeFileSync(INDEX_FILE, `${JSON.stringify(commandIndex(program), null, 2)}\n`);
}
