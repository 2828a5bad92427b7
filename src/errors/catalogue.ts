/**
 * The one catalogue of HTTP errors the mock answers with, as RFC 9457 problem+json.
 * Each has a stable code; where the real service has its own code (a VerwerkingsCode or a SOAP
 * fault) the problem carries it in `serviceCode`.
 */
export interface ProblemDefinition {
  readonly code: string;
  readonly status: number;
  readonly title: string;
}

function def(code: string, status: number, title: string): ProblemDefinition {
  return Object.freeze({ code, status, title });
}

export const PROBLEMS = Object.freeze({
  // Transport and framing
  UNSUPPORTED_MEDIA_TYPE: def('BBSIM_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported content type'),
  NOT_ACCEPTABLE: def('BBSIM_NOT_ACCEPTABLE', 406, 'No acceptable response format'),
  BODY_TOO_LARGE: def('BBSIM_BODY_TOO_LARGE', 413, 'Request body too large'),
  MALFORMED_BODY: def('BBSIM_MALFORMED_BODY', 400, 'Body could not be parsed'),
  INVALID_ENCODING: def('BBSIM_INVALID_ENCODING', 400, 'Body is not valid text in its declared encoding'),
  UNSAFE_XML: def('BBSIM_UNSAFE_XML', 400, 'XML with a DOCTYPE or entity declarations is refused'),
  UNSAFE_JSON: def('BBSIM_UNSAFE_JSON', 400, 'JSON with a __proto__ or constructor.prototype key is refused'),
  URI_TOO_LONG: def('BBSIM_URI_TOO_LONG', 414, 'Request URL too long'),
  BAD_URL: def('BBSIM_BAD_URL', 400, 'Request URL could not be decoded'),
  HEADERS_TOO_LARGE: def('BBSIM_HEADERS_TOO_LARGE', 431, 'Request headers too large'),
  REQUEST_TIMEOUT: def('BBSIM_REQUEST_TIMEOUT', 408, 'Request not received in time'),
  BAD_CLIENT_REQUEST: def('BBSIM_BAD_CLIENT_REQUEST', 400, 'Request could not be read as HTTP/1.1'),
  // Resources of the mock itself: retryable, nothing was stored
  IN_FLIGHT_LIMIT: def('BBSIM_IN_FLIGHT_LIMIT', 503, 'Too many request body bytes in flight'),
  STORAGE_FULL: def('BBSIM_STORAGE_FULL', 503, 'Storage full: the mock cannot commit'),
  STORAGE_FAILED: def('BBSIM_STORAGE_FAILED', 503, 'Storage failing: the mock cannot commit'),
  INVALID_REQUEST: def('BBSIM_INVALID_REQUEST', 400, 'Request does not match the schema'),
  NOT_FOUND: def('BBSIM_NOT_FOUND', 404, 'Not found'),
  METHOD_NOT_ALLOWED: def('BBSIM_METHOD_NOT_ALLOWED', 405, 'Method not allowed'),
  // Afnemer identity (the CPA's OIN)
  MISSING_OIN: def('BBSIM_MISSING_OIN', 401, 'X-Afnemer-OIN header missing'),
  INVALID_OIN: def('BBSIM_INVALID_OIN', 400, 'X-Afnemer-OIN is not a 20-digit OIN'),
  UNKNOWN_AFNEMER: def('BBSIM_UNKNOWN_AFNEMER', 403, 'OIN is not a connected afnemer'),
  // Afnemer identity over two-way TLS (the OIN in the client certificate)
  CLIENT_CERTIFICATE_REQUIRED: def('BBSIM_CLIENT_CERTIFICATE_REQUIRED', 401, 'A client certificate is required'),
  CLIENT_CERTIFICATE_REFUSED: def(
    'BBSIM_CLIENT_CERTIFICATE_REFUSED',
    401,
    'The client certificate is not valid for this service',
  ),
  CERTIFICATE_WITHOUT_OIN: def(
    'BBSIM_CERTIFICATE_WITHOUT_OIN',
    403,
    'The client certificate carries no OIN in its subject serialNumber',
  ),
  OIN_MISMATCH: def('BBSIM_OIN_MISMATCH', 403, "The OIN in the request differs from the client certificate's OIN"),
  NO_AFNEMER_IDENTITY: def(
    'BBSIM_NO_AFNEMER_IDENTITY',
    401,
    'This mock cannot identify afnemers (exposed without TLS)',
  ),
  NOT_YOUR_DATA: def('BBSIM_NOT_YOUR_DATA', 403, "Another afnemer's data"),
  // Batch as a whole
  BATCH_SIZE: def('BBSIM_BATCH_SIZE', 400, 'A batch holds 1 to 1000 letters'),
  BATCH_HEADER_INVALID: def('BBSIM_BATCH_HEADER_INVALID', 400, 'BatchInformatie fails the schema'),
  CAPACITY_HOUR: def('BBSIM_CAPACITY_HOUR', 429, 'Hourly intake capacity reached'),
  CAPACITY_DAY: def('BBSIM_CAPACITY_DAY', 429, 'Daily intake capacity reached'),
  // Burger sessions
  UNAUTHENTICATED: def('BBSIM_UNAUTHENTICATED', 401, 'Bearer session token missing or invalid'),
  TOKEN_EXPIRED: def('BBSIM_TOKEN_EXPIRED', 401, 'Session token expired'),
  DEV_TOKENS_DISABLED: def(
    'BBSIM_DEV_TOKENS_DISABLED',
    403,
    'The dev token endpoint is disabled in this configuration',
  ),
  INVALID_BSN: def('BBSIM_INVALID_BSN', 400, 'BSN fails the elfproef'),
  // Abonnementservice
  SUBSCRIPTION_NIGHT_QUOTA: def('BBSIM_SUBSCRIPTION_NIGHT_QUOTA', 429, 'Night quota of the Abonnementservice reached'),
  SUBSCRIPTION_OUTSIDE_NIGHT: def(
    'BBSIM_SUBSCRIPTION_OUTSIDE_NIGHT',
    429,
    'The Abonnementservice takes requests in its night window only',
  ),
  SUBSCRIPTION_BACKLOG_FULL: def('BBSIM_SUBSCRIPTION_BACKLOG_FULL', 429, 'The Abonnementservice backlog is full'),
  SUBSCRIPTION_DUPLICATE_VERZOEK: def(
    'BBSIM_SUBSCRIPTION_DUPLICATE_VERZOEK',
    409,
    'VerzoekId already used for a different request',
  ),
  // Availability: maintenance windows and injected faults (sim clock)
  MAINTENANCE: def('BBSIM_MAINTENANCE', 503, 'Planned maintenance window'),
  OUTAGE: def('BBSIM_OUTAGE', 503, 'Unplanned outage (injected)'),
  INJECTED_FAULT: def('BBSIM_INJECTED_FAULT', 503, 'Injected fault'),
  CAPACITY: def('BBSIM_CAPACITY', 503, 'Service capacity reached'),
  // Everything else
  UNAVAILABLE: def('BBSIM_UNAVAILABLE', 503, 'Service unavailable'),
  INTERNAL: def('BBSIM_INTERNAL', 500, 'Internal error (a bug in bbsim: please report it)'),
});

