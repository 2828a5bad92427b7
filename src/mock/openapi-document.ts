/**
 * `/openapi.json` as the contract: every status a route can answer is declared, in one place.
 *
 * A route's schema names what only it knows in `x-answers` (answers()): its success responses (for the
 * document only: declaring them as Fastify `response` schemas would change how they are serialised),
 * the catalogue problems its handler throws, who the caller is. Everything the mock's global hooks can
 * answer on any route (a bad URL, a timeout, headers too large, the in-flight body bound, storage
 * faults, maintenance windows and injected faults of the route's service, body limits and content
 * types, over-long path parameters) is added here by rule, so no route copies it and none forgets it.
 * Every problem is the one shared `Problem` component (RFC 9457 problem+json); the Validatieservice's
 * SOAP endpoint answers its own refusals as SOAP faults.
 *
 * This works on the document (@fastify/swagger's transformObject, run once when /openapi.json is
 * first asked for), not as Fastify `response` schemas added in an onRoute hook: those would compile
 * a serializer per route and status at start-up (32 routes × about 8 statuses) and change how every
 * problem is serialised. The routes' own `response` schemas (for speed) are kept as they are.
 */
import { PROBLEMS, type ProblemDefinition, type ProblemName } from '../errors/catalogue.ts';
import type { MockConfig } from './config.ts';
import { serviceOfPath } from './service-routes.ts';

const ANSWERS_KEY = 'x-answers';

/** An OpenAPI 3.0 response object (written as the document has it: `nullable`, not type arrays). */
export interface DocResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly content?: Readonly<Record<string, { readonly schema: unknown; readonly example?: unknown }>>;
}

export interface Answers {
  /** Success (and redirect) responses this route's schema has no `response` schema for. */
  readonly ok?: Readonly<Record<number, DocResponse>>;
  /** Catalogue problems the handler throws (beyond the global ones). */
  readonly problems?: readonly ProblemName[];
  /** Who calls: `afnemer` (requireAfnemer), `burger` (a session token), `caller-oin` (optional OIN; certificate checked under TLS). */
  readonly caller?: 'afnemer' | 'burger' | 'caller-oin';
  /** Refusals are answered as SOAP 1.1 faults (text/xml), not problem+json. */
  readonly soapFaults?: boolean;
  /** Other answers that are not catalogue problems (an HTML error page, a SOAP fault of the handler), by status. */
  readonly other?: Readonly<Record<number, DocResponse>>;
  /** Headers of a response declared by the route's own `response` schema (Location of a 202), by status. */
  readonly headers?: Readonly<Record<number, Readonly<Record<string, unknown>>>>;
  /**
   * The request body as the document shows it, per content type, where the route's `body` schema
   * cannot say it (a body the handler parses itself: XML with its root element and namespace).
   */
  readonly requestBody?: { readonly description?: string; readonly content: Readonly<Record<string, unknown>> };
}

/** The route-schema entry (spread into a route's `schema`) that declares what only the route knows. */
export function answers(a: Answers): { readonly [ANSWERS_KEY]: Answers } {
  return { [ANSWERS_KEY]: a };
}

const PROBLEM_JSON = 'application/problem+json';
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' } as const;

/** RFC 9457 problem+json as problems.ts writes it (problemBody). */
const PROBLEM_SCHEMA = {
  type: 'object',
  description:
    "RFC 9457 problem details; `code` is the stable code from the catalogue (src/errors/catalogue.ts), `serviceCode` the real service's code where it has one",
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      pattern: '^urn:bbsim:problem:[a-z0-9_]+$',
      example: 'urn:bbsim:problem:bbsim_invalid_request',
    },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', example: 'BBSIM_INVALID_REQUEST' },
    instance: { type: 'string' },
    field: { type: 'string', description: 'the request field the problem is about' },
    rule: { type: 'string', description: 'the rule it breaks' },
    serviceCode: { type: 'string', description: "the real service's code (a VerwerkingsCode, a SOAP fault name)" },
    retryAfter: { type: 'integer', minimum: 0, description: 'seconds, as the Retry-After header' },
  },
  additionalProperties: true,
} as const;

const RETRY_AFTER = {
  description: 'Wall seconds after which the request may be sent again',
  schema: { type: 'integer', minimum: 1 },
} as const;
const SOAP_FAULT = {
  schema: {
    type: 'string',
    description:
      'A SOAP 1.1 Envelope with a Fault (detail ApplicationFault or DependentServiceFault in http://schemas.rdw.nl/GEB/Shared/Types/2009/01)',
    xml: { name: 'Envelope', namespace: 'http://schemas.xmlsoap.org/soap/envelope/' },
  },
} as const;

/** Answered before any route is chosen (the raw socket, the router): possible on every operation. */
const EVERYWHERE: readonly ProblemName[] = [
  'BAD_URL',
  'BAD_CLIENT_REQUEST',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'IN_FLIGHT_LIMIT',
  'STORAGE_FULL',
  'STORAGE_FAILED',
];
const WITH_PARAMETERS: readonly ProblemName[] = ['INVALID_REQUEST'];
const WITH_PATH_PARAMETERS: readonly ProblemName[] = ['URI_TOO_LONG'];
/** Methods whose bodies Fastify reads (GET and HEAD bodies are not parsed). */
const BODY_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'patch', 'delete']);
const WITH_BODY: readonly ProblemName[] = [
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'MALFORMED_BODY',
  'INVALID_ENCODING',
  'UNSAFE_JSON',
  'INVALID_REQUEST',
];
const OF_A_SERVICE: readonly ProblemName[] = ['MAINTENANCE', 'OUTAGE', 'INJECTED_FAULT'];
const CALLER: Readonly<Record<NonNullable<Answers['caller']>, readonly ProblemName[]>> = {
  afnemer: [
    'MISSING_OIN',
    'INVALID_OIN',
    'UNKNOWN_AFNEMER',
    'CLIENT_CERTIFICATE_REQUIRED',
    'CLIENT_CERTIFICATE_REFUSED',
    'CERTIFICATE_WITHOUT_OIN',
    'OIN_MISMATCH',
    'NO_AFNEMER_IDENTITY',
  ],
  burger: ['UNAUTHENTICATED', 'TOKEN_EXPIRED'],
  'caller-oin': [
    'CLIENT_CERTIFICATE_REQUIRED',
    'CLIENT_CERTIFICATE_REFUSED',
    'CERTIFICATE_WITHOUT_OIN',
    'UNKNOWN_AFNEMER',
  ],
};

