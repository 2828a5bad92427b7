import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  PROBLEMS,
  ProblemError,
  problemBody,
  type ProblemDefinition,
  type ProblemDetails,
} from '../errors/catalogue.ts';
import { storageFaultOf } from '../store/storage-fault.ts';
import { rangeOf } from './numeric-guard.ts';
import { installMethodTable } from './method-not-allowed.ts';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

export function sendProblem(
  reply: FastifyReply,
  def: ProblemDefinition,
  detail: string,
  details: ProblemDetails = {},
): FastifyReply {
  if (details.retryAfter !== undefined) reply.header('retry-after', String(details.retryAfter));
  return reply
    .code(def.status)
    .type(PROBLEM_JSON)
    .send(problemBody(def, detail, details, reply.request.url));
}

/** Fastify's own client errors, mapped onto the catalogue so they read like ours. */
function fromFastify(
  err: FastifyError,
  request: FastifyRequest,
): { def: ProblemDefinition; detail: string; details: ProblemDetails } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { def: PROBLEMS.BODY_TOO_LARGE, detail: err.message, details: { rule: 'body size limit' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        def: PROBLEMS.UNSUPPORTED_MEDIA_TYPE,
        detail: `${err.message}; /openapi.json lists the content types each route accepts (the intake takes application/xml, text/xml or application/json)`,
        details: { field: 'Content-Type' },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { def: PROBLEMS.MALFORMED_BODY, detail: err.message, details: { rule: 'JSON' } };
    default:
      break;
  }
  if (err.validation) {
    const first = err.validation[0];
    const context = err.validationContext ?? 'request';
    const path = first ? first.instancePath.split('/').filter((p) => p !== '') : [];
    const field = [context, ...path].join('.');
    // A number out of range names its whole range (the schema's), not only the bound it broke.
    const range =
      first && (first.keyword === 'minimum' || first.keyword === 'maximum' || first.keyword === 'type')
        ? rangeOf(request, context, path)
        : undefined;
    if (range)
      return {
        def: PROBLEMS.INVALID_REQUEST,
        detail: `${field} ${first?.message ?? 'is invalid'} (rule: ${range})`,
        details: { field, rule: range },
      };
    // A fixed set names its allowed values (ajv's own message does not).
    const allowed =
      first?.keyword === 'enum' ? (first.params as { allowedValues?: unknown[] }).allowedValues : undefined;
    if (Array.isArray(allowed)) {
      const list = allowed.map((v) => String(v)).join(', ');
      return {
        def: PROBLEMS.INVALID_REQUEST,
        detail: `${err.message}: ${list}`,
        details: { field, rule: `one of ${list}`, extra: { allowedValues: allowed } },
      };
    }
    return { def: PROBLEMS.INVALID_REQUEST, detail: err.message, details: { field, rule: first?.message ?? 'schema' } };
  }
  // A JSON syntax error surfaces as a SyntaxError with statusCode 400.
  if (err.statusCode === 400 && err instanceof SyntaxError) {
    return {
      def: PROBLEMS.MALFORMED_BODY,
      detail: `body is not valid JSON: ${err.message}`,
      details: { rule: 'JSON' },
    };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return {
      def: { code: err.code ?? 'BBSIM_CLIENT_ERROR', status: err.statusCode, title: 'Bad request' },
      detail: err.message,
      details: {},
    };
  }
  return undefined;
}