export type ProblemName = keyof typeof PROBLEMS;

export interface ProblemDetails {
  /** The request field the problem is about, e.g. 'BatchInformatie.BatchID' or 'X-Afnemer-OIN'. */
  readonly field?: string;
  /** The rule it breaks, e.g. 'GUID' or '1..1000 letters'. */
  readonly rule?: string;
  /** The real service's code where it has one (a VerwerkingsCode, a SOAP fault name). */
  readonly serviceCode?: string;
  /** Seconds, for 429/503. */
  readonly retryAfter?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Thrown by handlers; the mock's error handler turns it into problem+json. */
export class ProblemError extends Error {
  readonly definition: ProblemDefinition;
  readonly details: ProblemDetails;

  constructor(name: ProblemName, detail: string, details: ProblemDetails = {}) {
    super(detail);
    this.name = 'ProblemError';
    this.definition = PROBLEMS[name];
    this.details = details;
  }

  get status(): number {
    return this.definition.status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  field?: string;
  rule?: string;
  serviceCode?: string;
  retryAfter?: number;
  [key: string]: unknown;
}

export function problemBody(
  def: ProblemDefinition,
  detail: string,
  details: ProblemDetails = {},
  instance?: string,
): ProblemBody {
  const body: ProblemBody = {
    type: `urn:bbsim:problem:${def.code.toLowerCase()}`,
    title: def.title,
    status: def.status,
    detail,
    code: def.code,
  };
  if (instance !== undefined) body.instance = instance;
  if (details.field !== undefined) body.field = details.field;
  if (details.rule !== undefined) body.rule = details.rule;
  if (details.serviceCode !== undefined) body.serviceCode = details.serviceCode;
  if (details.retryAfter !== undefined) body.retryAfter = details.retryAfter;
  if (details.extra) Object.assign(body, details.extra);
  return body;
}
