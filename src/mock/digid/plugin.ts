/**
 * The DigiD mock: SAML-2-shaped authentication with the artifact binding, plus one compact JSON call
 * that performs a whole authentication (for load). See README.md in this folder for the flow, the
 * test users and the choices made.
 *
 * Capacity: ONE CapacityModel for every authentication of both flows: at most `digid.perMinute`
 * (SNO: 10,000) per sim minute for all afnemers together (over it 503 + Retry-After), then a server
 * with `concurrency` workers, a FIFO queue of `maxQueue` and a drawn processing time (wall ms).
 * One authentication is the step that decides the outcome: the login POST (credentials or cancel),
 * an AuthnRequest refused outright (RequestDenied), or one POST /digid/authenticate.
 */
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { serviceStatsResponse } from '../capacity/index.ts';
import type { MockContext } from '../context.ts';
import { LEVELS, type Level } from './levels.ts';
import { errorPage, loginPage } from './login-page.ts';
import { xmlTextParser } from '../body-text.ts';
import { SENT_AT_HEADER, sentAtOf } from '../sent-at.ts';
import { checkRedirectSignature, certificateBase64 } from './signing.ts';
import { STATUSES, decodeAuthnRequest, metadataXml, parseArtifactResolve } from './saml.ts';
import { testUsers } from './users.ts';
import { DigidService, SpRefused, type AuthenticateBody, type PendingRequest } from './digid-service.ts';
import {
  AUTHENTICATE,
  AUTHENTICATE_BODY,
  EXAMPLE_SAML_REQUEST,
  LOGIN,
  METADATA,
  REQUEST_AUTHENTICATION,
  RESOLVE_ARTIFACT,
  TEST_USERS,
} from './openapi.ts';

const FORM_TYPE = 'application/x-www-form-urlencoded';
const SOAP_TYPES = ['text/xml', 'application/soap+xml', 'application/xml'];
/** SAML bindings §3.4.3 / §3.6.3: RelayState MUST NOT exceed 80 bytes. */
const RELAY_STATE_MAX = 80;
const FORM_BODY_LIMIT = 16 * 1024;
const SOAP_BODY_LIMIT = 64 * 1024;

/** The 200 of POST /digid/authenticate: every decided authentication, Success with its session. */
const AUTHENTICATE_RESPONSE = {
  // No `required`: fast-json-stringify writes required properties first, and the keys keep the order
  // the handler always had (status … processingMs, serviceMs).
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...STATUSES] },
    statusCode: { type: 'string' },
    message: { type: 'string' },
    bsn: { type: 'string' },
    level: { type: 'string', enum: [...LEVELS] },
    authnContextClassRef: { type: 'string' },
    nameId: { type: 'string' },
    token: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    afnemer: { type: 'string' },
    processingMs: { type: 'number' },
    serviceMs: { type: 'number' },
  },
} as const;

function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