/** One error handler for the whole mock: problem+json, never a stack trace. */
export function installProblemHandlers(app: FastifyInstance): void {
  const allowedMethods = installMethodTable(app);
  /** 405 with Allow for a known path called with another method (RFC 9110 §15.5.6). */
  const methodNotAllowed = (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = allowedMethods(path);
    if (!allowed) return undefined;
    return sendProblem(
      reply.header('allow', allowed.join(', ')),
      PROBLEMS.METHOD_NOT_ALLOWED,
      `${request.method} is not a method of ${path}; it answers ${allowed.join(', ')} (see /openapi.json)`,
      { field: 'method', rule: `one of ${allowed.join(', ')}` },
    );
  };
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // No route took the request (a body method such as QUERY fails its body checks first): the method is what is wrong.
    if (request.is404) {
      const answered = methodNotAllowed(request, reply);
      if (answered) return answered;
    }
    if (err instanceof ProblemError) return sendProblem(reply, err.definition, err.message, err.details);
    const mapped = fromFastify(err, request);
    if (mapped) return sendProblem(reply, mapped.def, mapped.detail, mapped.details);
    const fault = storageFaultOf(err);
    if (fault) {
      const { storage, config } = request.server.bbsim;
      storage.failed(fault);
      request.log.warn({ err }, 'storage fault');
      return sendProblem(
        reply,
        fault.kind === 'full' ? PROBLEMS.STORAGE_FULL : PROBLEMS.STORAGE_FAILED,
        `${fault.kind === 'full' ? "the database's file system is full" : "the database's storage is failing"} (${fault.code}: ${fault.message}); nothing of this request was committed — send it again after the Retry-After, /ready says when writes work again`,
        { retryAfter: config.storage.retryAfterS, extra: { cause: fault.code } },
      );
    }
    request.log.error({ err }, 'unexpected error');
    return sendProblem(reply, PROBLEMS.INTERNAL, 'unexpected error; the mock logged it', {
      serviceCode: 'TechnischProbleem',
    });
  });
  app.setNotFoundHandler(
    (request, reply) =>
      methodNotAllowed(request, reply) ??
      sendProblem(
        reply,
        PROBLEMS.NOT_FOUND,
        `no route ${request.method} ${request.url.split('?')[0] ?? ''}; see /openapi.json`,
      ),
  );
}

/** Fastify's routing errors (a path parameter over maxParamLength, an undecodable URL) as problems. */
export function frameworkProblem(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(
      reply,
      PROBLEMS.URI_TOO_LONG,
      `a path parameter of the URL is longer than the ${MAX_PARAM_LENGTH} characters any route takes`,
      { field: 'url', rule: `path parameters at most ${MAX_PARAM_LENGTH} characters` },
    );
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, PROBLEMS.BAD_URL, `${err.message}: percent-encoding must decode to UTF-8`, {
      field: 'url',
      rule: 'RFC 3986 percent-encoding',
    });
  }
  return sendProblem(reply, PROBLEMS.INVALID_REQUEST, err.message, { field: 'url' });
}

/** Wall ms a socket answered by clientErrorProblem may take to read the answer before it is destroyed. */
const SOCKET_LINGER_MS = 1000;

/** The longest path parameter any route accepts (Fastify's maxParamLength, its default). */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors Node's HTTP parser raises before there is a request (a stalled upload past the request
 * timeout, headers over 16 KiB, a request that is not HTTP): answered as problem+json on the raw
 * socket, which is then closed.
 */
export function clientErrorProblem(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [def, detail, details]: [ProblemDefinition, string, ProblemDetails] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          PROBLEMS.REQUEST_TIMEOUT,
          'the request (headers and body) was not received within limits.requestTimeoutMs; the connection is closed and nothing was stored',
          { rule: 'limits.requestTimeoutMs' },
        ]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [
            PROBLEMS.HEADERS_TOO_LARGE,
            'the request line and headers together exceed 16 KiB (an over-long URL counts here)',
            { field: 'url', rule: 'request line and headers at most 16 KiB' },
          ]
        : [
            PROBLEMS.BAD_CLIENT_REQUEST,
            `the request could not be parsed as HTTP/1.1 (${err.code ?? err.message})`,
            { rule: 'HTTP/1.1' },
          ];
  const headerSent =
    (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !headerSent) {
    const body = JSON.stringify(problemBody(def, detail, details));
    // end (not destroy) so the answer is not cut off by a reset; destroyed shortly after in any case.
    socket.end(
      `HTTP/1.1 ${def.status} ${STATUS_CODES[def.status] ?? ''}\r\nContent-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), SOCKET_LINGER_MS).unref();
    return;
  }
  socket.destroy();
}
