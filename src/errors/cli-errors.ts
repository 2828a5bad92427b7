import { EXIT, type ExitCode } from './exit-codes.ts';

/**
 * The catalogue of command-line errors, beside the HTTP problems of catalogue.ts: each has a stable
 * code (printed with the message, so a script or a search finds it) and the exit code it ends with.
 */
export interface CliErrorDefinition {
  readonly code: string;
  readonly exit: ExitCode;
  readonly title: string;
}

function def(code: string, exit: ExitCode, title: string): CliErrorDefinition {
  return Object.freeze({ code, exit, title });
}

export const CLI_ERRORS = Object.freeze({
  BAD_OPTION: def('BBSIM_BAD_OPTION', EXIT.USAGE, 'An option has a value outside its rule'),
  BAD_TARGET: def('BBSIM_BAD_TARGET', EXIT.USAGE, 'The target is not an http(s) URL on this machine'),
  TARGET_MISMATCH: def('BBSIM_TARGET_MISMATCH', EXIT.USAGE, "The target's clock does not match the scenario"),
  UNKNOWN_SCENARIO: def('BBSIM_UNKNOWN_SCENARIO', EXIT.USAGE, 'No such scenario'),
  BAD_SCENARIO: def('BBSIM_BAD_SCENARIO', EXIT.USAGE, 'The scenario module does not load or is not valid'),
  UNKNOWN_NAME: def('BBSIM_UNKNOWN_NAME', EXIT.USAGE, 'Not one of the known names'),
  BAD_CONFIG: def('BBSIM_BAD_CONFIG', EXIT.USAGE, 'The configuration file is not valid'),
  BAD_INPUT: def('BBSIM_BAD_INPUT', EXIT.USAGE, 'An input file or folder cannot be used'),
  CANNOT_LISTEN: def('BBSIM_CANNOT_LISTEN', EXIT.COULD_NOT_RUN, 'The mock cannot listen on that address'),
  COULD_NOT_RUN: def('BBSIM_COULD_NOT_RUN', EXIT.COULD_NOT_RUN, 'The run could not be done'),
  NO_BROWSER: def('BBSIM_NO_BROWSER', EXIT.COULD_NOT_RUN, 'No chromium for a screenshot'),
});

export type CliErrorName = keyof typeof CLI_ERRORS;

/** A command-line error: its catalogue entry and a message naming the field and the rule. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(
    readonly kind: CliErrorName,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
    this.code = CLI_ERRORS[kind].code;
    this.exitCode = CLI_ERRORS[kind].exit;
  }
}
