/**
 * The DigiD Machtigen mock: POST /machtigen/v1/bevoegdheid asks whether a representative
 * (vertegenwoordiger, a BSN) is authorised for a service (dienst) on behalf of a person (BSN) or a
 * company (KvK number). Answers follow the synthetic population deterministically (decide.ts).
 * One capacity model: MACHTIGEN_TRANSACTIONS_PER_MINUTE per sim minute (over it 503 + Retry-After),
 * then concurrency, queue and drawn service times. GET /machtigen/v1/stats reports the
 * "processed on average within 4 s, for 99.5 %" reading per sim minute.
 *
 * Bad input is refused with 400 problem+json naming the field, before admission (it does not use
 * up the minute's capacity).
 */
import type { FastifyInstance } from 'fastify';
import { ProblemError, type ProblemName } from '../../errors/catalogue.ts';
import { MACHTIGEN_PROCESSING_TIME, MACHTIGEN_TRANSACTIONS_PER_MINUTE, OIN_DIGITS } from '../../norms/index.ts';
import { isNineDigits, isValidBsn } from '../../population/index.ts';
import { CapacityModel, serviceStatsResponse } from '../capacity/index.ts';
import { machtigingDecider, type Vertegenwoordigde } from './decide.ts';
import { CodedError, ERROR_CODES } from '../../errors/error-codes.ts';
import { answers } from '../openapi-document.ts';
import { BSN_SCHEMA as BSN_DOC } from '../openapi-schemas.ts';

const SERVICE = MACHTIGEN_TRANSACTIONS_PER_MINUTE.service;
const KVK_PATTERN = /^\d{8}$/;
const OIN_PATTERN = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);
const FIELDS: ReadonlySet<string> = new Set(['vertegenwoordiger', 'vertegenwoordigde', 'dienst', 'afnemer']);

/** The route schemas document the interface (OpenAPI); the handler validates, so that every error names its field. */
const documentationOnly = (): (() => boolean) => () => true;

export interface BevoegdheidVraag {
  readonly vertegenwoordiger: string;
  readonly vertegenwoordigde: Vertegenwoordigde;
  readonly dienst: string;
  readonly afnemer?: string;
}

