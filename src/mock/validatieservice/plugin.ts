/**
 * The Berichtenbox Validatieservice mock: ValidateAbonnementen over SOAP 1.1 (POST /validatieservice)
 * and the same question as JSON (POST /validatieservice/v1/validate), both behind one capacity model
 * (VALIDATION_QUERIES_PER_HOUR for all afnemers together, a query counting as 1 whatever its number
 * of BSNs; then concurrency, queue and drawn service times), plus GET /validatieservice/stats.
 *
 * Bad input is refused before admission, so it does not use up the hourly capacity. SOAP errors are
 * SOAP faults (see soap.ts for the HTTP status deviation), JSON errors are problem+json.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, type ProblemName } from '../../errors/catalogue.ts';
import {
  VALIDATION_KLANTEN,
  VALIDATION_MAX_RESPONSE,
  VALIDATION_QUERIES_PER_HOUR,
  OIN_DIGITS,
  BERICHTTYPE_CHARS,
} from '../../norms/index.ts';
import { optionalCallerOin } from '../afnemer-auth.ts';
import { CapacityModel, type Handled, serviceStatsResponse } from '../capacity/index.ts';
import { TextDecodingError, decodeXml } from '../../xml/index.ts';
import type { ServiceTime } from '../capacity/index.ts';
import {
  JSON_NAMES,
  SOAP_NAMES,
  ROL_BURGER,
  answerQuery,
  checkQuery,
  mapJsonQuery,
  type Answer,
  type Query,
  type QueryError,
} from './query.ts';
import {
  NS_SERVICE,
  NS_TYPES,
  OPERATION,
  SOAP_ACTION,
  SOAP_CONTENT_TYPE,
  clientFault,
  parseValidateEnvelope,
  renderFault,
  renderResponse,
  soapActionOf,
  type SoapFault,
} from './soap.ts';

import { JSON_ANSWERS, SOAP_ANSWERS } from './openapi.ts';
import { BSN_SCHEMA } from '../openapi-schemas.ts';

const SERVICE = VALIDATION_QUERIES_PER_HOUR.service;
const SOAP_XML_TYPES: ReadonlySet<string> = new Set(['text/xml', 'application/xml']);

/** The route schemas document the interface (OpenAPI); the handlers validate, so that every error names its field as the interface does. */
const documentationOnly = (): (() => boolean) => () => true;

const PROBLEM_OF: Readonly<Record<QueryError['kind'], ProblemName>> = {
  invalid: 'INVALID_REQUEST',
  count: 'INVALID_REQUEST',
  bsn: 'INVALID_BSN',
  oin: 'INVALID_OIN',
  'unknown-afnemer': 'UNKNOWN_AFNEMER',
  'oin-mismatch': 'INVALID_REQUEST',
};

