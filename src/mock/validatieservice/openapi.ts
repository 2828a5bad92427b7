/** What the Validatieservice routes answer, for /openapi.json (openapi-document.ts). */
import { BERICHTTYPE_CHARS, VALIDATION_KLANTEN } from '../../norms/index.ts';
import { answers } from '../openapi-document.ts';
import { BSN_SCHEMA, OIN_SCHEMA } from '../openapi-schemas.ts';
import { ROL_BURGER } from './query.ts';
import { NS_SERVICE, NS_SOAP11, NS_TYPES, OPERATION } from './soap.ts';

const types = (schema: object): object => ({ ...schema, xml: { namespace: NS_TYPES } });

/** The SOAP 1.1 request: Envelope / Body / ValidateAbonnementen / request / … (matched on namespace and local name). */
const ENVELOPE = {
  type: 'object',
  required: ['Body'],
  xml: { name: 'Envelope', namespace: NS_SOAP11, prefix: 's' },
  properties: {
    Body: {
      type: 'object',
      required: [OPERATION],
      xml: { namespace: NS_SOAP11, prefix: 's' },
      properties: {
        [OPERATION]: {
          type: 'object',
          required: ['request'],
          xml: { namespace: NS_SERVICE },
          properties: {
            request: {
              type: 'object',
              required: ['berichtleverancierCode', 'berichtTypeCode', 'Klanten'],
              xml: { namespace: NS_SERVICE },
              properties: {
                berichtleverancierCode: types(OIN_SCHEMA),
                berichtTypeCode: types({
                  type: 'string',
                  minLength: BERICHTTYPE_CHARS.min ?? 1,
                  maxLength: BERICHTTYPE_CHARS.max,
                }),
                Klanten: types({
                  type: 'object',
                  required: ['Klant'],
                  properties: {
                    Klant: types({
                      type: 'array',
                      minItems: VALIDATION_KLANTEN.min ?? 1,
                      maxItems: VALIDATION_KLANTEN.max,
                      items: types({
                        type: 'object',
                        required: ['Key', 'Rol'],
                        properties: { Key: types(BSN_SCHEMA), Rol: types({ type: 'string', enum: [ROL_BURGER] }) },
                      }),
                    }),
                  },
                }),
              },
            },
          },
        },
      },
    },
  },
} as const;

const SOAP = (
  description: string,
  name: string,
): { description: string; content: Record<string, { schema: object }> } => ({
  description,
  content: { 'text/xml': { schema: { type: 'string', xml: { name, namespace: NS_SOAP11 } } } },
});

export const SOAP_ANSWERS = answers({
  caller: 'caller-oin',
  soapFaults: true,
  problems: ['INVALID_BSN', 'INVALID_OIN', 'UNKNOWN_AFNEMER', 'CAPACITY'],
  requestBody: {
    description: `SOAP 1.1 Envelope holding ${OPERATION}`,
    content: { 'text/xml': { schema: ENVELOPE }, 'application/xml': { schema: ENVELOPE } },
  },
  ok: { 200: SOAP(`${OPERATION}Response / ${OPERATION}Result / Klanten / Klant (Key, isBerichtSturen)`, 'Envelope') },
});

export const JSON_ANSWERS = answers({
  caller: 'caller-oin',
  problems: ['INVALID_BSN', 'INVALID_OIN', 'UNKNOWN_AFNEMER', 'CAPACITY'],
});
