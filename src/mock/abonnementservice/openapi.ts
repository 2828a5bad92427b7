/** What the Abonnementservice routes answer, for /openapi.json (openapi-document.ts). */
import { answers, json } from '../openapi-document.ts';
import { BSN_SCHEMA, OIN_SCHEMA } from '../openapi-schemas.ts';
import { NS_AANVRAAG, ROOT_AANVRAAG } from './aanvraag.ts';

/** A VerzoekId (as the JSON body and the path take it). */
export const VERZOEK_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._~:-]{0,99}$';

const unqualified = (schema: object): object => ({ ...schema, xml: { namespace: '' } });

/** The JSON request, one shape per kind (the handler checks it and names the field). */
function jsonAanvraag(maxBsns: number): object {
  const common = {
    oin: { ...OIN_SCHEMA, description: 'BerichtLeverancier/OIN: must equal X-Afnemer-OIN' },
    verzoekId: { type: 'string', pattern: VERZOEK_ID_PATTERN, description: 'Optional; generated (a GUID) when absent' },
  };
  return {
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'oin'],
        properties: { type: { type: 'string', enum: ['alles'] }, ...common },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'oin', 'bsns'],
        properties: {
          type: { type: 'string', enum: ['bsn-lijst'] },
          ...common,
          bsns: { type: 'array', minItems: 1, maxItems: maxBsns, items: BSN_SCHEMA },
        },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'oin', 'sinds'],
        properties: {
          type: { type: 'string', enum: ['mutatiebasis'] },
          ...common,
          sinds: {
            type: 'string',
            format: 'date-time',
            description: 'ISO 8601 instant with zone, not in the future (sim clock)',
          },
        },
      },
    ],
    example: { type: 'bsn-lijst', oin: '00000001003214345000', bsns: ['111222333'] },
  };
}

/** AbonnementAanvraag: root in NS_AANVRAAG, children unqualified. */
function xmlAanvraag(maxBsns: number): object {
  return {
    type: 'object',
    required: ['BerichtLeverancier'],
    xml: { name: ROOT_AANVRAAG, namespace: NS_AANVRAAG, prefix: 'ab' },
    description: 'Then nothing (alles), a BSNLijst (bsn-lijst) or a MutatieDatum (mutatiebasis)',
    properties: {
      BerichtLeverancier: unqualified({
        type: 'object',
        required: ['OIN'],
        properties: { OIN: unqualified(OIN_SCHEMA) },
      }),
      VerzoekId: unqualified({ type: 'string', pattern: VERZOEK_ID_PATTERN }),
      BSNLijst: unqualified({
        type: 'object',
        required: ['BSN'],
        properties: {
          BSN: unqualified({ type: 'array', minItems: 1, maxItems: maxBsns, items: unqualified(BSN_SCHEMA) }),
        },
      }),
      MutatieDatum: unqualified({ type: 'string', format: 'date-time' }),
    },
  };
}

const LOCATION = {
  Location: { description: 'The request: GET it for its state and answer (statusUrl)', schema: { type: 'string' } },
} as const;
const RETRY_AFTER = {
  'Retry-After': { description: 'Wall seconds until the answer is expected', schema: { type: 'integer', minimum: 1 } },
} as const;

export function postAnswers(maxBsns: number): ReturnType<typeof answers> {
  const x = xmlAanvraag(maxBsns);
  return answers({
    caller: 'afnemer',
    problems: [
      'INVALID_BSN',
      'UNSAFE_XML',
      'SUBSCRIPTION_NIGHT_QUOTA',
      'SUBSCRIPTION_OUTSIDE_NIGHT',
      'SUBSCRIPTION_BACKLOG_FULL',
      'SUBSCRIPTION_DUPLICATE_VERZOEK',
      'CAPACITY',
    ],
    requestBody: {
      content: {
        'application/xml': { schema: x },
        'text/xml': { schema: x },
        'application/json': { schema: jsonAanvraag(maxBsns) },
      },
    },
    headers: { 202: LOCATION },
  });
}

const STATUS = {
  type: 'object',
  required: ['verzoekId', 'type', 'status'],
  additionalProperties: true,
  properties: {
    verzoekId: { type: 'string' },
    type: { type: 'string', enum: ['alles', 'bsn-lijst', 'mutatiebasis'] },
    status: { type: 'string', enum: ['accepted', 'pending', 'ready'] },
  },
} as const;

export const GET_ANSWERS = answers({
  caller: 'afnemer',
  problems: ['NOT_FOUND'],
  ok: {
    200: {
      description:
        'Pending (status "pending", with Retry-After) or the answer (status "ready"; gzip with Accept-Encoding: gzip); XML with Accept: application/xml',
      headers: RETRY_AFTER,
      content: {
        'application/json': { schema: STATUS },
        'application/xml': { schema: { type: 'string', xml: { name: 'AbonnementAntwoord', namespace: NS_AANVRAAG } } },
      },
    },
  },
});

export const STATS_ANSWERS = answers({
  ok: {
    200: json('Per kind: accepted, refused, processed, pending, lead times, night quota used', {
      type: 'object',
      required: ['now', 'night', 'kinds'],
      additionalProperties: true,
      properties: {
        now: { type: 'string' },
        night: { type: 'object', additionalProperties: true },
        kinds: { type: 'object', additionalProperties: true },
      },
    }),
  },
});
