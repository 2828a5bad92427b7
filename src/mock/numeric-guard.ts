import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';

type SchemaPart = 'querystring' | 'params' | 'body';
interface NumberSchema {
  type?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  properties?: Record<string, unknown>;
  items?: unknown;
}

/** The sub-schema at a validation path such as '/ids/0' (undefined when the route has none there). */
function schemaAt(request: FastifyRequest, part: SchemaPart, path: readonly string[]): NumberSchema | undefined {
  let s = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[part] as NumberSchema | undefined;
  for (const key of path) {
    if (!s) return undefined;
    s = (s.properties?.[key] ?? (/^\d+$/.test(key) ? s.items : undefined)) as NumberSchema | undefined;
  }
  return s;
}

/** "integer in 1..1000000" for a numeric schema, undefined for anything else. */
export function rangeOf(request: FastifyRequest, part: string, path: readonly string[]): string | undefined {
  if (part !== 'querystring' && part !== 'params' && part !== 'body') return undefined;
  const s = schemaAt(request, part, path);
  if (!s || (s.type !== 'integer' && s.type !== 'number')) return undefined;
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  const bounds =
    min !== undefined && max !== undefined
      ? `${min}..${max}`
      : min !== undefined
        ? `≥ ${min}`
        : max !== undefined
          ? `≤ ${max}`
          : 'finite';
  return `${s.type} in ${bounds}`;
}

function refuse(request: FastifyRequest, part: SchemaPart, path: readonly string[], given: unknown): ProblemError {
  const field = [part, ...path].join('.');
  const rule = rangeOf(request, part, path) ?? 'a finite number';
  return new ProblemError(
    'INVALID_REQUEST',
    `${field} ${JSON.stringify(String(given))} is not a finite number (rule: ${rule})`,
    { field, rule },
  );
}

/** Depth first, the first non-finite number and its path; `path` is a stack shared down the walk (no allocation per key). */
function findNonFinite(value: unknown, path: string[], depth: number): { path: string[]; value: unknown } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path: [...path], value };
  if (depth > 8 || typeof value !== 'object' || value === null) return undefined;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    path.push(k);
    const hit = findNonFinite((value as Record<string, unknown>)[k], path, depth + 1);
    path.pop();
    if (hit) return hit;
  }
  return undefined;
}

const PARTS = ['querystring', 'params'] as const;
const overflows = (one: unknown): boolean =>
  typeof one === 'string' && Math.abs(Number(one)) === Number.POSITIVE_INFINITY;

/**
 * Refuses numbers that overflow to ±Infinity before the schema sees them: Ajv 8 coerces the query
 * string 'Infinity' or '1e400' (and JSON's 1e400) to Infinity and then passes it through
 * `maximum` (seen: page=Infinity reached SQLite, "datatype mismatch", a 500). Query and path
 * strings are checked as they came; bodies only on routes with a body schema (small JSON; the
 * intake's letters are validated by the Berichten schema, where numbers are not numbers).
 */
export function installNumericGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    for (const part of PARTS) {
      const values = (part === 'querystring' ? request.query : request.params) as Record<string, unknown> | undefined;
      if (!values || typeof values !== 'object') continue;
      for (const k in values) {
        if (!Object.hasOwn(values, k)) continue;
        const v = values[k];
        if (Array.isArray(v)) {
          for (const one of v) if (overflows(one)) return done(refuse(request, part, [k], one));
        } else if (overflows(v)) return done(refuse(request, part, [k], v));
      }
    }
    if ((request.routeOptions.schema as { body?: unknown } | undefined)?.body !== undefined) {
      const hit = findNonFinite(request.body, [], 0);
      if (hit) return done(refuse(request, 'body', hit.path, hit.value));
    }
    done();
  });
}
