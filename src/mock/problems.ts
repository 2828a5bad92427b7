import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEMS, ProblemError, problemBody, type ProblemDefinition, type ProblemDetails } from '../errors/catalogue.ts';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, def: ProblemDefinition, detail: string, details: ProblemDetails = {}): FastifyReply {
  if (details.retryAfter !== undefined) reply.header('retry-after', String(details.retryAfter));
  return reply.code(def.status).type(PROBLEM_JSON).send(problemBody(def, detail, details, reply.request.url));
}

/** Fastify's own client errors, mapped onto the catalogue so they read like ours. */
function fromFastify(err: FastifyError): { def: ProblemDefinition; detail: string; details: ProblemDetails } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { def: PROBLEMS.BODY_TOO_LARGE, detail: err.message, details: { rule: 'body size limit' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { def: PROBLEMS.UNSUPPORTED_MEDIA_TYPE, detail: `${err.message}; /openapi.json lists the content types each route accepts (the intake takes application/xml, text/xml or application/json)`, details: { field: 'Content-Type' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { def: PROBLEMS.MALFORMED_BODY, detail: err.message, details: { rule: 'JSON' } };
    default:
      break;
  }
  if (err.validation) {
    const first = err.validation[0];
    const field = first ? `${err.validationContext ?? 'request'}${first.instancePath.replaceAll('/', '.')}` : (err.validationContext ?? 'request');
    // A fixed set names its allowed values (ajv's own message does not).
    const allowed = first?.keyword === 'enum' ? (first.params as { allowedValues?: unknown[] }).allowedValues : undefined;
    if (Array.isArray(allowed)) {
      const list = allowed.map((v) => String(v)).join(', ');
      return { def: PROBLEMS.INVALID_REQUEST, detail: `${err.message}: ${list}`, details: { field, rule: `one of ${list}`, extra: { allowedValues: allowed } } };
    }
    return { def: PROBLEMS.INVALID_REQUEST, detail: err.message, details: { field, rule: first?.message ?? 'schema' } };
  }
  // A JSON syntax error surfaces as a SyntaxError with statusCode 400.
  if (err.statusCode === 400 && err instanceof SyntaxError) {
    return { def: PROBLEMS.MALFORMED_BODY, detail: `body is not valid JSON: ${err.message}`, details: { rule: 'JSON' } };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { def: { code: err.code ?? 'BBSIM_CLIENT_ERROR', status: err.statusCode, title: 'Bad request' }, detail: err.message, details: {} };
  }
  return undefined;
}

/** One error handler for the whole mock: problem+json, never a stack trace. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ProblemError) return sendProblem(reply, err.definition, err.message, err.details);
    const mapped = fromFastify(err);
    if (mapped) return sendProblem(reply, mapped.def, mapped.detail, mapped.details);
    request.log.error({ err }, 'unexpected error');
    return sendProblem(reply, PROBLEMS.INTERNAL, 'unexpected error; the mock logged it', { serviceCode: 'TechnischProbleem' });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, PROBLEMS.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0] ?? ''}; see /openapi.json`),
  );
}