class Invalid extends CodedError {
  readonly code = ERROR_CODES.MACHTIGEN_INVALID;
  constructor(
    readonly problem: ProblemName,
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function show(v: string): string {
  return v.length > 40 ? `'${v.slice(0, 40)}…'` : `'${v}'`;
}

function bsnField(v: unknown, field: string): string {
  if (v === undefined)
    throw new Invalid('INVALID_REQUEST', field, 'required', `${field} is required: a BSN (9 digits, elfproef)`);
  if (typeof v !== 'string')
    throw new Invalid('INVALID_REQUEST', field, 'string', `${field} must be a string of 9 digits, got ${describe(v)}`);
  if (!isNineDigits(v))
    throw new Invalid(
      'INVALID_BSN',
      field,
      'BSN: 9 digits',
      `${field} ${show(v)} is not a BSN: a BSN is exactly 9 digits`,
    );
  if (!isValidBsn(v))
    throw new Invalid('INVALID_BSN', field, 'BSN: elfproef', `${field} ${show(v)} is not a BSN: it fails the elfproef`);
  return v;
}

/** Validates a bevoegdheid request; throws Invalid naming the first bad field. */
export function parseBevoegdheidVraag(body: unknown): BevoegdheidVraag {
  if (!isRecord(body))
    throw new Invalid(
      'INVALID_REQUEST',
      'body',
      'JSON object',
      `the body must be a JSON object { vertegenwoordiger, vertegenwoordigde: { bsn } | { kvk }, dienst, afnemer? }, got ${describe(body)}`,
    );
  for (const k of Object.keys(body)) {
    if (!FIELDS.has(k))
      throw new Invalid(
        'INVALID_REQUEST',
        k.slice(0, 40),
        'known field',
        `unknown field ${show(k)}; the fields are vertegenwoordiger, vertegenwoordigde, dienst and afnemer`,
      );
  }
  const vertegenwoordiger = bsnField(body['vertegenwoordiger'], 'vertegenwoordiger');
  const vv = body['vertegenwoordigde'];
  if (vv === undefined)
    throw new Invalid(
      'INVALID_REQUEST',
      'vertegenwoordigde',
      'required',
      'vertegenwoordigde is required: { bsn } for a person or { kvk } for a company',
    );
  if (!isRecord(vv))
    throw new Invalid(
      'INVALID_REQUEST',
      'vertegenwoordigde',
      'JSON object',
      `vertegenwoordigde must be an object { bsn } or { kvk }, got ${describe(vv)}`,
    );
  for (const k of Object.keys(vv)) {
    if (k !== 'bsn' && k !== 'kvk')
      throw new Invalid(
        'INVALID_REQUEST',
        `vertegenwoordigde.${k.slice(0, 40)}`,
        'bsn or kvk',
        `unknown field ${show(k)} in vertegenwoordigde; it holds either bsn or kvk`,
      );
  }
  const hasBsn = vv['bsn'] !== undefined;
  const hasKvk = vv['kvk'] !== undefined;
  if (hasBsn === hasKvk) {
    throw new Invalid(
      'INVALID_REQUEST',
      'vertegenwoordigde',
      'exactly one of bsn, kvk',
      `vertegenwoordigde must hold exactly one of bsn (a person) or kvk (a company), ${hasBsn ? 'not both' : 'found neither'}`,
    );
  }
  let vertegenwoordigde: Vertegenwoordigde;
  if (hasBsn) {
    const bsn = bsnField(vv['bsn'], 'vertegenwoordigde.bsn');
    if (bsn === vertegenwoordiger)
      throw new Invalid(
        'INVALID_REQUEST',
        'vertegenwoordigde.bsn',
        'differs from vertegenwoordiger',
        'vertegenwoordigde.bsn equals vertegenwoordiger: nobody needs a machtiging to act for themselves',
      );
    vertegenwoordigde = { bsn };
  } else {
    const kvk = vv['kvk'];
    if (typeof kvk !== 'string')
      throw new Invalid(
        'INVALID_REQUEST',
        'vertegenwoordigde.kvk',
        'string',
        `vertegenwoordigde.kvk must be a string of 8 digits, got ${describe(kvk)}`,
      );
    if (!KVK_PATTERN.test(kvk))
      throw new Invalid(
        'INVALID_REQUEST',
        'vertegenwoordigde.kvk',
        'KvK number: 8 digits',
        `vertegenwoordigde.kvk ${show(kvk)} is not a KvK number: it has exactly 8 digits`,
      );
    vertegenwoordigde = { kvk };
  }
  const dienst = body['dienst'];
  if (dienst === undefined)
    throw new Invalid(
      'INVALID_REQUEST',
      'dienst',
      'required',
      'dienst is required: the service the representative wants to use',
    );
  if (typeof dienst !== 'string')
    throw new Invalid('INVALID_REQUEST', 'dienst', 'string', `dienst must be a string, got ${describe(dienst)}`);
  if (dienst.trim() === '') throw new Invalid('INVALID_REQUEST', 'dienst', 'not empty', 'dienst must not be empty');
  const afnemer = body['afnemer'];
  if (afnemer === undefined) return { vertegenwoordiger, vertegenwoordigde, dienst };
  if (typeof afnemer !== 'string' || !OIN_PATTERN.test(afnemer)) {
    throw new Invalid(
      'INVALID_OIN',
      'afnemer',
      `${OIN_DIGITS.max} digits (OIN)`,
      `afnemer ${typeof afnemer === 'string' ? show(afnemer) : `(${describe(afnemer)})`} is not a ${OIN_DIGITS.max}-digit OIN`,
    );
  }
  return { vertegenwoordiger, vertegenwoordigde, dienst, afnemer };
}

export async function machtigenPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const cfg = ctx.config.machtigen;
  const { clock } = ctx;
  const normMs = MACHTIGEN_PROCESSING_TIME.limit;
  const decide = machtigingDecider(ctx.config.seed, cfg.authorisedShare);

  const model = new CapacityModel({
    service: SERVICE,
    limits: [{ window: 'minute', limit: cfg.perMinute, normId: MACHTIGEN_TRANSACTIONS_PER_MINUTE.id }],
    concurrency: cfg.concurrency,
    maxQueue: cfg.maxQueue,
    serviceTime: cfg.serviceTime,
    seed: ctx.config.seed,
    clock,
    metrics: ctx.serviceMetrics,
    shared: ctx.store.windows,
    minuteNormMs: normMs,
  });
  app.addHook('onClose', async () => model.close());

  const stats = { transactions: 0, invalid: 0, bevoegd: 0 };

  const BSN_SCHEMA = BSN_DOC;
  const VERTEGENWOORDIGDE_SCHEMA = {
    type: 'object',
    description: 'The represented person ({ bsn }) or company ({ kvk }, 8 digits)',
    oneOf: [
      { type: 'object', properties: { bsn: BSN_SCHEMA }, required: ['bsn'], additionalProperties: false },
      {
        type: 'object',
        properties: { kvk: { type: 'string', pattern: '^\\d{8}$' } },
        required: ['kvk'],
        additionalProperties: false,
      },
    ],
  } as const;

  app.post(
    '/machtigen/v1/bevoegdheid',
    {
      bodyLimit: cfg.bodyLimitBytes,
      validatorCompiler: documentationOnly,
      schema: {
        summary:
          'DigiD Machtigen: is this representative authorised for this service on behalf of this person or company?',
        description:
          `One transaction against the Machtigen capacity (${MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit} per minute by default; over it 503 with Retry-After). ` +
          'The answer follows the synthetic population: a seeded hash of (seed, vertegenwoordiger, vertegenwoordigde, dienst) under machtigen.authorisedShare.',
        tags: ['machtigen'],
        body: {
          type: 'object',
          properties: {
            vertegenwoordiger: BSN_SCHEMA,
            vertegenwoordigde: VERTEGENWOORDIGDE_SCHEMA,
            dienst: {
              type: 'string',
              minLength: 1,
              pattern: '\\S',
              description: 'The service the representative wants to use (not only white space)',
            },
            afnemer: {
              type: 'string',
              pattern: `^\\d{${OIN_DIGITS.max}}$`,
              description:
                'Optional: the OIN of the service provider (a connected afnemer); echoed, it does not change the answer',
            },
          },
          required: ['vertegenwoordiger', 'vertegenwoordigde', 'dienst'],
          additionalProperties: false,
          example: {
            vertegenwoordiger: '111222333',
            vertegenwoordigde: { kvk: '12345678' },
            dienst: 'aangifte-inkomstenbelasting',
          },
        },
        ...answers({ problems: ['INVALID_BSN', 'INVALID_OIN', 'UNKNOWN_AFNEMER', 'CAPACITY'] }),
        response: {
          200: {
            type: 'object',
            properties: {
              bevoegd: { type: 'boolean' },
              machtigingId: { type: 'string', description: 'Present when bevoegd; stable for the same question' },
              vertegenwoordiger: { type: 'string' },
              vertegenwoordigde: { type: 'object', properties: { bsn: { type: 'string' }, kvk: { type: 'string' } } },
              dienst: { type: 'string' },
              afnemer: { type: 'string' },
            },
            required: ['bevoegd', 'vertegenwoordiger', 'vertegenwoordigde', 'dienst'],
          },
        },
      },
    },
    async (request) => {
      let vraag: BevoegdheidVraag;
      try {
        vraag = parseBevoegdheidVraag(request.body);
        if (vraag.afnemer !== undefined && !ctx.afnemers.has(vraag.afnemer)) {
          throw new Invalid(
            'UNKNOWN_AFNEMER',
            'afnemer',
            'connected afnemer',
            `afnemer ${vraag.afnemer} is not a connected afnemer of this mock; add it under 'afnemers' in the config`,
          );
        }
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        stats.invalid += 1;
        throw new ProblemError(err.problem, err.message, { field: err.field, rule: err.rule });
      }
      const handled = await model.handle(
        () => decide(vraag.vertegenwoordiger, vraag.vertegenwoordigde, vraag.dienst),
        1,
      );
      if (!handled.ok) {
        throw new ProblemError('CAPACITY', handled.detail, {
          retryAfter: handled.retryAfterS,
          extra:
            handled.reason === 'limit'
              ? { reason: handled.reason, window: handled.window, used: handled.used, limit: handled.limit }
              : { reason: handled.reason },
        });
      }
      stats.transactions += 1;
      if (handled.value.bevoegd) stats.bevoegd += 1;
      return {
        bevoegd: handled.value.bevoegd,
        ...(handled.value.machtigingId !== undefined ? { machtigingId: handled.value.machtigingId } : {}),
        vertegenwoordiger: vraag.vertegenwoordiger,
        vertegenwoordigde: vraag.vertegenwoordigde,
        dienst: vraag.dienst,
        ...(vraag.afnemer !== undefined ? { afnemer: vraag.afnemer } : {}),
      };
    },
  );

  app.get(
    '/machtigen/v1/stats',
    {
      schema: serviceStatsResponse(
        'DigiD Machtigen figures: transactions, refusals, mean processing time and the share of sim minutes within the 4 s norm, capacity used this minute',
        'machtigen',
      ),
    },
    async () => {
      const capacity = model.stats();
      const attainment = MACHTIGEN_PROCESSING_TIME.attainment ?? 100;
      const within = capacity.minutes.withinNormPercent ?? 100;
      return {
        service: SERVICE,
        capacity,
        transactions: stats.transactions,
        bevoegd: stats.bevoegd,
        nietBevoegd: stats.transactions - stats.bevoegd,
        invalid: stats.invalid,
        processingNorm: {
          id: MACHTIGEN_PROCESSING_TIME.id,
          limitMs: normMs,
          attainmentPercent: attainment,
          holds: within >= attainment,
        },
      };
    },
  );
}
