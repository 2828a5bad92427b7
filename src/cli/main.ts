import { Command, CommanderError } from 'commander';
import { CliError } from '../errors/cli-errors.ts';
import { EXIT } from '../errors/exit-codes.ts';
import { BBSIM_VERSION } from '../version.ts';
import { mockCommand } from './mock-command.ts';
import { exampleBatchCommand } from './example-batch-command.ts';
import { generateCommand } from './generate-command.ts';
import { runCommand } from './run-command.ts';
import { rehearseCommand } from './rehearse-command.ts';
import { forecastCommand } from './forecast-command.ts';
import { baselineCommand } from './baseline-command.ts';
import { compareCommand } from './compare-command.ts';
import { reportCommand } from './report-command.ts';
import { collectCommand } from './collect-command.ts';
import { k8sCommand } from './k8s-command.ts';
import { listCommand } from './list-command.ts';

// `bbsim list | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.OK);
  throw err;
});
import { pkiCommand } from './pki-command.ts';

const program = new Command();
program
  .name('bbsim')
  .description('Load and capacity simulator for MijnOverheid Berichtenbox and DigiD: a norm-aware mock, scenarios, verdicts.')
  .version(BBSIM_VERSION)
  .showHelpAfterError('(run with --help for usage and examples)')
  // Usage errors exit with 2 (a distinct code from a failed run); inherited by the subcommands.
  .exitOverride();

mockCommand(program);
exampleBatchCommand(program);
generateCommand(program);
runCommand(program);
rehearseCommand(program);
forecastCommand(program);
baselineCommand(program);
compareCommand(program);
reportCommand(program);
collectCommand(program);
k8sCommand(program);
listCommand(program);

// The command being run, to name it in an error ("bbsim run: …").
let commandName = '';
program.hook('preAction', (_program, action) => {
  commandName = [action.parent?.name() === 'bbsim' ? '' : action.parent?.name(), action.name()].filter(Boolean).join(' ');
});
pkiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end with commander's exit code 0; help shown because a (sub)command is missing is a usage error.
    process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  }
  if (err instanceof CliError) {
    // A usage or run error: the message names the field and the rule; the code is stable. No stack.
    console.error(`bbsim${commandName ? ` ${commandName}` : ''}: ${err.message} [${err.code}]`);
    process.exit(err.exitCode);
  }
  throw err;
}
