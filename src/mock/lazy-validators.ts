import { createRequire } from 'node:module';

/** A route part's validator as Fastify calls it (Ajv's shape: a boolean, and `errors` after a false). */
interface Validator {
  (data: unknown, ctx?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}
type Compile = (route: Record<string, unknown>) => Validator;
type BuildValidator = (externalSchemas: unknown, options: unknown) => Compile;

/**
 * Fastify's own validator builder (@fastify/ajv-compiler, the same Ajv options), but each route
 * part's schema is compiled on its first request instead of at start-up: the mock has about 90
 * routes, most never asked for in a run, and compiling them all was about a tenth of `bbsim mock`'s
 * start. What a validator decides is Ajv's, unchanged.
 */
export function lazyValidators(): BuildValidator {
  const require = createRequire(import.meta.url);
  const fastify = createRequire(require.resolve('fastify'));
  const build = (fastify('@fastify/ajv-compiler') as () => BuildValidator)();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let fn: Validator | undefined;
      const v: Validator = (data, ctx) => {
        fn ??= compile(route);
        const ok = fn(data, ctx);
        v.errors = fn.errors;
        return ok;
      };
      // Fastify passes the parent (so Ajv may coerce a root value) when the validator has Ajv's
      // schemaEnv; every Ajv validator has one, so this one says so before its first compile.
      v.schemaEnv = true;
      return v;
    };
  };
}