export async function digidPlugin(app: FastifyInstance): Promise<void> {
  const ctx: MockContext = app.bbsim;
  const { config, population } = ctx;
  const cfg = config.digid;
  const digid = new DigidService(ctx);
  const { registry } = digid;

  app.addHook('onClose', async () => {
    digid.close();
  });

  if (!app.hasContentTypeParser(FORM_TYPE)) {
    app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) =>
      done(null, parseForm(String(body))),
    );
  }
  for (const t of SOAP_TYPES) {
    if (!app.hasContentTypeParser(t))
      app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit: SOAP_BODY_LIMIT }, xmlTextParser());
  }

  // ------------------------------------------------------------------------------------------
  // SAML artifact flow
  // ------------------------------------------------------------------------------------------

  app.get<{ Querystring: { SAMLRequest: string; RelayState?: string; SigAlg?: string; Signature?: string } }>(
    '/digid/saml/idp/request_authentication',
    {
      schema: {
        summary:
          'Start a DigiD login (SAML HTTP-Redirect binding): shows the login page, or redirects RequestDenied at once',
        description:
          'SAMLRequest is the AuthnRequest XML, raw-DEFLATEd, base64, URL-encoded. Read: ID, AssertionConsumerServiceURL, Issuer, ' +
          'RequestedAuthnContext (Comparison minimum/exact; the lowest AuthnContextClassRef is the minimum level). SigAlg/Signature are checked against the ' +
          "registered SP's certificate when digid.checkSignatures is on (else ignored). Undecodable input: 400 problem+json; an unregistered SP or ACS " +
          '(when digid.serviceProviders is given): 400 error page. Never a redirect to an unvetted address.',
        tags: ['digid'],
        querystring: {
          type: 'object',
          required: ['SAMLRequest'],
          properties: {
            // 8 KiB: URL-encoded it stays inside the 16 KiB of request line and headers (beyond that a 431).
            SAMLRequest: {
              type: 'string',
              minLength: 1,
              maxLength: 8192,
              description: 'base64 of the raw-DEFLATEd samlp:AuthnRequest (undecodable: 400)',
              example: EXAMPLE_SAML_REQUEST,
            },
            RelayState: { type: 'string', maxLength: RELAY_STATE_MAX },
            SigAlg: { type: 'string', maxLength: 256 },
            Signature: { type: 'string', maxLength: 4096 },
          },
        },
        produces: ['text/html'],
        ...REQUEST_AUTHENTICATION,
      },
    },
    async (request, reply) => {
      const decoded = decodeAuthnRequest(request.query.SAMLRequest);
      let acsUrl: string;
      try {
        acsUrl = digid.acsFor(decoded);
      } catch (err) {
        if (!(err instanceof SpRefused)) throw err;
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(errorPage(err.title, err.message));
      }
      let info = decoded;
      const sp = decoded.issuer !== undefined ? registry.get(decoded.issuer) : undefined;
      if (cfg.checkSignatures && sp?.certificatePem !== undefined && info.denied === undefined) {
        const why = checkRedirectSignature(request.raw.url?.split('?')[1] ?? '', sp.certificatePem);
        if (why !== undefined) info = { ...info, denied: `AuthnRequest signature: ${why}` };
      }
      const req: PendingRequest = { info, acsUrl, relayState: request.query.RelayState };
      if (info.denied !== undefined) {
        // Refused outright: DigiD decides without a login, still one authentication.
        const served = await digid.authenticate({
          username: undefined,
          password: undefined,
          cancel: false,
          level: info.level,
          denied: info.denied,
        });
        return reply.header('cache-control', 'no-store').redirect(await digid.issueArtifact(req, served.decision), 302);
      }
      const handle = await digid.holdLogin(req);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          loginPage({
            handle,
            issuer: info.issuer ?? '',
            level: info.level,
            note: `Testgebruikers (bbsim): gebruikersnaam = een geldig BSN, wachtwoord = digid.testPassword (standaard 'bbsim'). Zie GET /digid/test-users.`,
          }),
        );
    },
  );

  app.post<{ Body: { request: string; username?: string; password?: string; action?: 'login' | 'cancel' } }>(
    '/digid/saml/idp/login',
    {
      schema: {
        summary:
          'Submit the DigiD login form: redirects (303) to the AssertionConsumerServiceURL with SAMLart and RelayState',
        description:
          'action=cancel → AuthnFailed. Wrong username/password → AuthnFailed; account level below the requested minimum → NoAuthnContext. ' +
          'The request handle is single use. Over capacity: 503 problem+json with Retry-After (the handle stays usable).',
        tags: ['digid'],
        consumes: [FORM_TYPE],
        body: {
          type: 'object',
          required: ['request'],
          properties: {
            request: { type: 'string', minLength: 1, maxLength: 64 },
            username: { type: 'string', maxLength: 64 },
            password: { type: 'string', maxLength: 256 },
            action: { type: 'string', enum: ['login', 'cancel'] },
          },
        },
        ...LOGIN,
      },
    },
    async (request, reply) => {
      const { request: handle, username, password, action } = request.body;
      const { req, served } = await digid.login(handle, { username, password, cancel: action === 'cancel' });
      return reply.header('cache-control', 'no-store').redirect(await digid.issueArtifact(req, served.decision), 303);
    },
  );

  app.post<{ Body: string }>(
    '/digid/saml/idp/resolve_artifact',
    {
      schema: {
        summary: 'Resolve a SAMLart (SOAP ArtifactResolve → ArtifactResponse holding the samlp:Response)',
        description:
          'An artifact resolves once, to the SP it was issued for; the Response and its Assertion are signed (rsa-sha256, exclusive C14N, enveloped). ' +
          'An unknown, expired or already resolved artifact, or one issued for another SP, gives an ArtifactResponse with status Success and no message (SAML Core 3.5.3). ' +
          'No Issuer: 400. An unregistered SP or (digid.checkSignatures) a bad signature: ArtifactResponse Requester/RequestDenied.',
        tags: ['digid'],
        consumes: SOAP_TYPES,
        produces: ['text/xml'],
        body: { type: 'string' },
        ...RESOLVE_ARTIFACT,
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string' || request.body === '') {
        throw new ProblemError('INVALID_REQUEST', 'send a SOAP ArtifactResolve as text/xml', {
          field: 'Content-Type',
          rule: 'SOAP 1.1 text/xml',
        });
      }
      const req = parseArtifactResolve(request.body);
      const xml = await digid.resolveArtifact(req, request.body);
      const type = req.soapNs.includes('2003/05') ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
      return reply.type(type).header('cache-control', 'no-store').send(xml);
    },
  );

  app.get(
    '/digid/saml/idp/metadata',
    {
      schema: {
        summary:
          'IdP metadata: the SingleSignOnService and ArtifactResolutionService endpoints and the signing certificate (KeyDescriptor use="signing")',
        tags: ['digid'],
        produces: ['application/samlmetadata+xml'],
        ...METADATA,
      },
    },
    async (request, reply) => {
      const base = `${request.protocol}://${request.host}`;
      const key = await digid.signingKey();
      return reply
        .type('application/samlmetadata+xml; charset=utf-8')
        .send(metadataXml(cfg.entityId, base, certificateBase64(key.certificatePem), cfg.checkSignatures));
    },
  );

  // ------------------------------------------------------------------------------------------
  // One-call authentication (for load)
  // ------------------------------------------------------------------------------------------

  app.post<{ Body: AuthenticateBody }>(
    '/digid/authenticate',
    {
      schema: {
        summary: 'Perform one whole DigiD authentication in one call (for load); counts like a full SAML login',
        description:
          'Every decided authentication answers 200 with `status` Success, AuthnFailed, NoAuthnContext or RequestDenied (like a SAML Response); ' +
          'Success carries a session token for /api/v1/berichten. password absent = the right test password; level absent = Basis; ' +
          'afnemer (OIN) must be a connected afnemer when given (else RequestDenied). Over capacity: 503 problem+json with Retry-After. ' +
          `Optional header ${SENT_AT_HEADER}: the sim instant (epoch ms) the load generator sent the request; the offered load of the minute window (/digid/stats) is counted then (at most 5 wall s before its arrival), so a burst held up on its way in is not read as a busier minute.`,
        tags: ['digid'],
        body: AUTHENTICATE_BODY,
        ...AUTHENTICATE,
        // Serialized by fast-json-stringify (compiled once) instead of JSON.stringify: the one route of
        // the authentication load, about 5 % of its CPU (bench/digid --cpu-prof).
        response: { 200: AUTHENTICATE_RESPONSE },
      },
    },
    async (request) => {
      return digid.authenticateOnce(request.body, sentAtOf(request.headers[SENT_AT_HEADER]));
    },
  );

  // ------------------------------------------------------------------------------------------
  // Test users and statistics
  // ------------------------------------------------------------------------------------------

  app.get<{ Querystring: { level?: Level; n: number; offset: number } }>(
    '/digid/test-users',
    {
      schema: {
        summary:
          'Deterministic test users (username = BSN of a population member) whose highest level of assurance is `level`',
        description:
          'Every valid BSN is an account with password digid.testPassword; its highest level is a seeded hash of the BSN split by digid.levelShares. ' +
          'A user can log in at its highest level and every level below it.',
        tags: ['digid'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            level: { type: 'string', enum: [...LEVELS] },
            n: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
            offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
          },
        },
        ...TEST_USERS,
      },
    },
    async (request) => {
      const { level, n, offset } = request.query;
      const page = testUsers(population, config.seed, cfg.levelShares, {
        ...(level !== undefined ? { level } : {}),
        n,
        offset,
      });
      return {
        password: cfg.testPassword,
        level: level ?? null,
        levelShares: cfg.levelShares,
        complete: page.complete,
        users: page.users.map((u) => ({ username: u.username, bsn: u.bsn, level: u.level, index: u.index })),
      };
    },
  );

  app.get(
    '/digid/stats',
    {
      schema: serviceStatsResponse(
        'DigiD authentications, refusals and processing time against the norms (for the verdict)',
        'digid',
      ),
    },
    async () => {
      return digid.stats();
    },
  );
}
