/**
 * Request schema pieces the routes share, as exact as the service checks them, for `/openapi.json`
 * and for Fastify's validation where a route validates with its schema. Documentation-only parts
 * (what a handler checks itself, naming the field with the real service's code) say so.
 */
import { NS_BATCH, NS_BERICHT } from '../berichten/index.ts';
import {
  BATCH_LETTERS,
  BERICHTTEKST_CHARS,
  BERICHTTYPE_CHARS,
  BIJLAGEN_PER_LETTER,
  LEVERANCIER_ID_CHARS,
  OIN_DIGITS,
  OMSCHRIJVING_CHARS,
  ONDERWERP_CHARS,
  REFERENTIE_CHARS,
} from '../norms/index.ts';

/**
 * The format name of a BSN in the document: 9 digits (the pattern) passing the elfproef, which no
 * pattern can say. Fastify's Ajv knows it as the 9 digits only (app.ts): the handlers check the
 * elfproef and answer BBSIM_INVALID_BSN naming the field, as the real services do.
 */
export const BSN_FORMAT = 'bsn';

export const BSN_SCHEMA = {
  type: 'string',
  pattern: '^\\d{9}$',
  format: BSN_FORMAT,
  example: '111222333',
  description:
    'BSN: 9 digits that pass the elfproef (9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11); one that fails it is 400 BBSIM_INVALID_BSN',
} as const;

export const OIN_SCHEMA = {
  type: 'string',
  pattern: `^\\d{${OIN_DIGITS.max}}$`,
  example: '00000001003214345000',
  description: `OIN: the ${OIN_DIGITS.max}-digit Organisatie-identificatienummer`,
} as const;

const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const GUID_SCHEMA = {
  type: 'string',
  pattern: GUID_PATTERN,
  example: 'be9a7e5e-036b-4f17-b197-65c09b2facb6',
  description: 'GUID (8-4-4-4-12 hex digits)',
} as const;

/** The X-Afnemer-OIN header (not required by the schema: under TLS the client certificate names the afnemer). */
export const OIN_HEADER_SCHEMA = {
  ...OIN_SCHEMA,
  description:
    "The afnemer's 20-digit OIN (stands for the OIN in the CPA; required without TLS, else 401; under TLS the certificate's OIN, and it must agree)",
} as const;

const DATE_TIME = { type: 'string', format: 'date-time', description: 'xs:dateTime in Zulu time' } as const;

const BATCH_INFORMATIE = {
  type: 'object',
  additionalProperties: false,
  required: ['BatchID', 'AanmaakDatum', 'BerichtLeverancierID'],
  description:
    'The batch header; a header that fails these rules refuses the whole batch (400 BBSIM_BATCH_HEADER_INVALID). AanmaakDatum may not be in the future (sim clock).',
  properties: {
    BatchID: GUID_SCHEMA,
    AanmaakDatum: DATE_TIME,
    BerichtLeverancierID: {
      type: 'string',
      minLength: LEVERANCIER_ID_CHARS.min ?? 1,
      maxLength: LEVERANCIER_ID_CHARS.max,
      description: "the afnemer's OIN (the XSD allows 1-25 characters); must equal X-Afnemer-OIN",
    },
  },
  xml: { namespace: NS_BATCH },
} as const;

const BIJLAGE = {
  type: 'object',
  additionalProperties: false,
  required: ['Inhoud', 'BijlageType', 'Omschrijving', 'Volgorde'],
  properties: {
    Inhoud: {
      type: 'string',
      format: 'byte',
      description:
        "the PDF, base64; a letter's attachments together at most 500,000 bytes before base64 (else BijlageTeGroot)",
    },
    BijlageType: { type: 'string', enum: ['Pdf'] },
    Omschrijving: { type: 'string', minLength: 1, maxLength: OMSCHRIJVING_CHARS.max },
    Volgorde: { type: 'string', pattern: '^[1-9]\\d*$' },
  },
  xml: { namespace: NS_BERICHT },
} as const;

