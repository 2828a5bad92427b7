/**
 * The catalogue of bbsim's own thrown errors, beside the HTTP problems (catalogue.ts) and the
 * command-line errors (cli-errors.ts): each error class has one stable code, so a log line, a
 * caller or a search finds it by code, not by its message. The messages stay where they are thrown.
 */
export const ERROR_CODES = Object.freeze({
  // Input and configuration: every problem named, never a stack trace.
  MOCK_CONFIG_INVALID: 'BBSIM_MOCK_CONFIG_INVALID',
  TLS_FILE_UNREADABLE: 'BBSIM_TLS_FILE_UNREADABLE',
  SCENARIO_INVALID: 'BBSIM_SCENARIO_INVALID',
  POPULATION_FILE_INVALID: 'BBSIM_POPULATION_FILE_INVALID',
  ENGINE_OPTIONS_INVALID: 'BBSIM_ENGINE_OPTIONS_INVALID',
  BUDGET_INVALID: 'BBSIM_BUDGET_INVALID',
  RUNS_UNUSABLE: 'BBSIM_RUNS_UNUSABLE',
  SEGMENT_INPUT_INVALID: 'BBSIM_SEGMENT_INPUT_INVALID',
  FORECAST_INPUT_INVALID: 'BBSIM_FORECAST_INPUT_INVALID',
  JSON_SYNTAX: 'BBSIM_JSON_SYNTAX',
  EMIT_REFUSED: 'BBSIM_EMIT_REFUSED',
  // Bodies the mock or the rehearsal reads.
  TEXT_DECODING: 'BBSIM_TEXT_DECODING',
  XML_UNSAFE: 'BBSIM_XML_UNSAFE',
  BERICHTEN_PARSE: 'BBSIM_BERICHTEN_PARSE',
  LETTER_SHAPE: 'BBSIM_LETTER_SHAPE',
  SOAP_FAULT: 'BBSIM_SOAP_FAULT',
  MACHTIGEN_INVALID: 'BBSIM_MACHTIGEN_INVALID',
  DIGID_SP_REFUSED: 'BBSIM_DIGID_SP_REFUSED',
  // The load engine's client.
  CLIENT_TIMEOUT: 'BBSIM_CLIENT_TIMEOUT',
  CLIENT_CONNECT_FAILED: 'BBSIM_CLIENT_CONNECT_FAILED',
  ENGINE_STOPPED: 'BBSIM_ENGINE_STOPPED',
});

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** An error of ours: its class says what went wrong, `code` (from ERROR_CODES) names it stably. */
export abstract class CodedError extends Error {
  abstract readonly code: ErrorCode;
}
