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
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { ProblemError } from '../../errors/catalogue.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, DIGID_PROCESSING_TIME } from '../../norms/index.ts';
import { isValidBsn } from '../../population/index.ts';
import { CapacityModel, meanServiceTime, type Handled, type ServiceTime, CAPACITY_STATS_SCHEMA } from '../capacity/index.ts';
import type { MockContext } from '../context.ts';
import { ExpiringMap } from './expiring-map.ts';
import { CLASS_REF, LEVELS, rank, type Level } from './levels.ts';
import { errorPage, loginPage } from './login-page.ts';
import { xmlTextParser } from '../body-text.ts';
import { buildSpRegistry } from './service-providers.ts';
import { certificateBase64, checkEnvelopedSignature, checkRedirectSignature, generateSigningKey, readSigningKey, signElement, type SigningKey } from './signing.ts';
import {
  BSN_SECTOR, STATUSES, STATUS_URI, artifactResponseEnvelope, decodeAuthnRequest, metadataXml, newArtifact, parseArtifactResolve,
  responseXml, type AuthnRequestInfo, type AuthnStatus, type Outcome,
} from './saml.ts';
import { testUsers, userLevel } from './users.ts';

const SERVICE = 'digid';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const SOAP_TYPES = ['text/xml', 'application/soap+xml', 'application/xml'];
/** SAML bindings §3.4.3 / §3.6.3: RelayState MUST NOT exceed 80 bytes. */
const RELAY_STATE_MAX = 80;
const FORM_BODY_LIMIT = 16 * 1024;
const SOAP_BODY_LIMIT = 64 * 1024;

/** Enough workers for `perMinute` at the mean processing time, twice over (Little's law), at least 16. */
export function defaultConcurrency(perMinute: number, serviceTime: ServiceTime): number {
  return Math.max(16, Math.ceil((perMinute / 60) * (meanServiceTime(serviceTime) / 1000) * 2));
}

/** What `perMinute` brings in during the processing-time norm (4 s), at least 100. */
export function defaultMaxQueue(perMinute: number): number {
  return Math.max(100, Math.ceil((perMinute / 60) * (DIGID_PROCESSING_TIME.limit / 1000)));
}

interface PendingRequest {
  readonly info: AuthnRequestInfo;
  /** Where the answer goes: the request's ACS URL, or the registered one its index names. */
  readonly acsUrl: string;
  readonly relayState: string | undefined;
}

/** Why DigiD shows an error page instead of sending the burger back. */
class SpRefused extends Error {
  constructor(readonly title: string, detail: string) {
    super(detail);
  }
}

interface StoredArtifact {
  readonly outcome: Outcome;
}

/** One authentication as DigiD sees it, from either flow. */
interface Attempt {
  readonly username: string | undefined;
  /** Undefined in the JSON call means "the right password" (load scripts need not know it). */
  readonly password: string | undefined;
  readonly cancel: boolean;
  readonly level: Level;
  /** Set when the request itself is refused (RequestDenied). */
  readonly denied: string | undefined;
}

interface Decision {
  readonly status: AuthnStatus;
  readonly message: string;
  /** Sim ms at which DigiD decided. */
  readonly at: number;
  readonly success?: { readonly bsn: string; readonly level: Level; readonly token: string; readonly sessionExpiresAt: number };
}

interface Served {
  readonly decision: Decision;
  readonly serviceMs: number;
  readonly latencyMs: number;
}

const iso = (t: number): string => new Date(t).toISOString();

function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

function redirectUrl(acsUrl: string, artifact: string, relayState: string | undefined): string {
  const url = new URL(acsUrl);
  url.searchParams.append('SAMLart', artifact);
  if (relayState !== undefined) url.searchParams.append('RelayState', relayState);
  return url.href;
}

