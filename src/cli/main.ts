import { Command, CommanderError } from 'commander';
import { mockCommand } from './mock-command.ts';
import { exampleBatchCommand } from './example-batch-command.ts';
import { generateCommand } from './generate-command.ts';
import { runCommand } from './run-command.ts';
import { rehearseCommand } from './rehearse-command.ts';
import { forecastCommand } from './forecast-command.ts';
import { baselineCommand } from './baseline-command.ts';
import { compareCommand } from './compare-command.ts';
import { reportCommand } from './report-command.ts';
import { pkiCommand } from './pki-command.ts';

const program = new Command();
program
  .name('bbsim')
  .description('Load and capacity simulator for MijnOverheid Berichtenbox and DigiD: a norm-aware mock, scenarios, verdicts.')
  .version('0.1.0')
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
pkiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2);
  }
  throw err;
}
