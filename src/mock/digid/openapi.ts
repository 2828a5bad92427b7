/**
 * What the DigiD routes answer, for /openapi.json (openapi-document.ts): spread into each route's
 * schema, so the plugin's route definitions stay as they are.
 */
import { deflateRawSync } from 'node:zlib';
import { answers, json } from '../openapi-document.ts';
import { BSN_SCHEMA, OIN_SCHEMA } from '../openapi-schemas.ts';
import { LEVELS } from './levels.ts';
import { NS_ASSERTION, NS_PROTOCOL, NS_SOAP11 } from './saml.ts';

/** POST /digid/authenticate's body (Fastify validates it; the handler checks bsn-or-username and the elfproef, naming the field). */
export const AUTHENTICATE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bsn: BSN_SCHEMA,
    username: { type: 'string', minLength: 1, maxLength: 64, description: "a test user's username (its BSN)" },
    password: {
      type: 'string',
      maxLength: 256,
      description: 'absent: the right test password (on loopback, or with auth.passwordlessLogin)',
    },
    level: { type: 'string', enum: [...LEVELS] },
    afnemer: { ...OIN_SCHEMA, description: 'a connected afnemer (else RequestDenied)' },
    cancel: { type: 'boolean' },
  },
  example: { bsn: '111222333', level: 'Midden' },
} as const;

const HTML = { 'text/html': { schema: { type: 'string' } } } as const;
const LOCATION = {
  Location: {
    description: 'The AssertionConsumerServiceURL with SAMLart (and RelayState)',
    required: true,
    schema: { type: 'string', format: 'uri' },
  },
} as const;

/** A valid SAMLRequest for the default config (no registered service providers): raw DEFLATE, base64. */
export const EXAMPLE_SAML_REQUEST = deflateRawSync(
  Buffer.from(
    `<samlp:AuthnRequest xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="_bbsim-example" Version="2.0" IssueInstant="2027-03-01T19:00:00Z" ` +
      'AssertionConsumerServiceURL="https://afnemer.example/acs"><saml:Issuer>urn:afnemer:example</saml:Issuer></samlp:AuthnRequest>',
  ),
).toString('base64');

export const REQUEST_AUTHENTICATION = answers({
  problems: ['CAPACITY', 'UNAVAILABLE'],
  ok: {
    200: { description: 'The DigiD login page', content: HTML },
    302: { description: 'RequestDenied at once: back to the ACS with a SAMLart', headers: LOCATION },
  },
  other: {
    400: {
      description: 'An error page: the service provider or its ACS is not registered (digid.serviceProviders)',
      content: HTML,
    },
  },
});

export const LOGIN = answers({
  problems: ['CAPACITY', 'UNAVAILABLE'],
  ok: {
    303: { description: 'Back to the ACS with a SAMLart (Success, AuthnFailed or NoAuthnContext)', headers: LOCATION },
  },
});

const SOAP_RESPONSE = {
  schema: {
    type: 'string',
    description: 'SOAP Envelope with the samlp:ArtifactResponse',
    xml: { name: 'Envelope', namespace: NS_SOAP11 },
  },
} as const;

/** The ArtifactResolve request as the document shows it (the handler parses it, matching namespaces and local names). */
const ARTIFACT_RESOLVE = {
  type: 'object',
  required: ['Body'],
  xml: { name: 'Envelope', namespace: NS_SOAP11, prefix: 's' },
  properties: {
    Body: {
      type: 'object',
      required: ['ArtifactResolve'],
      xml: { namespace: NS_SOAP11, prefix: 's' },
      properties: {
        ArtifactResolve: {
          type: 'object',
          required: ['ID', 'Issuer', 'Artifact'],
          xml: { namespace: NS_PROTOCOL, prefix: 'samlp' },
          properties: {
            ID: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', xml: { attribute: true } },
            Version: { type: 'string', description: '2.0 (not checked)', xml: { attribute: true } },
            IssueInstant: { type: 'string', description: 'xs:dateTime (not checked)', xml: { attribute: true } },
            Issuer: {
              type: 'string',
              minLength: 1,
              description: "the SP's entity ID",
              xml: { namespace: NS_ASSERTION, prefix: 'saml' },
            },
            Artifact: {
              type: 'string',
              minLength: 1,
              description: 'the SAMLart',
              xml: { namespace: NS_PROTOCOL, prefix: 'samlp' },
            },
          },
        },
      },
    },
  },
} as const;

export const RESOLVE_ARTIFACT = answers({
  problems: ['UNSAFE_XML'],
  requestBody: {
    description: 'SOAP 1.1 (text/xml) or 1.2 (application/soap+xml) Envelope holding samlp:ArtifactResolve',
    content: {
      'text/xml': { schema: ARTIFACT_RESOLVE },
      'application/soap+xml': { schema: ARTIFACT_RESOLVE },
      'application/xml': { schema: ARTIFACT_RESOLVE },
    },
  },
  ok: {
    200: {
      description: 'The ArtifactResponse (with the signed Response, or no message)',
      content: { 'text/xml': SOAP_RESPONSE, 'application/soap+xml': SOAP_RESPONSE },
    },
  },
});

export const METADATA = answers({
  ok: {
    200: {
      description: 'SAML metadata (EntityDescriptor) with the signing certificate',
      content: {
        'application/samlmetadata+xml': {
          schema: {
            type: 'string',
            xml: { name: 'EntityDescriptor', namespace: 'urn:oasis:names:tc:SAML:2.0:metadata' },
          },
        },
      },
    },
  },
});

const DECIDED = {
  type: 'object',
  required: ['status', 'statusCode', 'processingMs', 'serviceMs'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['Success', 'AuthnFailed', 'NoAuthnContext', 'RequestDenied'] },
    statusCode: { type: 'string' },
    message: { type: 'string' },
    bsn: { type: 'string' },
    level: { type: 'string' },
    authnContextClassRef: { type: 'string' },
    nameId: { type: 'string' },
    token: { type: 'string', description: 'Success: a session token for /api/v1/berichten' },
    expiresAt: { type: 'string', format: 'date-time' },
    afnemer: { type: 'string' },
    processingMs: { type: 'number' },
    serviceMs: { type: 'number' },
  },
} as const;

export const AUTHENTICATE = answers({
  problems: ['INVALID_BSN', 'CAPACITY', 'UNAVAILABLE'],
  // bsn or username (both only when they are equal): in the document; the handler says which is missing.
  requestBody: {
    content: {
      'application/json': {
        schema: { ...AUTHENTICATE_BODY, anyOf: [{ required: ['bsn'] }, { required: ['username'] }] },
      },
    },
  },
  ok: { 200: json('The authentication was decided (every status, like a SAML Response)', DECIDED) },
});

export const TEST_USERS = answers({
  ok: {
    200: json('Test users', {
      type: 'object',
      required: ['password', 'level', 'levelShares', 'complete', 'users'],
      properties: {
        password: { type: 'string' },
        level: { type: 'string', nullable: true },
        levelShares: { type: 'object', additionalProperties: { type: 'number' } },
        complete: { type: 'boolean' },
        users: {
          type: 'array',
          items: {
            type: 'object',
            required: ['username', 'bsn', 'level', 'index'],
            properties: {
              username: { type: 'string' },
              bsn: { type: 'string' },
              level: { type: 'string' },
              index: { type: 'integer' },
            },
          },
        },
      },
    }),
  },
});
