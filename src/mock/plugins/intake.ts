import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { dayKey, hourKey } from '../../clock/index.ts';
import { bucketOf, offeredInstant } from '../capacity/index.ts';
import { SENT_AT_HEADER, SENT_AT_HEADER_SCHEMA, sentAtOf } from '../sent-at.ts';
import {
  parseBerichtenJson,
  parseBerichtenXml,
  validateBatch,
  renderVerwerkResponseXml,
  verwerkResponseJson,
  BerichtenParseError,
  UnsafeXmlError,
  technischProbleemDraw,
  type RawBatch,
} from '../../berichten/index.ts';
import { VERWERKINGSBERICHT_REOFFER } from '../../norms/index.ts';
import { requireAfnemer } from '../afnemer-auth.ts';
import { prefersXml, sendXml } from '../negotiate.ts';
import { xmlTextParser } from '../body-text.ts';
import type { VerwerkingsberichtItem } from '../../store/store.ts';
import { answers, json } from '../openapi-document.ts';
import { BERICHTEN_REQUEST_BODY, GUID_SCHEMA, OIN_HEADER_SCHEMA } from '../openapi-schemas.ts';

const XML_TYPES = ['application/xml', 'text/xml'];
/** Verwerkingsberichten per page (an interface choice of the mock, not a norm). */
const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;
/** Ids one acknowledgement may carry: ten full pages. */
const ACK_MAX_IDS = 10 * PAGE_MAX;

const RECEIPT_SCHEMA = {
  description: 'The batch is committed (durably) and admitted; its verwerkingsbericht follows when it is processed',
  type: 'object',
  properties: {
    BatchID: { type: 'string' },
    status: { type: 'string' },
    attempt: { type: 'integer' },
    letters: { type: 'integer' },
    receivedAt: { type: 'string' },
    expectedParkedAt: { type: 'string' },
    expectedProcessedAt: { type: 'string' },
    parkingDelaySeconds: { type: 'number' },
    batchUrl: { type: 'string' },
  },
} as const;
const LOCATION = {
  202: { Location: { description: 'The batch: GET it for its state (batchUrl)', schema: { type: 'string' } } },
} as const;
const XML_DOC = {
  type: 'string',
  description: 'BerichtVerwerkResponse XML (GLOBEBatchResponse)',
  xml: { name: 'BerichtVerwerkResponse', namespace: 'http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01' },
} as const;
const COUNTS = {
  type: 'object',
  additionalProperties: { type: 'integer' },
  description: 'letters per VerwerkingsCode',
} as const;
const BATCH_STATE = {
  type: 'object',
  required: [
    'BatchID',
    'attempt',
    'letters',
    'receivedAt',
    'state',
    'parkedUntil',
    'expectedProcessedAt',
    'processedAt',
    'counts',
    'verwerkingsberichtId',
  ],
  properties: {
    BatchID: { type: 'string' },
    attempt: { type: 'integer' },
    letters: { type: 'integer' },
    receivedAt: { type: 'string', format: 'date-time' },
    state: { type: 'string', enum: ['wordt-geparkeerd', 'wordt-verwerkt', 'verwerkt'] },
    parkedUntil: { type: 'string', format: 'date-time' },
    expectedProcessedAt: { type: 'string', format: 'date-time' },
    processedAt: { type: 'string', format: 'date-time', nullable: true },
    counts: { ...COUNTS, nullable: true },
    verwerkingsberichtId: { type: 'integer', nullable: true },
  },
} as const;
const VERWERKINGSBERICHTEN = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'attempt', 'firstOfferedAt'],
        properties: {
          id: { type: 'integer' },
          attempt: { type: 'integer' },
          firstOfferedAt: { type: 'string', format: 'date-time' },
        },
        additionalProperties: true,
      },
    },
    nextCursor: { type: 'integer', nullable: true },
  },
} as const;
const iso = (t: number): string => new Date(t).toISOString();
/** Promised instants round up to the millisecond, so the promise is never early. */
const isoCeil = (t: number): string => new Date(Math.ceil(t)).toISOString();