interface Operation {
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses?: Record<string, DocResponse>;
  [ANSWERS_KEY]?: Answers;
}

function problemResponse(defs: readonly ProblemDefinition[], soap: boolean): DocResponse {
  const status = defs[0]?.status ?? 0;
  const codes = [...new Set(defs.map((d) => d.code))].sort();
  const description = `problem+json${soap ? ' or a SOAP fault' : ''}: ${codes.map((c) => `${c} (${Object.values(PROBLEMS).find((p) => p.code === c)?.title ?? ''})`).join('; ')}`;
  return {
    description,
    ...(status === 429 || status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
    content: { [PROBLEM_JSON]: { schema: PROBLEM_REF }, ...(soap ? { 'text/xml': SOAP_FAULT } : {}) },
  };
}

/**
 * The problems an operation can answer: its own, its caller's, and the global rules. `config`
 * decides the injected fault's status (faults.<service>.errorStatus, when its errorRate is above 0).
 */
function problemsOf(method: string, path: string, op: Operation, config: MockConfig): ProblemDefinition[] {
  const a = op[ANSWERS_KEY] ?? {};
  const names = new Set<ProblemName>([...EVERYWHERE, ...(a.problems ?? [])]);
  if (a.caller) for (const n of CALLER[a.caller]) names.add(n);
  if ((op.parameters ?? []).length > 0) for (const n of WITH_PARAMETERS) names.add(n);
  if ((op.parameters ?? []).some((p) => p.in === 'path')) for (const n of WITH_PATH_PARAMETERS) names.add(n);
  if (op.requestBody !== undefined || BODY_METHODS.has(method)) for (const n of WITH_BODY) names.add(n);
  const defs: ProblemDefinition[] = [...names].map((n) => PROBLEMS[n]);
  const service = serviceOfPath(path);
  if (service) {
    for (const n of OF_A_SERVICE) defs.push(PROBLEMS[n]);
    const faults = config.faults.services[service as keyof typeof config.faults.services];
    if (faults && faults.errorRate > 0 && faults.errorStatus !== 503)
      defs.push({ ...PROBLEMS.INJECTED_FAULT, status: faults.errorStatus });
  }
  return defs;
}

/** @fastify/swagger's transformObject: adds the Problem component and every operation's answers. */
export function declareAnswers(
  config: MockConfig,
): (doc: { openapiObject: Record<string, unknown> }) => Record<string, unknown> {
  return ({ openapiObject }) => {
    const doc = openapiObject as {
      components?: { schemas?: Record<string, unknown> };
      paths?: Record<string, Record<string, Operation>>;
    };
    doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Problem: PROBLEM_SCHEMA } };
    for (const [path, ops] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(ops)) {
        const a = op[ANSWERS_KEY] ?? {};
        delete op[ANSWERS_KEY];
        const responses: Record<string, DocResponse> = { ...op.responses };
        // Swagger's placeholder for a route without a response schema: replaced by the declared answers.
        const placeholder = responses['200'];
        if (placeholder && placeholder.description === 'Default Response' && placeholder.content === undefined)
          delete responses['200'];
        // A route's own response schema without a description: the operation's summary says what it is.
        for (const [status, r] of Object.entries(responses)) {
          if (r.description === 'Default Response')
            responses[status] = { ...r, description: (op as { summary?: string }).summary ?? 'The answer' };
        }
        for (const [status, r] of Object.entries(a.ok ?? {})) responses[status] ??= r;
        for (const [status, h] of Object.entries(a.headers ?? {})) {
          const r = responses[status];
          if (r) responses[status] = { ...r, headers: { ...r.headers, ...h } };
        }
        if (a.requestBody) op.requestBody = { required: true, ...a.requestBody };
        for (const [status, r] of Object.entries(a.other ?? {})) responses[status] ??= r;
        const byStatus = new Map<number, ProblemDefinition[]>();
        for (const d of problemsOf(method, path, { ...op, [ANSWERS_KEY]: a }, config))
          byStatus.set(d.status, [...(byStatus.get(d.status) ?? []), d]);
        for (const [status, defs] of [...byStatus].sort((x, y) => x[0] - y[0])) {
          const declared = problemResponse(defs, a.soapFaults === true);
          const existing = responses[String(status)];
          // A route's own answer at that status (an HTML error page, a SOAP fault) keeps its content; the problem is added beside it.
          responses[String(status)] = existing
            ? {
                ...existing,
                description: `${existing.description}; or ${declared.description}`,
                content: { ...declared.content, ...existing.content },
                ...(declared.headers ? { headers: { ...declared.headers, ...existing.headers } } : {}),
              }
            : declared;
        }
        op.responses = Object.fromEntries(Object.entries(responses).sort(([x], [y]) => x.localeCompare(y)));
      }
    }
    return openapiObject;
  };
}

/** JSON content for a documented success response. */
export function json(description: string, schema: unknown, extra: Partial<DocResponse> = {}): DocResponse {
  return { description, content: { 'application/json': { schema } }, ...extra };
}