/** Whether a configured service time breaches the 30 s response norm (lognormal: at its 99th percentile). */
export function serviceTimeExceedsNorm(st: ServiceTime, limitMs: number): boolean {
  switch (st.kind) {
    case 'fixed':
      return st.ms > limitMs;
    case 'lognormal':
      return st.p99Ms > limitMs;
    case 'empirical':
      return st.samplesMs.some((s) => s > limitMs);
  }
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export async function validatieservicePlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const cfg = ctx.config.validatieservice;
  const { clock, population } = ctx;
  const normMs = VALIDATION_MAX_RESPONSE.limit;

  const model = new CapacityModel({
    service: SERVICE,
    limits: [{ window: 'hour', limit: cfg.perHour, normId: VALIDATION_QUERIES_PER_HOUR.id }],
    concurrency: cfg.concurrency,
    maxQueue: cfg.maxQueue,
    serviceTime: cfg.serviceTime,
    seed: ctx.config.seed,
    clock,
    metrics: ctx.serviceMetrics,
    shared: ctx.store.windows,
  });
  app.addHook('onClose', async () => model.close());
  const exceedsNorm = serviceTimeExceedsNorm(cfg.serviceTime, normMs);
  if (exceedsNorm)
    app.log.warn(
      { serviceTime: cfg.serviceTime, normMs },
      'validatieservice: the configured service time exceeds the 30 s response norm',
    );

  const stats = {
    queries: 0,
    soap: 0,
    json: 0,
    invalid: 0,
    bsnsChecked: 0,
    isBerichtSturen: 0,
    overNorm: 0,
  };

  /** Admits and serves one query; counts it. */
  const serve = async (query: Query, via: 'soap' | 'json'): Promise<Handled<Answer>> => {
    const handled = await model.handle(() => answerQuery(query, population, app.bbsim.clock.now()), 1);
    if (!handled.ok) return handled;
    stats.queries += 1;
    stats[via] += 1;
    stats.bsnsChecked += handled.value.resultaten.length;
    stats.isBerichtSturen += handled.value.resultaten.filter((r) => r.isBerichtSturen).length;
    if (handled.latencyMs > normMs) stats.overNorm += 1;
    return handled;
  };

  // -------------------------------------------------------------------------------------------
  // SOAP 1.1, in its own scope: every body is read as text and every error is a SOAP fault.
  // -------------------------------------------------------------------------------------------
  await app.register(async (soap) => {
    soap.removeAllContentTypeParsers();
    // Bytes are decoded as the document declares (src/xml); undecodable text is a client fault naming the byte offset.
    soap.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: cfg.bodyLimitBytes }, (req, body: Buffer, done) => {
      try {
        done(null, decodeXml(body, req.headers['content-type']).text);
      } catch (err) {
        done(
          err instanceof TextDecodingError
            ? Object.assign(new Error(err.message), { statusCode: err.status })
            : (err as Error),
        );
      }
    });

    const sendFault = (reply: FastifyReply, f: SoapFault): FastifyReply => {
      if (f.retryAfter !== undefined) reply.header('retry-after', String(f.retryAfter));
      return reply.code(f.status).type(SOAP_CONTENT_TYPE).send(renderFault(f));
    };

    soap.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      // The caller's identity (client certificate) refused: a SOAP fault, with the real code where there is one.
      if (err instanceof ProblemError) {
        stats.invalid += 1;
        const d = err.details;
        return sendFault(
          reply,
          clientFault(d.serviceCode ?? err.definition.code, err.message, {
            status: err.status,
            ...(d.field !== undefined ? { element: d.field } : {}),
            ...(d.rule !== undefined ? { rule: d.rule } : {}),
          }),
        );
      }
      const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
      if (status >= 400 && status < 500) {
        stats.invalid += 1;
        const code = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BerichtTeGroot' : 'VerzoekOngeldig';
        return sendFault(
          reply,
          clientFault(code, err.message, {
            status,
            ...(code === 'BerichtTeGroot' ? { rule: `at most ${cfg.bodyLimitBytes} bytes` } : {}),
          }),
        );
      }
      request.log.error({ err }, 'unexpected error');
      return sendFault(reply, {
        status: 500,
        faultcode: 'Server',
        detailKind: 'ApplicationFault',
        code: 'TechnischProbleem',
        message: 'unexpected error; the mock logged it',
      });
    });

    soap.post(
      '/validatieservice',
      {
        bodyLimit: cfg.bodyLimitBytes,
        validatorCompiler: documentationOnly,
        schema: {
          summary:
            'Validatieservice ValidateAbonnementen (SOAP 1.1): may this afnemer send this letter type to these burgers?',
          description:
            `SOAP 1.1 over HTTP, Content-Type text/xml, SOAPAction "${SOAP_ACTION}". ` +
            `Body: ${OPERATION} (${NS_SERVICE}) / request / berichtleverancierCode, berichtTypeCode, ` +
            `Klanten / ${VALIDATION_KLANTEN.min ?? 1}-${VALIDATION_KLANTEN.max} × Klant (Key = BSN, Rol = ${ROL_BURGER}), all in ${NS_TYPES}. ` +
            `Answer: ${OPERATION}Response / ${OPERATION}Result / Klanten / Klant (Key, isBerichtSturen). ` +
            'Faults: ApplicationFault (HTTP 400, faultcode Client) for bad input, DependentServiceFault (HTTP 503 + Retry-After, faultcode Server) over capacity ' +
            `(${VALIDATION_QUERIES_PER_HOUR.limit} queries per hour for all afnemers together by default).`,
          tags: ['validatieservice'],
          consumes: ['text/xml'],
          produces: ['text/xml'],
          headers: {
            type: 'object',
            properties: {
              soapaction: { type: 'string', description: `"${SOAP_ACTION}" (quoted or not)` },
              'x-afnemer-oin': {
                type: 'string',
                description:
                  "Optional: the caller's OIN (stands for the TLS certificate); must then equal berichtleverancierCode",
              },
            },
            required: ['soapaction'],
          },
          body: { type: 'string', description: 'A SOAP 1.1 Envelope holding ValidateAbonnementen' },
          ...SOAP_ANSWERS,
        },
      },
      async (request, reply) => {
        const type = (headerValue(request.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (type === 'application/soap+xml') {
          stats.invalid += 1;
          return sendFault(reply, {
            status: 415,
            faultcode: 'VersionMismatch',
            detailKind: 'ApplicationFault',
            code: 'SoapVersieNietOndersteund',
            message:
              'this service speaks SOAP 1.1: send Content-Type text/xml and a SOAP 1.1 Envelope (application/soap+xml is SOAP 1.2)',
            element: 'Content-Type',
            rule: 'text/xml',
          });
        }
        if (!SOAP_XML_TYPES.has(type)) {
          stats.invalid += 1;
          return sendFault(
            reply,
            clientFault(
              'ContentTypeOngeldig',
              `Content-Type '${type.slice(0, 80)}' is not SOAP 1.1: send text/xml; charset=utf-8`,
              { status: 415, element: 'Content-Type', rule: 'text/xml' },
            ),
          );
        }
        const body = typeof request.body === 'string' ? request.body : '';
        const parsed = parseValidateEnvelope(body, soapActionOf(request.headers['soapaction']));
        if (!parsed.ok) {
          stats.invalid += 1;
          return sendFault(reply, parsed.fault);
        }
        const checked = checkQuery(parsed.raw, SOAP_NAMES, {
          afnemers: ctx.afnemers,
          headerOin: optionalCallerOin(ctx, request),
        });
        if (!checked.ok) {
          stats.invalid += 1;
          const e = checked.error;
          return sendFault(reply, clientFault(e.faultCode, e.message, { element: e.field, rule: e.rule }));
        }
        const handled = await serve(checked.query, 'soap');
        if (!handled.ok) {
          return sendFault(reply, {
            status: 503,
            faultcode: 'Server',
            detailKind: 'DependentServiceFault',
            code: handled.reason === 'limit' ? 'CapaciteitBereikt' : 'DienstOverbelast',
            message: handled.detail,
            retryAfter: handled.retryAfterS,
          });
        }
        return reply.type(SOAP_CONTENT_TYPE).send(renderResponse(handled.value));
      },
    );
  });

  // -------------------------------------------------------------------------------------------
  // JSON
  // -------------------------------------------------------------------------------------------
  app.post(
    '/validatieservice/v1/validate',
    {
      bodyLimit: cfg.bodyLimitBytes,
      validatorCompiler: documentationOnly,
      schema: {
        summary: 'Validatieservice as JSON: per BSN whether this afnemer may send this letter type',
        description:
          `The SOAP operation ${OPERATION} in JSON, on the same capacity (${VALIDATION_QUERIES_PER_HOUR.limit} queries per hour for all afnemers together by default; over it 503 with Retry-After). ` +
          'isBerichtSturen is true exactly when the intake would process a letter of this type to this BSN (not NietActiefOfGeabonneerd, not BerichtTypeNietOndersteund); ' +
          'a berichtTypeCode not configured for the afnemer answers false for every BSN.',
        tags: ['validatieservice'],
        body: {
          type: 'object',
          properties: {
            berichtleverancierCode: {
              type: 'string',
              pattern: `^\\d{${OIN_DIGITS.max}}$`,
              description: "The afnemer's OIN",
            },
            berichtTypeCode: {
              type: 'string',
              minLength: BERICHTTYPE_CHARS.min ?? 1,
              maxLength: BERICHTTYPE_CHARS.max,
            },
            klanten: {
              type: 'array',
              minItems: VALIDATION_KLANTEN.min ?? 1,
              maxItems: VALIDATION_KLANTEN.max,
              items: {
                type: 'object',
                properties: { key: BSN_SCHEMA, rol: { type: 'string', enum: [ROL_BURGER] } },
                required: ['key', 'rol'],
                additionalProperties: false,
              },
            },
          },
          required: ['berichtleverancierCode', 'berichtTypeCode', 'klanten'],
          additionalProperties: false,
          example: {
            berichtleverancierCode: '00000001003214345000',
            berichtTypeCode: 'VAIB',
            klanten: [{ key: '111222333', rol: ROL_BURGER }],
          },
        },
        ...JSON_ANSWERS,
        response: {
          200: {
            type: 'object',
            properties: {
              berichtleverancierCode: { type: 'string' },
              berichtTypeCode: { type: 'string' },
              berichtTypeOndersteund: {
                type: 'boolean',
                description: 'false: the type is not configured for the afnemer, so every answer is false',
              },
              resultaten: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { key: { type: 'string' }, isBerichtSturen: { type: 'boolean' } },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const mapped = mapJsonQuery(request.body);
      const checked = mapped.ok
        ? checkQuery(mapped.raw, JSON_NAMES, { afnemers: ctx.afnemers, headerOin: optionalCallerOin(ctx, request) })
        : mapped;
      if (!checked.ok) {
        stats.invalid += 1;
        const e = checked.error;
        throw new ProblemError(PROBLEM_OF[e.kind], e.message, {
          field: e.field,
          rule: e.rule,
          serviceCode: 'ApplicationFault',
        });
      }
      const handled = await serve(checked.query, 'json');
      if (!handled.ok) {
        throw new ProblemError('CAPACITY', handled.detail, {
          retryAfter: handled.retryAfterS,
          serviceCode: 'DependentServiceFault',
          extra:
            handled.reason === 'limit'
              ? { reason: handled.reason, window: handled.window, used: handled.used, limit: handled.limit }
              : { reason: handled.reason },
        });
      }
      return {
        berichtleverancierCode: checked.query.afnemer.oin,
        berichtTypeCode: checked.query.berichtTypeCode,
        berichtTypeOndersteund: handled.value.berichtTypeOndersteund,
        resultaten: handled.value.resultaten,
      };
    },
  );

  // -------------------------------------------------------------------------------------------
  // Stats
  // -------------------------------------------------------------------------------------------
  app.get(
    '/validatieservice/stats',
    {
      schema: serviceStatsResponse(
        'Validatieservice figures: queries, refusals, BSNs checked, latency against the 30 s norm, capacity used this hour',
        'validatieservice',
      ),
    },
    async () => ({
      service: SERVICE,
      capacity: model.stats(),
      queries: stats.queries,
      queriesByInterface: { soap: stats.soap, json: stats.json },
      invalid: stats.invalid,
      bsnsChecked: stats.bsnsChecked,
      isBerichtSturenTrue: stats.isBerichtSturen,
      responseNorm: {
        id: VALIDATION_MAX_RESPONSE.id,
        limitMs: normMs,
        overNorm: stats.overNorm,
        holds: stats.overNorm === 0,
      },
      serviceTime: { ...cfg.serviceTime, exceedsNorm },
    }),
  );
}
