import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';
import { TextDecodingError, decodeJson } from '../xml/index.ts';
import { decodingProblem } from './body-text.ts';

/** The first key, depth first, that could rewrite a prototype once the parsed body is merged into an object. */
function pollutingKey(value: unknown, path: string[]): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return [...path, key];
    if (key === 'constructor' && typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype'))
      return [...path, key, 'prototype'];
    const deeper = pollutingKey(v, [...path, key]);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * The JSON body parser (in place of Fastify's, which answers every refusal as "not valid JSON"): a
 * syntax error says where it is, and a body with a `__proto__` key (or `constructor.prototype`) is
 * refused as such, naming the key: JSON.parse makes it a harmless own property, but any later merge
 * into an object (Object.assign, a spread into a class) would rewrite that object's prototype.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = decodeJson(body, request.headers['content-type']);
    } catch (err) {
      done(err instanceof TextDecodingError ? decodingProblem(err) : (err as Error), undefined);
      return;
    }
    if (text.length === 0) {
      done(new ProblemError('MALFORMED_BODY', 'the body is empty; send a JSON document', { rule: 'JSON' }), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      done(
        new ProblemError('MALFORMED_BODY', `body is not valid JSON: ${(err as Error).message}`, { rule: 'JSON' }),
        undefined,
      );
      return;
    }
    const key = text.includes('__proto__') || text.includes('constructor') ? pollutingKey(parsed, []) : undefined;
    if (key) {
      done(
        new ProblemError(
          'UNSAFE_JSON',
          `the JSON body has the key ${JSON.stringify(key.join('.'))}: refused, because a "__proto__" (or "constructor.prototype") key can rewrite the prototype of the objects it is merged into (prototype pollution); rename or remove the key`,
          { field: `body.${key.join('.')}`, rule: 'no __proto__ or constructor.prototype keys' },
        ),
        undefined,
      );
      return;
    }
    done(null, parsed);
  });
}
