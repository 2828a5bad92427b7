import { CommanderError } from 'commander';
import { CliError } from '../errors/cli-errors.ts';
import { EXIT } from '../errors/exit-codes.ts';
import { newProgram, registerFor } from './commands.ts';

// `bbsim list | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.OK);
  throw err;
});

const program = newProgram();

// The command being run, to name it in an error ("bbsim run: …").
let commandName = '';
program.hook('preAction', (_program, action) => {
  commandName = [action.parent?.name() === 'bbsim' ? '' : action.parent?.name(), action.name()]
    .filter(Boolean)
    .join(' ');
});
// Only the command asked for is loaded (commands.ts).
await registerFor(program, process.argv.slice(2));

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