const BERICHT_INFORMATIE = {
  type: 'object',
  additionalProperties: false,
  required: ['BerichtID', 'BerichtType', 'Onderwerp', 'BerichtTekst', 'GebruikerID', 'SoortGebruiker'],
  properties: {
    BatchID: {
      ...GUID_SCHEMA,
      description: "optional repetition of the header's BatchID (Logius' example has it); must agree",
    },
    AanmaakDatum: { ...DATE_TIME, description: 'optional repetition of the header field; must agree' },
    BerichtLeverancierID: {
      type: 'string',
      minLength: 1,
      maxLength: LEVERANCIER_ID_CHARS.max,
      description: 'optional repetition of the header field; must agree',
    },
    BerichtID: GUID_SCHEMA,
    BerichtType: {
      type: 'string',
      minLength: BERICHTTYPE_CHARS.min ?? 1,
      maxLength: BERICHTTYPE_CHARS.max,
      description: 'configured and active for the afnemer (else BerichtTypeNietOndersteund)',
    },
    PublicatieDatum: { ...DATE_TIME, description: 'optional; at most 13 days after AanmaakDatum' },
    EindDatumHandelingsTermijn: { ...DATE_TIME, description: 'optional deadline' },
    Onderwerp: { type: 'string', minLength: ONDERWERP_CHARS.min ?? 1, maxLength: ONDERWERP_CHARS.max },
    BerichtTekst: {
      type: 'string',
      maxLength: BERICHTTEKST_CHARS.max,
      description: 'line breaks as the four characters \\r\\n',
    },
    Referentie: { type: 'string', maxLength: REFERENTIE_CHARS.max },
    GebruikerID: { ...BSN_SCHEMA, description: "the burger's BSN (elfproef)" },
    SoortGebruiker: { type: 'string', enum: ['Burger'] },
  },
  xml: { namespace: NS_BERICHT },
} as const;

const BERICHT = {
  type: 'object',
  additionalProperties: false,
  required: ['BerichtInformatie'],
  properties: {
    BerichtInformatie: BERICHT_INFORMATIE,
    Bijlagen: {
      type: 'object',
      additionalProperties: false,
      required: ['Bijlage'],
      properties: {
        Bijlage: { type: 'array', maxItems: BIJLAGEN_PER_LETTER.max, items: BIJLAGE, xml: { namespace: NS_BERICHT } },
      },
      xml: { namespace: NS_BERICHT },
    },
  },
  xml: { namespace: NS_BERICHT },
} as const;

/** The inner `Berichten` document: header and 1-1000 letters. */
const BERICHTEN_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['BatchInformatie', 'Bericht'],
  properties: {
    BatchInformatie: BATCH_INFORMATIE,
    Bericht: {
      type: 'array',
      minItems: BATCH_LETTERS.min ?? 1,
      maxItems: BATCH_LETTERS.max,
      items: BERICHT,
      xml: { namespace: NS_BERICHT },
    },
  },
} as const;

const EXAMPLE_BATCH = {
  BatchInformatie: {
    BatchID: 'be9a7e5e-036b-4f17-b197-65c09b2facb6',
    AanmaakDatum: '2026-12-06T12:00:00.000Z',
    BerichtLeverancierID: '00000001003214345000',
  },
  Bericht: [
    {
      BerichtInformatie: {
        BerichtID: '802fcfcf-1889-4663-a36c-b6e8b2ff4aae',
        BerichtType: 'VAIB',
        Onderwerp: 'Uitnodiging: periodieke keuring',
        BerichtTekst: 'Geachte heer, mevrouw. U bent uitgenodigd voor de periodieke keuring.',
        GebruikerID: '581264940',
        SoortGebruiker: 'Burger',
      },
    },
  ],
};

const LETTER_RULES =
  'Transport and batch rules (1-1000 letters, a valid header, AanmaakDatum not in the future) refuse the whole batch with 400; ' +
  'a letter that breaks its rules below is not refused: the batch is taken (202) and that letter gets its VerwerkingsCode in the verwerkingsbericht ' +
  '(XmlValidatieTegenXsdValtNegatiefUit for the schema, BerichtBestaatAl, NietActiefOfGeabonneerd, …).';

/**
 * POST /berichtenbox/afleveren: the same `Berichten` document as XML (root `Berichten` in the batch
 * namespace, letters in the Bericht namespace) or as JSON ({ "Berichten": … }, the wrapper optional).
 * Documentation: the handler parses and validates (per-letter codes are not a 400).
 */
export const BERICHTEN_REQUEST_BODY = {
  content: {
    'application/xml': {
      schema: {
        ...BERICHTEN_BODY,
        description: `Berichten XML (GLOBEBatchRequest). ${LETTER_RULES}`,
        xml: { name: 'Berichten', namespace: NS_BATCH },
      },
    },
    'text/xml': {
      schema: { ...BERICHTEN_BODY, description: 'as application/xml', xml: { name: 'Berichten', namespace: NS_BATCH } },
    },
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['Berichten'],
        description: `The Berichten document as JSON, with the XML's names (the wrapper "Berichten" may be left out; a lone letter or Bijlage may be an object instead of an array). ${LETTER_RULES}`,
        properties: { Berichten: BERICHTEN_BODY },
        example: { Berichten: EXAMPLE_BATCH },
      },
    },
  },
} as const;
