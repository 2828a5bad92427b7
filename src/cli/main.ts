import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { mockCommand } from './mock-command.ts';

const program = new Command();
program
  .name('bbsim')
  .description('Load and capacity simulator for MijnOverheid Berichtenbox and DigiD: a norm-aware mock, scenarios, verdicts.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage and examples)');

mockCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError || err instanceof InvalidArgumentError) process.exit(2);
  throw err;
}