export async function digidPlugin(app: FastifyInstance): Promise<void> {
  const ctx: MockContext = app.bbsim;
  const { config, clock, tokens, population } = ctx;
  const cfg = config.digid;
  const sessionTtlMs = cfg.sessionTtlMs ?? config.auth.sessionTtlMs;
  const concurrency = cfg.concurrency ?? defaultConcurrency(cfg.perMinute, cfg.serviceTime);
  const maxQueue = cfg.maxQueue ?? defaultMaxQueue(cfg.perMinute);

  const model = new CapacityModel({
    service: SERVICE,
    limits: [{ window: 'minute', limit: cfg.perMinute, normId: DIGID_AUTHENTICATIONS_PER_MINUTE.id }],
    concurrency, maxQueue, serviceTime: cfg.serviceTime, seed: config.seed, clock, metrics: ctx.serviceMetrics, shared: ctx.store.windows,
    minuteNormMs: DIGID_PROCESSING_TIME.limit,
  });
  const now = (): number => clock.now();
  const pending = new ExpiringMap<PendingRequest>(cfg.requestTtlMs, cfg.maxPendingRequests, now);
  const registry = buildSpRegistry(cfg);
  // The signing key: configured (read now, so a bad file stops the start), or generated on first use
  // and kept in the database (≈ 0.9 s once on a loaded 2-core machine; a mock that never signs never pays it).
  const configuredKey = cfg.signing ? readSigningKey(cfg.signing.privateKeyFile, cfg.signing.certificateFile) : undefined;
  let keyPromise: Promise<SigningKey> | undefined;
  const signingKey = (): Promise<SigningKey> => {
    keyPromise ??= configuredKey
      ? Promise.resolve(configuredKey)
      : ctx.store.keepOnce('digid.signingKey', () => JSON.stringify(generateSigningKey(cfg.entityId))).then((v) => JSON.parse(v) as SigningKey);
    return keyPromise;
  };

  /** The registered ACS this request may be answered at; throws SpRefused when there is none. */
  const acsFor = (info: AuthnRequestInfo): string => {
    if (registry.open) {
      if (info.acsUrl === undefined) {
        throw new ProblemError('INVALID_REQUEST', 'SAMLRequest: AssertionConsumerServiceIndex needs the afnemer\'s metadata; no service providers are registered (digid.serviceProviders): send AssertionConsumerServiceURL', {
          field: 'SAMLRequest', rule: 'AuthnRequest/@AssertionConsumerServiceURL', serviceCode: 'RequestDenied',
        });
      }
      return info.acsUrl;
    }
    const sp = info.issuer !== undefined ? registry.get(info.issuer) : undefined;
    if (!sp) {
      throw new SpRefused('Onbekende dienst', `The service provider '${(info.issuer ?? '(no Issuer)').slice(0, 200)}' is not registered with DigiD (digid.serviceProviders: ${registry.all.map((x) => x.entityId).join(', ')}).`);
    }
    if (info.acsUrl !== undefined) {
      if (!sp.acsUrls.includes(info.acsUrl)) {
        throw new SpRefused('Onbekend terugkeeradres', `AssertionConsumerServiceURL '${info.acsUrl.slice(0, 200)}' is not registered for ${sp.entityId} (allowed: ${sp.acsUrls.join(', ')}).`);
      }
      return info.acsUrl;
    }
    const url = sp.acsUrls[info.acsIndex ?? -1];
    if (url === undefined) throw new SpRefused('Onbekend terugkeeradres', `AssertionConsumerServiceIndex ${info.acsIndex ?? '?'} is not registered for ${sp.entityId} (0..${sp.acsUrls.length - 1}).`);
    return url;
  };
  const artifacts = new ExpiringMap<StoredArtifact>(cfg.artifactTtlMs, cfg.maxArtifacts, now);

  const byStatus: Record<AuthnStatus, number> = { Success: 0, AuthnFailed: 0, NoAuthnContext: 0, RequestDenied: 0 };
  const successByLevel: Record<Level, number> = { Basis: 0, Midden: 0, Substantieel: 0, Hoog: 0 };
  const resolves = { resolved: 0, denied: 0 };
  const authCounter = new Counter({
    name: 'bbsim_digid_authentications_total', help: 'DigiD authentications by SAML status (both flows)',
    labelNames: ['status'], registers: [ctx.metrics.registry],
  });

  app.addHook('onClose', async () => {
    model.close();
    pending.clear();
    artifacts.clear();
  });

  if (!app.hasContentTypeParser(FORM_TYPE)) {
    app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => done(null, parseForm(String(body))));
  }
  for (const t of SOAP_TYPES) {
    if (!app.hasContentTypeParser(t)) app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit: SOAP_BODY_LIMIT }, xmlTextParser());
  }

  // ------------------------------------------------------------------------------------------
  // The authentication itself (shared by both flows)
  // ------------------------------------------------------------------------------------------

  const decide = (a: Attempt): Decision => {
    const at = now();
    if (a.denied !== undefined) return { status: 'RequestDenied', message: a.denied, at };
    if (a.cancel) return { status: 'AuthnFailed', message: 'the burger cancelled the login', at };
    const username = a.username ?? '';
    const highest = userLevel(username, config.seed, cfg.levelShares);
    if (highest === undefined) return { status: 'AuthnFailed', message: 'unknown username or wrong password', at };
    if (a.password !== undefined && a.password !== cfg.testPassword) return { status: 'AuthnFailed', message: 'unknown username or wrong password', at };
    if (rank(highest) < rank(a.level)) {
      return { status: 'NoAuthnContext', message: `level ${a.level} was requested; this account reaches ${highest} at most`, at };
    }
    const sessionExpiresAt = at + sessionTtlMs;
    const token = tokens.issue({ bsn: username, exp: sessionExpiresAt, loa: a.level });
    return { status: 'Success', message: 'authenticated', at, success: { bsn: username, level: a.level, token, sessionExpiresAt } };
  };

  const refusal = (r: Exclude<Handled<Decision>, { ok: true }>): ProblemError => {
    if (r.reason === 'limit') {
      return new ProblemError('CAPACITY', r.detail, {
        retryAfter: r.retryAfterS, rule: `${r.limit} authentications per ${r.window} (${DIGID_AUTHENTICATIONS_PER_MINUTE.id})`,
        extra: { window: r.window, used: r.used, limit: r.limit },
      });
    }
    if (r.reason === 'saturated') return new ProblemError('CAPACITY', r.detail, { retryAfter: r.retryAfterS, rule: `concurrency ${concurrency}, queue ${maxQueue}` });
    return new ProblemError('UNAVAILABLE', r.detail, { retryAfter: r.retryAfterS });
  };

  /** Runs one authentication through the capacity model; a refusal throws a 503 ProblemError. */
  const authenticate = async (a: Attempt): Promise<Served> => {
    const r = await model.handle(() => decide(a));
    if (!r.ok) throw refusal(r);
    byStatus[r.value.status] += 1;
    if (r.value.success) successByLevel[r.value.success.level] += 1;
    authCounter.inc({ status: r.value.status });
    return { decision: r.value, serviceMs: r.serviceMs, latencyMs: r.latencyMs };
  };

  /** Keeps the outcome for its artifact and redirects the browser to the afnemer's ACS. */
  const answerWithArtifact = (reply: FastifyReply, code: 302 | 303, req: PendingRequest, d: Decision): FastifyReply => {
    const s = d.success;
    const outcome: Outcome = {
      status: d.status, message: d.message, at: d.at,
      inResponseTo: req.info.id, destination: req.acsUrl,
      ...(req.info.issuer !== undefined ? { audience: req.info.issuer } : {}),
      ...(s ? { success: { ...s, notOnOrAfter: d.at + cfg.artifactTtlMs } } : {}),
    };
    const artifact = newArtifact(cfg.entityId);
    artifacts.set(artifact, { outcome });
    return reply.header('cache-control', 'no-store').redirect(redirectUrl(req.acsUrl, artifact, req.relayState), code);
  };

  // ------------------------------------------------------------------------------------------
  // SAML artifact flow
  // ------------------------------------------------------------------------------------------

  app.get<{ Querystring: { SAMLRequest: string; RelayState?: string; SigAlg?: string; Signature?: string } }>('/digid/saml/idp/request_authentication', {
    schema: {
      summary: 'Start a DigiD login (SAML HTTP-Redirect binding): shows the login page, or redirects RequestDenied at once',
      description: 'SAMLRequest is the AuthnRequest XML, raw-DEFLATEd, base64, URL-encoded. Read: ID, AssertionConsumerServiceURL, Issuer, '
        + 'RequestedAuthnContext (Comparison minimum/exact; the lowest AuthnContextClassRef is the minimum level). SigAlg/Signature are checked against the '
        + 'registered SP\'s certificate when digid.checkSignatures is on (else ignored). Undecodable input: 400 problem+json; an unregistered SP or ACS '
        + '(when digid.serviceProviders is given): 400 error page. Never a redirect to an unvetted address.',
      tags: ['digid'],
      querystring: {
        type: 'object', required: ['SAMLRequest'],
        properties: {
          SAMLRequest: { type: 'string', minLength: 1, maxLength: 16_384 },
          RelayState: { type: 'string', maxLength: RELAY_STATE_MAX },
          SigAlg: { type: 'string', maxLength: 256 },
          Signature: { type: 'string', maxLength: 4096 },
        },
      },
      produces: ['text/html'],
    },
  }, async (request, reply) => {
    const decoded = decodeAuthnRequest(request.query.SAMLRequest);
    let acsUrl: string;
    try {
      acsUrl = acsFor(decoded);
    } catch (err) {
      if (!(err instanceof SpRefused)) throw err;
      return reply.code(400).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(errorPage(err.title, err.message));
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
      const served = await authenticate({ username: undefined, password: undefined, cancel: false, level: info.level, denied: info.denied });
      return answerWithArtifact(reply, 302, req, served.decision);
    }
    const handle = randomBytes(18).toString('base64url');
    pending.set(handle, req);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage({
      handle, issuer: info.issuer ?? '', level: info.level,
      note: `Testgebruikers (bbsim): gebruikersnaam = een geldig BSN, wachtwoord = digid.testPassword (standaard 'bbsim'). Zie GET /digid/test-users.`,
    }));
  });

  app.post<{ Body: { request: string; username?: string; password?: string; action?: 'login' | 'cancel' } }>('/digid/saml/idp/login', {
    schema: {
      summary: 'Submit the DigiD login form: redirects (303) to the AssertionConsumerServiceURL with SAMLart and RelayState',
      description: 'action=cancel → AuthnFailed. Wrong username/password → AuthnFailed; account level below the requested minimum → NoAuthnContext. '
        + 'The request handle is single use. Over capacity: 503 problem+json with Retry-After (the handle stays usable).',
      tags: ['digid'], consumes: [FORM_TYPE],
      body: {
        type: 'object', required: ['request'],
        properties: {
          request: { type: 'string', minLength: 1, maxLength: 64 },
          username: { type: 'string', maxLength: 64 },
          password: { type: 'string', maxLength: 256 },
          action: { type: 'string', enum: ['login', 'cancel'] },
        },
      },
    },
  }, async (request, reply) => {
    const { request: handle, username, password, action } = request.body;
    const req = pending.take(handle);
    if (!req) {
      throw new ProblemError('INVALID_REQUEST', 'unknown, expired or already used login request: start again from the afnemer (a login page is valid for digid.requestTtlMs and for one attempt)', {
        field: 'request', rule: 'a live request handle from the login page', serviceCode: 'RequestDenied',
      });
    }
    let served: Served;
    try {
      served = await authenticate({ username: username ?? '', password: password ?? '', cancel: action === 'cancel', level: req.info.level, denied: undefined });
    } catch (err) {
      pending.set(handle, req); // refused for capacity: the burger may try again
      throw err;
    }
    return answerWithArtifact(reply, 303, req, served.decision);
  });

  app.post<{ Body: string }>('/digid/saml/idp/resolve_artifact', {
    schema: {
      summary: 'Resolve a SAMLart (SOAP ArtifactResolve → ArtifactResponse holding the samlp:Response)',
      description: 'An artifact resolves once, to the SP it was issued for; the Response and its Assertion are signed (rsa-sha256, exclusive C14N, enveloped). '
        + 'An unknown, expired or already resolved artifact, or one issued for another SP, gives an ArtifactResponse with status Success and no message (SAML Core 3.5.3). '
        + 'No Issuer: 400. An unregistered SP or (digid.checkSignatures) a bad signature: ArtifactResponse Requester/RequestDenied.',
      tags: ['digid'], consumes: SOAP_TYPES, produces: ['text/xml'],
      body: { type: 'string' },
    },
  }, async (request, reply) => {
    if (typeof request.body !== 'string' || request.body === '') {
      throw new ProblemError('INVALID_REQUEST', 'send a SOAP ArtifactResolve as text/xml', { field: 'Content-Type', rule: 'SOAP 1.1 text/xml' });
    }
    const req = parseArtifactResolve(request.body);
    const t = now();
    const key = await signingKey();
    const sign = (xml: string, local: 'Assertion' | 'Response'): string => signElement(xml, local, key);
    let xml: string;
    const sp = registry.get(req.issuer);
    const refusedWhy = !registry.open && !sp
      ? `the service provider '${req.issuer.slice(0, 200)}' is not registered with DigiD`
      : cfg.checkSignatures && sp?.certificatePem !== undefined ? checkEnvelopedSignature(request.body, 'ArtifactResolve', sp.certificatePem) : undefined;
    if (refusedWhy !== undefined) {
      // Refused before the artifact is looked at: it stays usable for the right SP.
      resolves.denied += 1;
      xml = artifactResponseEnvelope(req, undefined, cfg.entityId, t, { status: 'RequestDenied', message: refusedWhy.startsWith('the service') ? refusedWhy : `ArtifactResolve signature: ${refusedWhy}` });
    } else {
      const stored = artifacts.get(req.artifact);
      // SAML Core 3.5.3: the message goes only to the SP it was issued for, and only once; otherwise
      // an ArtifactResponse with no message. Another SP's resolve does not use the artifact up.
      const forThisSp = stored !== undefined && (stored.outcome.audience === undefined || stored.outcome.audience === req.issuer);
      if (stored && forThisSp) {
        artifacts.delete(req.artifact);
        resolves.resolved += 1;
        xml = artifactResponseEnvelope(req, responseXml(stored.outcome, cfg.entityId, sign), cfg.entityId, t);
      } else {
        resolves.denied += 1;
        xml = artifactResponseEnvelope(req, undefined, cfg.entityId, t);
      }
    }
    const type = req.soapNs.includes('2003/05') ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
    return reply.type(type).header('cache-control', 'no-store').send(xml);
  });

  app.get('/digid/saml/idp/metadata', {
    schema: { summary: 'IdP metadata: the SingleSignOnService and ArtifactResolutionService endpoints and the signing certificate (KeyDescriptor use="signing")', tags: ['digid'], produces: ['application/samlmetadata+xml'] },
  }, async (request, reply) => {
    const base = `${request.protocol}://${request.host}`;
    const key = await signingKey();
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(metadataXml(cfg.entityId, base, certificateBase64(key.certificatePem), cfg.checkSignatures));
  });

  // ------------------------------------------------------------------------------------------
  // One-call authentication (for load)
  // ------------------------------------------------------------------------------------------

  app.post<{ Body: { bsn?: string; username?: string; password?: string; level?: Level; afnemer?: string; cancel?: boolean } }>('/digid/authenticate', {
    schema: {
      summary: 'Perform one whole DigiD authentication in one call (for load); counts like a full SAML login',
      description: 'Every decided authentication answers 200 with `status` Success, AuthnFailed, NoAuthnContext or RequestDenied (like a SAML Response); '
        + 'Success carries a session token for /api/v1/berichten. password absent = the right test password; level absent = Basis; '
        + 'afnemer (OIN) must be a connected afnemer when given (else RequestDenied). Over capacity: 503 problem+json with Retry-After.',
      tags: ['digid'],
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          bsn: { type: 'string', pattern: '^\\d{9}$' },
          username: { type: 'string', minLength: 1, maxLength: 64 },
          password: { type: 'string', maxLength: 256 },
          level: { type: 'string', enum: [...LEVELS] },
          afnemer: { type: 'string', pattern: '^\\d{20}$' },
          cancel: { type: 'boolean' },
        },
      },
    },
  }, async (request) => {
    const b = request.body;
    if (b.bsn === undefined && b.username === undefined) throw new ProblemError('INVALID_REQUEST', 'give bsn or username (a test user\'s username is its BSN)', { field: 'bsn', rule: 'bsn or username' });
    if (b.bsn !== undefined && b.username !== undefined && b.bsn !== b.username) {
      throw new ProblemError('INVALID_REQUEST', 'bsn and username differ; give one of them', { field: 'username', rule: 'bsn or username' });
    }
    if (b.bsn !== undefined && !isValidBsn(b.bsn)) throw new ProblemError('INVALID_BSN', `BSN ${b.bsn} fails the elfproef`, { field: 'bsn', rule: 'elfproef' });
    // A session for any BSN without its password is a dev shortcut: off on an exposed mock unless configured (access-policy.ts).
    if (b.password === undefined && !ctx.access.passwordlessLogin) {
      throw new ProblemError('INVALID_REQUEST', `password is required: password-less login is off (${ctx.config.auth.passwordlessLogin === false ? 'auth.passwordlessLogin: false' : `the mock listens beyond loopback on ${ctx.config.host}; set auth.passwordlessLogin: true to allow it`})`, { field: 'password', rule: 'required' });
    }
    const level = b.level ?? 'Basis';
    const denied = b.afnemer !== undefined && !ctx.afnemers.has(b.afnemer) ? `afnemer ${b.afnemer} is not connected to DigiD (not in the mock's afnemers)` : undefined;
    const served = await authenticate({ username: b.bsn ?? b.username, password: b.password, cancel: b.cancel === true, level, denied });
    const d = served.decision;
    const timing = { processingMs: Math.round(served.latencyMs * 1000) / 1000, serviceMs: served.serviceMs };
    if (!d.success) return { status: d.status, statusCode: STATUS_URI(d.status), message: d.message, ...timing };
    return {
      status: d.status, statusCode: STATUS_URI(d.status), bsn: d.success.bsn, level: d.success.level, authnContextClassRef: CLASS_REF[d.success.level],
      nameId: `${BSN_SECTOR}:${d.success.bsn}`, token: d.success.token, expiresAt: iso(d.success.sessionExpiresAt),
      ...(b.afnemer !== undefined ? { afnemer: b.afnemer } : {}), ...timing,
    };
  });

  // ------------------------------------------------------------------------------------------
  // Test users and statistics
  // ------------------------------------------------------------------------------------------

  app.get<{ Querystring: { level?: Level; n: number; offset: number } }>('/digid/test-users', {
    schema: {
      summary: 'Deterministic test users (username = BSN of a population member) whose highest level of assurance is `level`',
      description: 'Every valid BSN is an account with password digid.testPassword; its highest level is a seeded hash of the BSN split by digid.levelShares. '
        + 'A user can log in at its highest level and every level below it.',
      tags: ['digid'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          level: { type: 'string', enum: [...LEVELS] },
          n: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
          offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
        },
      },
    },
  }, async (request) => {
    const { level, n, offset } = request.query;
    const page = testUsers(population, config.seed, cfg.levelShares, { ...(level !== undefined ? { level } : {}), n, offset });
    return {
      password: cfg.testPassword, level: level ?? null, levelShares: cfg.levelShares, complete: page.complete,
      users: page.users.map((u) => ({ username: u.username, bsn: u.bsn, level: u.level, index: u.index })),
    };
  });

  app.get('/digid/stats', {
    schema: { summary: 'DigiD authentications, refusals and processing time against the norms (for the verdict)', tags: ['digid'], response: { 200: { type: 'object', additionalProperties: true, required: ['service', 'capacity'], properties: { service: { type: 'string' }, capacity: CAPACITY_STATS_SCHEMA } } } },
  }, async () => {
    const capacity = model.stats();
    const total = STATUSES.reduce((a, s) => a + byStatus[s], 0);
    const within = capacity.minutes.withinNormPercent;
    return {
      service: SERVICE,
      capacity,
      authentications: { ...byStatus, total },
      successByLevel,
      processingNorm: {
        id: DIGID_PROCESSING_TIME.id, limitMs: DIGID_PROCESSING_TIME.limit, attainmentPercent: DIGID_PROCESSING_TIME.attainment ?? null,
        holds: DIGID_PROCESSING_TIME.attainment === undefined || within === null ? null : within >= DIGID_PROCESSING_TIME.attainment,
      },
      pendingRequests: pending.size,
      artifacts: { live: artifacts.size, ...resolves },
    };
  });
}
