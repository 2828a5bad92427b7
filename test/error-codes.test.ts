import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError, ERROR_CODES } from '../src/errors/error-codes.ts';
import { CLI_ERRORS } from '../src/errors/cli-errors.ts';
import { PROBLEMS } from '../src/errors/catalogue.ts';
import { ScenarioError } from '../src/scenario/index.ts';
import { ClientConnectError, ClientTimeoutError } from '../src/engine/client.ts';
import { transportReason } from '../src/rehearse/deliver-batch.ts';

const SRC = join(import.meta.dirname, '..', 'src');
const sources = (readdirSync(SRC, { recursive: true, encoding: 'utf8' }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(SRC, f), 'utf8') }));

describe('thrown errors carry a code from one catalogue', () => {
  it('no ad-hoc Error subclass: only the three catalogue bases extend Error', () => {
    const direct = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/class (\w+) extends Error\b/g)].map((m) => `${file}: ${m[1]}`),
    );
    expect(direct.sort()).toEqual([
      'errors/catalogue.ts: ProblemError',
      'errors/cli-errors.ts: CliError',
      'errors/error-codes.ts: CodedError',
    ]);
  });

  it('every coded error takes its code from ERROR_CODES, and every code is used once', () => {
    const used = sources.flatMap(({ text }) =>
      [...text.matchAll(/extends CodedError \{\n\s+readonly code = ERROR_CODES\.(\w+);/g)].map((m) => m[1]!),
    );
    const classes = sources.flatMap(({ text }) => [...text.matchAll(/extends CodedError\b/g)]).length;
    expect(used.length).toBe(classes);
    expect([...used].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('codes are unique across the three catalogues', () => {
    const all = [
      ...Object.values(ERROR_CODES),
      ...Object.values(CLI_ERRORS).map((d) => d.code),
      ...Object.values(PROBLEMS).map((d) => d.code),
    ];
    expect(new Set(all).size).toBe(all.length);
    for (const code of Object.values(ERROR_CODES)) expect(code).toMatch(/^BBSIM_[A-Z_]+$/);
  });

  it('keeps the messages and names, and adds the code', () => {
    const e = new ScenarioError('smoke', ['load: must be a rate']);
    expect(e).toBeInstanceOf(CodedError);
    expect(e.code).toBe('BBSIM_SCENARIO_INVALID');
    expect(e.name).toBe('ScenarioError');
    expect(e.message).toBe("scenario 'smoke' is not valid:\n  load: must be a rate");
    // The rehearsal's transport reasons read as before: the timeout by name, a refused connect by the system's code.
    expect(transportReason(new ClientTimeoutError(5, '/x'))).toBe('TimeoutError');
    const refused = new ClientConnectError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    expect([refused.code, refused.connectCode, transportReason(refused)]).toEqual([
      'BBSIM_CLIENT_CONNECT_FAILED',
      'ECONNREFUSED',
      'ECONNREFUSED',
    ]);
  });
});