export async function intakePlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const { config, clock, store, metrics } = ctx;
  const drawFault = technischProbleemDraw(config.seed, config.faults.technischProbleemRate);
  const parkIntervalMs = 1000 / config.capacity.parkedPerSecond;

  // XML bodies are parsed in the handler, where parse errors become precise problems.
  // Bytes are decoded as the document declares (src/xml): UTF-8, UTF-16 with a BOM, Latin-1 family.
  app.addContentTypeParser(
    XML_TYPES,
    { parseAs: 'buffer', bodyLimit: config.intake.bodyLimitBytes },
    xmlTextParser('XmlValidatieTegenXsdValtNegatiefUit'),
  );

  /** Refuse unknown afnemers before reading a possibly huge body. */
  const identify = async (request: FastifyRequest): Promise<void> => {
    requireAfnemer(ctx, request);
  };

  app.post(
    '/berichtenbox/afleveren',
    {
      onRequest: identify,
      bodyLimit: config.intake.bodyLimitBytes,
      schema: {
        summary: 'Deliver a batch of 1-1000 letters (Berichten XML or the same as JSON)',
        tags: ['intake'],
        // Not required by the schema: under TLS the client certificate names the afnemer (afnemer-auth.ts).
        headers: {
          type: 'object',
          properties: { 'x-afnemer-oin': OIN_HEADER_SCHEMA, [SENT_AT_HEADER]: SENT_AT_HEADER_SCHEMA },
        },
        response: { 202: RECEIPT_SCHEMA },
        // The body is parsed and validated in the handler (a letter's errors are its VerwerkingsCode, not a 400).
        ...answers({
          caller: 'afnemer',
          requestBody: BERICHTEN_REQUEST_BODY,
          headers: LOCATION,
          problems: ['BATCH_SIZE', 'BATCH_HEADER_INVALID', 'UNSAFE_XML', 'CAPACITY_HOUR', 'CAPACITY_DAY'],
        }),
      },
    },
    async (request, reply) => {
      const afnemer = requireAfnemer(ctx, request);
      const now = clock.now();
      const sentAt = sentAtOf(request.headers[SENT_AT_HEADER]);
      const raw = parseBody(request);
      const validation = validateBatch(raw, {
        now,
        headerOin: afnemer.oin,
        berichtTypes: afnemer.berichtTypes,
        population: ctx.population,
        futureSkewMs: config.intake.futureSkewMs,
      });
      if (!validation.ok) {
        metrics.batches.inc({ outcome: 'rejected' });
        throw new ProblemError(validation.problem, validation.detail, {
          field: validation.field,
          rule: validation.rule,
          ...(validation.serviceCode ? { serviceCode: validation.serviceCode } : {}),
        });
      }
      // Offered when the afnemer's generator sent it (as DigiD's minute): a batch held up on its way
      // in by a busy mock does not make the next window look busier (offeredInstant).
      await ctx.intakeOffered.tryAdmit(now, validation.outcomes.length, offeredInstant(now, sentAt, clock.speed));
      const result = await store.deliver({
        batchId: validation.header.batchId,
        afnemerOin: afnemer.oin,
        format: raw.format,
        receivedAt: now,
        aanmaakDatum: validation.header.aanmaakDatum,
        outcomes: validation.outcomes,
        admission: {
          hourKey: hourKey(now),
          hourLimit: config.capacity.messagesPerHour,
          dayKey: dayKey(now),
          dayLimit: config.capacity.messagesPerDay,
        },
        parkIntervalMs,
        processingDelayMs: config.intake.processingDelayMs,
        technischProbleem: drawFault,
        storeAttachmentContent: config.intake.storeAttachmentContent,
        dayKey: dayKey(now),
      });
      ctx.storage.wrote('batch');
      if (!result.admitted) {
        metrics.batches.inc({ outcome: `refused_${result.window}` });
        // Counted durably in the store (shared by instances, kept over a crash); the windows are the capacity model's.
        const reopens = bucketOf(result.window, now)?.reopensAt ?? now;
        const retryAfter = Math.max(1, Math.ceil(clock.toWallMs(reopens - now) / 1000));
        throw new ProblemError(
          result.window === 'hour' ? 'CAPACITY_HOUR' : 'CAPACITY_DAY',
          `intake capacity of ${result.limit} letters per ${result.window} reached (${result.used} admitted); the batch of ${validation.outcomes.length} was refused whole, nothing was stored — offer it again after ${iso(reopens)} (sim time)`,
          {
            retryAfter,
            serviceCode: 'TechnischProbleem',
            extra: { window: result.window, used: result.used, limit: result.limit, reopensAt: iso(reopens) },
          },
        );
      }
      metrics.batches.inc({ outcome: 'admitted' });
      for (const o of result.outcomes) metrics.letters.inc({ code: o.code });
      const receipt = {
        BatchID: validation.header.batchId,
        status: 'geaccepteerd',
        attempt: result.attempt,
        letters: result.outcomes.length,
        receivedAt: iso(now),
        expectedParkedAt: isoCeil(result.parkEnd),
        expectedProcessedAt: isoCeil(result.processAt),
        parkingDelaySeconds: Math.round(result.parkEnd - now) / 1000,
        batchUrl: `/berichtenbox/batches/${validation.header.batchId}`,
      };
      return reply.code(202).header('location', receipt.batchUrl).send(receipt);
    },
  );

  app.get<{ Params: { batchId: string } }>(
    '/berichtenbox/batches/:batchId',
    {
      onRequest: identify,
      schema: {
        summary:
          'State of the latest delivery of a batch (JSON), or its BerichtVerwerkResponse (Accept: application/xml; 406 until it is processed)',
        tags: ['intake'],
        params: { type: 'object', properties: { batchId: { ...GUID_SCHEMA, maxLength: 36 } }, required: ['batchId'] },
        headers: { type: 'object', properties: { 'x-afnemer-oin': OIN_HEADER_SCHEMA } },
        ...answers({
          caller: 'afnemer',
          problems: ['NOT_FOUND', 'NOT_ACCEPTABLE'],
          ok: {
            200: {
              description:
                'The state of the latest delivery (JSON), or its BerichtVerwerkResponse (Accept: application/xml)',
              content: { 'application/json': { schema: BATCH_STATE }, 'application/xml': { schema: XML_DOC } },
            },
          },
        }),
      },
    },
    async (request, reply) => {
      const afnemer = requireAfnemer(ctx, request);
      const d = await store.getDelivery(request.params.batchId.toLowerCase(), afnemer.oin);
      if (!d)
        throw new ProblemError('NOT_FOUND', `no batch ${request.params.batchId} delivered by ${afnemer.oin}`, {
          field: 'batchId',
        });
      const processed = d.processedAt !== undefined;
      if (prefersXml(request)) {
        // The real shape: the batch's BerichtVerwerkResponse, as the verwerkingsbericht carries it.
        const response = await store.verwerkResponseOf(d);
        if (!response) {
          throw new ProblemError(
            'NOT_ACCEPTABLE',
            `batch ${d.batchId} (attempt ${d.attempt}) has no BerichtVerwerkResponse yet: it is ${clock.now() < d.parkEnd ? 'being parked' : 'being processed'}, expected at ${isoCeil(d.processAt)} (sim time); ask again then, or with Accept: application/json for its state`,
            {
              field: 'Accept',
              rule: 'application/xml once the batch is processed; application/json any time',
              extra: {
                state: clock.now() < d.parkEnd ? 'wordt-geparkeerd' : 'wordt-verwerkt',
                expectedProcessedAt: isoCeil(d.processAt),
              },
            },
          );
        }
        return sendXml(reply, renderVerwerkResponseXml(response));
      }
      return {
        BatchID: d.batchId,
        attempt: d.attempt,
        letters: d.letters,
        receivedAt: iso(d.receivedAt),
        state: processed ? 'verwerkt' : clock.now() < d.parkEnd ? 'wordt-geparkeerd' : 'wordt-verwerkt',
        parkedUntil: isoCeil(d.parkEnd),
        expectedProcessedAt: isoCeil(d.processAt),
        processedAt: processed ? iso(d.processedAt) : null,
        // Like the real service, the codes are known to the afnemer only once the batch is processed.
        counts: processed ? d.counts : null,
        verwerkingsberichtId: d.verwerkingsberichtId ?? null,
      };
    },
  );

  app.get<{ Querystring: { after?: number; limit?: number } }>(
    '/berichtenbox/verwerkingsberichten',
    {
      onRequest: identify,
      schema: {
        summary:
          'Pending verwerkingsberichten (BerichtVerwerkResponse) of the afnemer, re-offered until acknowledged, for 6 days',
        tags: ['intake'],
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
            limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT },
          },
          additionalProperties: false,
        },
        headers: { type: 'object', properties: { 'x-afnemer-oin': OIN_HEADER_SCHEMA } },
        ...answers({
          caller: 'afnemer',
          ok: {
            200: {
              description:
                'A page of pending verwerkingsberichten (JSON, or XML Verwerkingsberichten with Accept: application/xml)',
              headers: {
                Link: {
                  description: 'RFC 8288: the next page, rel="next", when there is one',
                  schema: { type: 'string' },
                },
              },
              content: {
                'application/json': { schema: VERWERKINGSBERICHTEN },
                'application/xml': { schema: { type: 'string', xml: { name: 'Verwerkingsberichten' } } },
              },
            },
          },
        }),
      },
    },
    async (request, reply) => {
      const afnemer = requireAfnemer(ctx, request);
      await ctx.processDue();
      const page = await store.listVerwerkingsberichten({
        afnemerOin: afnemer.oin,
        now: clock.now(),
        limit: request.query.limit ?? PAGE_DEFAULT,
        reofferMs: VERWERKINGSBERICHT_REOFFER.limit * 1000,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
      });
      if (page.nextCursor !== undefined) {
        // RFC 8288 Link for pollers that read only headers (the XML list also has next="…", JSON nextCursor).
        reply.header(
          'link',
          `</berichtenbox/verwerkingsberichten?after=${page.nextCursor}&limit=${request.query.limit ?? PAGE_DEFAULT}>; rel="next"`,
        );
      }
      if (prefersXml(request)) {
        const inner = page.items
          .map(
            (i) =>
              `<Verwerkingsbericht id="${i.id}" attempt="${i.attempt}">${stripXmlDecl(renderVerwerkResponseXml(i.response))}</Verwerkingsbericht>`,
          )
          .join('');
        const next = page.nextCursor !== undefined ? ` next="${page.nextCursor}"` : '';
        return sendXml(
          reply,
          `<?xml version="1.0" encoding="UTF-8"?><Verwerkingsberichten${next}>${inner}</Verwerkingsberichten>`,
        );
      }
      return { items: page.items.map(itemJson), nextCursor: page.nextCursor ?? null };
    },
  );

  app.post<{ Body: { ids: number[] } }>(
    '/berichtenbox/verwerkingsberichten/ack',
    {
      onRequest: identify,
      schema: {
        summary: 'Acknowledge verwerkingsberichten so they are no longer offered',
        tags: ['intake'],
        body: {
          type: 'object',
          properties: {
            ids: {
              type: 'array',
              items: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
              minItems: 1,
              maxItems: ACK_MAX_IDS,
            },
          },
          required: ['ids'],
          additionalProperties: false,
        },
        headers: { type: 'object', properties: { 'x-afnemer-oin': OIN_HEADER_SCHEMA } },
        ...answers({
          caller: 'afnemer',
          ok: {
            200: json('The ids acknowledged now (ids of another afnemer, or unknown, are not)', {
              type: 'object',
              required: ['acknowledged'],
              properties: {
                acknowledged: { type: 'array', items: { type: 'integer' }, description: 'the ids acknowledged now' },
              },
            }),
          },
        }),
      },
    },
    async (request) => {
      const afnemer = requireAfnemer(ctx, request);
      const acknowledged = await store.acknowledgeVerwerkingsberichten(afnemer.oin, request.body.ids, clock.now());
      return { acknowledged };
    },
  );
}

function itemJson(i: VerwerkingsberichtItem): object {
  return { id: i.id, attempt: i.attempt, firstOfferedAt: iso(i.firstOfferedAt), ...verwerkResponseJson(i.response) };
}

function stripXmlDecl(xml: string): string {
  return xml.replace(/^<\?xml[^?]*\?>\s*/, '');
}

function parseBody(request: FastifyRequest): RawBatch {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  try {
    if (XML_TYPES.includes(type)) return parseBerichtenXml(request.body as string);
    return parseBerichtenJson(request.body);
  } catch (err) {
    if (err instanceof UnsafeXmlError)
      throw new ProblemError('UNSAFE_XML', err.message, {
        rule: 'no DOCTYPE or ENTITY',
        serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
      });
    if (err instanceof BerichtenParseError)
      throw new ProblemError('MALFORMED_BODY', err.message, {
        rule: type.includes('xml') ? 'well-formed Berichten XML' : 'Berichten JSON',
        serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
      });
    throw err;
  }
}
