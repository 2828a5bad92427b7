/**
 * The Abonnementservice mock (README.md in this folder): an afnemer asks which burgers want its
 * letters — everyone (alles), which of a BSN list (bsn-lijst), or what changed since an instant
 * (mutatiebasis) — and gets the answer asynchronously, on the sim clock:
 *
 *   POST /abonnementservice/v1/verzoeken       AbonnementAanvraag (XML) or JSON → 202 receipt
 *   GET  /abonnementservice/v1/verzoeken/:id   pending status, or the answer (JSON | XML, gzip on request)
 *   GET  /abonnementservice/v1/stats           per kind: accepted, refused, processed, pending, lead times, night quota
 *
 * Requests are processed in the night window, at most perNight of each kind per night (planner.ts);
 * what arrives outside the night or over the quota is queued or refused by config (config.ts). The
 * answer is read from the population at the start of processing (the "peilmoment") and computed when
 * it is fetched: the population is a pure function of time, so that is the same answer as computing
 * it then, and memory holds only the BSN lists that were sent. No timers: state advances lazily to the
 * sim clock's now on every request.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { OIN_DIGITS, SUBSCRIPTION_LEAD_TIME } from '../../norms/index.ts';
import { requireAfnemer } from '../afnemer-auth.ts';
import { prefersXml, sendXml } from '../negotiate.ts';
import { sendProblem } from '../problems.ts';
import { NS_AANVRAAG, ROOT_AANVRAAG, parseJsonAanvraag, parseXmlAanvraag, type AanvraagError } from './aanvraag.ts';
import { resultJson, resultXml, statusJson, statusXml, type VerzoekInfo } from './antwoord.ts';
import { KINDS } from './config.ts';
import { AbonnementService } from './abonnement-service.ts';
import { xmlTextParser } from '../body-text.ts';
import { GET_ANSWERS, STATS_ANSWERS, VERZOEK_ID_PATTERN, postAnswers } from './openapi.ts';
import { OIN_HEADER_SCHEMA } from '../openapi-schemas.ts';

const XML_TYPES = ['application/xml', 'text/xml'];
const gzip = promisify(gzipCallback);

/** The route schemas document the interface (OpenAPI); the handler validates, so that every error names its field as the interface does. */
const documentationOnly = (): (() => boolean) => () => true;

/** Whether Accept-Encoding admits gzip (RFC 9110: a q of 0 refuses; '*' stands for anything not listed). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const h = Array.isArray(header) ? header.join(',') : header;
  if (!h) return false;
  let gz: number | undefined;
  let star: number | undefined;
  for (const part of h.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (name.trim() === 'gzip' || name.trim() === 'x-gzip') gz = q;
    else if (name.trim() === '*') star = q;
  }
  return (gz ?? star ?? 0) > 0;
}

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export async function abonnementservicePlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const cfg = ctx.config.abonnementservice;
  const { clock } = ctx;
  const abonnementen = new AbonnementService(ctx);
  // Instances sharing a database: requests and night quotas in the store, the same for every instance.
  const shared = abonnementen.shared;

  // XML bodies are parsed in the handler, where parse errors become precise problems.
  // Bytes are decoded as the document declares (src/xml).
  app.addContentTypeParser(XML_TYPES, { parseAs: 'buffer', bodyLimit: cfg.bodyLimitBytes }, xmlTextParser());

  /** Refuse unknown afnemers before reading a possibly large body. */
  const identify = async (request: FastifyRequest): Promise<void> => {
    requireAfnemer(ctx, request);
  };

  const oinHeader = {
    type: 'object',
    // Not required by the schema: under TLS the client certificate names the afnemer (afnemer-auth.ts).
    properties: {
      'x-afnemer-oin': {
        ...OIN_HEADER_SCHEMA,
        description: `${OIN_HEADER_SCHEMA.description}; must equal BerichtLeverancier/OIN`,
      },
    },
  } as const;

  app.post(
    '/abonnementservice/v1/verzoeken',
    {
      onRequest: identify,
      bodyLimit: cfg.bodyLimitBytes,
      validatorCompiler: documentationOnly,
      schema: {
        summary:
          "Ask for the afnemer's subscribers: alles, a BSN list (bsn-lijst) or the mutations since an instant (mutatiebasis); answered asynchronously",
        description:
          `XML: ${ROOT_AANVRAAG} in ${NS_AANVRAAG}, children unqualified: BerichtLeverancier/OIN, VerzoekId (optional; generated when absent), then nothing (alles), ` +
          `a BSNLijst of 1-${cfg.maxBsns} BSN elements (bsn-lijst) or a MutatieDatum instant (mutatiebasis). JSON: the object below. ` +
          `Processed in the night window ${cfg.night.from}-${cfg.night.to} (sim time, Europe/Amsterdam), at most ${cfg.perNight.alles} alles / ${cfg.perNight['bsn-lijst']} bsn-lijst / ` +
          `${cfg.perNight.mutatiebasis} mutatiebasis per night; outside the night: ${cfg.outsideWindow}, over the quota: ${cfg.overQuota} (queue: accepted for a later night, ` +
          `the lead time may then exceed the ${SUBSCRIPTION_LEAD_TIME.limit / 3600} h norm; refuse: 429 with Retry-After). Answer 202 with the planned instants. ` +
          'Re-sending the same VerzoekId with the same content returns the same receipt; with other content 409.',
        tags: ['abonnementservice'],
        consumes: ['application/xml', 'text/xml', 'application/json'],
        headers: oinHeader,
        body: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: [...KINDS] },
            oin: {
              type: 'string',
              pattern: `^\\d{${OIN_DIGITS.max}}$`,
              description: 'BerichtLeverancier/OIN: must equal X-Afnemer-OIN',
            },
            verzoekId: {
              type: 'string',
              pattern: '^[A-Za-z0-9][A-Za-z0-9._~:-]{0,99}$',
              description: 'Optional; generated (a GUID) when absent',
            },
            bsns: {
              type: 'array',
              maxItems: cfg.maxBsns,
              items: { type: 'string', pattern: '^\\d{9}$' },
              description: 'bsn-lijst only: 1 to maxBsns BSNs (elfproef)',
            },
            sinds: {
              type: 'string',
              format: 'date-time',
              description: 'mutatiebasis only: ISO 8601 instant with zone, not in the future',
            },
          },
          required: ['type', 'oin'],
          additionalProperties: false,
        },
        ...postAnswers(cfg.maxBsns),
        response: {
          202: {
            description:
              'Accepted; the answer follows at expectedReadyAt (sim time). XML (AbonnementVerzoekStatus) when Accept asks for it.',
            type: 'object',
            properties: {
              verzoekId: { type: 'string' },
              type: { type: 'string' },
              status: { type: 'string' },
              oin: { type: 'string' },
              acceptedAt: { type: 'string' },
              processingStartsAt: { type: 'string' },
              expectedReadyAt: { type: 'string' },
              expectedLeadTimeMs: { type: 'number' },
              withinNorm: { type: 'boolean' },
              deferred: { type: 'boolean' },
              statusUrl: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const afnemer = requireAfnemer(ctx, request);
      const now = clock.now();
      const checkCtx = { headerOin: afnemer.oin, now, maxBsns: cfg.maxBsns };
      const checked = XML_TYPES.includes(mediaType(request))
        ? parseXmlAanvraag(typeof request.body === 'string' ? request.body : '', checkCtx)
        : parseJsonAanvraag(request.body, checkCtx);
      if (!checked.ok) throw problemOf(checked.error);
      const submitted = shared
        ? await abonnementen.submitShared(checked.aanvraag, now)
        : abonnementen.submit(checked.aanvraag, now);
      if (!submitted.ok) return sendProblem(reply, submitted.def, submitted.detail, submitted.details);
      const v: VerzoekInfo = submitted.verzoek;
      reply.code(202).header('location', `/abonnementservice/v1/verzoeken/${encodeURIComponent(v.verzoekId)}`);
      return prefersXml(request) ? sendXml(reply, statusXml(v, 'accepted')) : reply.send(statusJson(v, 'accepted'));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/abonnementservice/v1/verzoeken/:id',
    {
      onRequest: identify,
      schema: {
        summary:
          'State of a subscription request: pending with its expected instant, or the answer (JSON; XML with Accept: application/xml; gzip with Accept-Encoding: gzip)',
        description:
          'Pending: status "pending", processingStartsAt, expectedReadyAt (sim time) and a Retry-After header. Ready: status "ready" and the answer read from the ' +
          "population at the start of processing (peilmoment): alles and bsn-lijst list the BSNs with an active box that want the afnemer's letters (bsn-lijst: " +
          'of the BSNs sent, each once); mutatiebasis lists per member whose state changed since `sinds` its latest state (actief | inactief) and when it changed. ' +
          "XML: AbonnementAntwoord (README.md of the mock). Answers are kept for retentionMs after they are ready; another afnemer's request is 404.",
        tags: ['abonnementservice'],
        produces: ['application/json', 'application/xml'],
        headers: oinHeader,
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', pattern: VERZOEK_ID_PATTERN, maxLength: 100, description: 'The VerzoekId' },
          },
          required: ['id'],
        },
        ...GET_ANSWERS,
      },
    },
    async (request, reply) => {
      const afnemer = requireAfnemer(ctx, request);
      const looked = shared
        ? await abonnementen.lookupShared(afnemer.oin, request.params.id, clock.now())
        : abonnementen.lookup(afnemer.oin, request.params.id, clock.now());
      const xml = prefersXml(request);
      if (!looked.ready) {
        reply.header('retry-after', String(looked.retryAfterS));
        return xml
          ? sendXml(reply, statusXml(looked.verzoek, 'pending'))
          : reply.send(statusJson(looked.verzoek, 'pending'));
      }
      const r = looked.result;
      const body = xml ? resultXml(r) : JSON.stringify(resultJson(r));
      reply
        .header('vary', 'accept-encoding')
        .type(xml ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8');
      if (acceptsGzip(request.headers['accept-encoding'])) {
        return reply.header('content-encoding', 'gzip').send(await gzip(Buffer.from(body, 'utf8')));
      }
      return reply.send(body);
    },
  );

  app.get(
    '/abonnementservice/v1/stats',
    {
      schema: {
        summary:
          'Abonnementservice figures per kind: accepted, refused, processed, pending, lead times against the 4 h norm, night quota used',
        tags: ['abonnementservice'],
        ...STATS_ANSWERS,
      },
    },
    async () => {
      return shared ? abonnementen.statsShared(clock.now()) : abonnementen.stats(clock.now());
    },
  );
}

function problemOf(e: AanvraagError): ProblemError {
  return new ProblemError(e.problem, e.detail, {
    field: e.field,
    rule: e.rule,
    ...(e.serviceCode !== undefined ? { serviceCode: e.serviceCode } : {}),
    ...(e.extra ? { extra: e.extra } : {}),
  });
}
