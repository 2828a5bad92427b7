import { randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import type { Clock } from '../../clock/index.ts';
import { ProblemError } from '../../errors/catalogue.ts';
import { CodedError, ERROR_CODES } from '../../errors/error-codes.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, DIGID_PROCESSING_TIME } from '../../norms/index.ts';
import { isValidBsn } from '../../population/index.ts';
import type { Store } from '../../store/store.ts';
import type { AccessPolicy } from '../access-policy.ts';
import {
  CapacityModel,
  meanServiceTime,
  type Handled,
  type ServiceTime,
  type ServiceMetrics,
} from '../capacity/index.ts';
import type { MockConfig } from '../config.ts';
import type { MockMetrics } from '../metrics.ts';
import type { SessionTokens } from '../session-token.ts';
import { memoryTransients, sharedTransients, type TransientMap } from './transient-map.ts';
import { CLASS_REF, rank, type Level } from './levels.ts';
import {
  BSN_SECTOR,
  STATUSES,
  STATUS_URI,
  artifactResponseEnvelope,
  newArtifact,
  responseXml,
  type ArtifactResolveInfo,
  type AuthnRequestInfo,
  type AuthnStatus,
  type Outcome,
} from './saml.ts';
import { buildSpRegistry, type SpRegistry } from './service-providers.ts';
import {
  checkEnvelopedSignature,
  generateSigningKey,
  readSigningKey,
  signElement,
  type SigningKey,
} from './signing.ts';
import { userLevel } from './users.ts';

export const DIGID_SERVICE = 'digid';

/** Enough workers for `perMinute` at the mean processing time, twice over (Little's law), at least 16. */
export function defaultConcurrency(perMinute: number, serviceTime: ServiceTime): number {
  return Math.max(16, Math.ceil((perMinute / 60) * (meanServiceTime(serviceTime) / 1000) * 2));
}

/** What `perMinute` brings in during the processing-time norm (4 s), at least 100. */
export function defaultMaxQueue(perMinute: number): number {
  return Math.max(100, Math.ceil((perMinute / 60) * (DIGID_PROCESSING_TIME.limit / 1000)));
}

/** A login page's request, kept until its form comes back. */
export interface PendingRequest {
  readonly info: AuthnRequestInfo;
  /** Where the answer goes: the request's ACS URL, or the registered one its index names. */
  readonly acsUrl: string;
  readonly relayState: string | undefined;
}

/** Why DigiD shows an error page instead of sending the burger back. */
export class SpRefused extends CodedError {
  readonly code = ERROR_CODES.DIGID_SP_REFUSED;
  constructor(
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

interface StoredArtifact {
  readonly outcome: Outcome;
}

/** One authentication as DigiD sees it, from either flow. */
export interface Attempt {
  readonly username: string | undefined;
  /** Undefined in the JSON call means "the right password" (load scripts need not know it). */
  readonly password: string | undefined;
  readonly cancel: boolean;
  readonly level: Level;
  /** Set when the request itself is refused (RequestDenied). */
  readonly denied: string | undefined;
}

export interface Decision {
  readonly status: AuthnStatus;
  readonly message: string;
  /** Sim ms at which DigiD decided. */
  readonly at: number;
  readonly success?: {
    readonly bsn: string;
    readonly level: Level;
    readonly token: string;
    readonly sessionExpiresAt: number;
  };
}

export interface Served {
  readonly decision: Decision;
  readonly serviceMs: number;
  readonly latencyMs: number;
}

/** The body of POST /digid/authenticate (the one-call authentication). */
export interface AuthenticateBody {
  readonly bsn?: string;
  readonly username?: string;
  readonly password?: string;
  readonly level?: Level;
  readonly afnemer?: string;
  readonly cancel?: boolean;
}

/** What the DigiD service needs of the mock (the MockContext fits). */
export interface DigidDeps {
  readonly config: MockConfig;
  readonly clock: Clock;
  readonly tokens: SessionTokens;
  readonly serviceMetrics: ServiceMetrics;
  readonly metrics: Pick<MockMetrics, 'registry'>;
  readonly store: Pick<Store, 'keepOnce' | 'windows' | 'transients'>;
  readonly access: Pick<AccessPolicy, 'passwordlessLogin'>;
  readonly afnemers: ReadonlyMap<string, unknown>;
}

/** Each status's URI made once: it is in every authentication's answer. */
const STATUS_URI_OF = Object.fromEntries(STATUSES.map((st) => [st, STATUS_URI(st)])) as Record<AuthnStatus, string>;

const iso = (t: number): string => new Date(t).toISOString();

function redirectUrl(acsUrl: string, artifact: string, relayState: string | undefined): string {
  const url = new URL(acsUrl);
  url.searchParams.append('SAMLart', artifact);
  if (relayState !== undefined) url.searchParams.append('RelayState', relayState);
  return url.href;
}

/**
 * DigiD without its routes: admission (ONE CapacityModel for every authentication of both flows),
 * the lifecycle of login requests and artifacts, the SP registry and signing key, and the figures
 * of /digid/stats. The plugin's routes parse and answer; everything they decide is here.
 */
export class DigidService {
  readonly cfg: MockConfig['digid'];
  readonly registry: SpRegistry;
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly #model: CapacityModel;
  readonly #pending: TransientMap<PendingRequest>;
  readonly #artifacts: TransientMap<StoredArtifact>;
  readonly #sessionTtlMs: number;
  readonly #configuredKey: SigningKey | undefined;
  #keyPromise: Promise<SigningKey> | undefined;
  readonly #byStatus: Record<AuthnStatus, number> = { Success: 0, AuthnFailed: 0, NoAuthnContext: 0, RequestDenied: 0 };
  readonly #successByLevel: Record<Level, number> = { Basis: 0, Midden: 0, Substantieel: 0, Hoog: 0 };
  readonly #resolves = { resolved: 0, denied: 0 };
  readonly #authCounter: Counter<'status'>;
  /** The counter's children with the label bound once: incremented per authentication. */
  readonly #authCounted: Record<AuthnStatus, { inc(): void }>;

  constructor(private readonly deps: DigidDeps) {
    const { config, clock } = deps;
    const cfg = config.digid;
    this.cfg = cfg;
    this.#sessionTtlMs = cfg.sessionTtlMs ?? config.auth.sessionTtlMs;
    this.concurrency = cfg.concurrency ?? defaultConcurrency(cfg.perMinute, cfg.serviceTime);
    this.maxQueue = cfg.maxQueue ?? defaultMaxQueue(cfg.perMinute);
    this.#model = new CapacityModel({
      service: DIGID_SERVICE,
      limits: [{ window: 'minute', limit: cfg.perMinute, normId: DIGID_AUTHENTICATIONS_PER_MINUTE.id }],
      concurrency: this.concurrency,
      maxQueue: this.maxQueue,
      serviceTime: cfg.serviceTime,
      seed: config.seed,
      clock,
      metrics: deps.serviceMetrics,
      shared: deps.store.windows,
      minuteNormMs: DIGID_PROCESSING_TIME.limit,
    });
    const now = (): number => clock.now();
    // Instances sharing a database keep them there, so any instance answers the form or the
    // ArtifactResolve; one process keeps them in memory (bounded by maxPendingRequests/maxArtifacts).
    const shared = deps.store.transients;
    this.#pending = shared
      ? sharedTransients<PendingRequest>(shared, 'digid-request', cfg.requestTtlMs, now)
      : memoryTransients<PendingRequest>(cfg.requestTtlMs, cfg.maxPendingRequests, now);
    this.#artifacts = shared
      ? sharedTransients<StoredArtifact>(shared, 'digid-artifact', cfg.artifactTtlMs, now)
      : memoryTransients<StoredArtifact>(cfg.artifactTtlMs, cfg.maxArtifacts, now);
    this.registry = buildSpRegistry(cfg);
    // The signing key: configured (read now, so a bad file stops the start), or generated on first use
    // and kept in the database (≈ 0.9 s once on a loaded 2-core machine; a mock that never signs never pays it).
    this.#configuredKey = cfg.signing
      ? readSigningKey(cfg.signing.privateKeyFile, cfg.signing.certificateFile)
      : undefined;
    this.#authCounter = new Counter({
      name: 'bbsim_digid_authentications_total',
      help: 'DigiD authentications by SAML status (both flows)',
      labelNames: ['status'],
      registers: [deps.metrics.registry],
    });
    this.#authCounted = Object.fromEntries(
      STATUSES.map((st) => [st, this.#authCounter.labels({ status: st })]),
    ) as Record<AuthnStatus, { inc(): void }>;
  }

  signingKey(): Promise<SigningKey> {
    this.#keyPromise ??= this.#configuredKey
      ? Promise.resolve(this.#configuredKey)
      : this.deps.store
          .keepOnce('digid.signingKey', () => JSON.stringify(generateSigningKey(this.cfg.entityId)))
          .then((v) => JSON.parse(v) as SigningKey);
    return this.#keyPromise;
  }

  /** The registered ACS this request may be answered at; throws SpRefused when there is none. */
  acsFor(info: AuthnRequestInfo): string {
    const { registry } = this;
    if (registry.open) {
      if (info.acsUrl === undefined) {
        throw new ProblemError(
          'INVALID_REQUEST',
          "SAMLRequest: AssertionConsumerServiceIndex needs the afnemer's metadata; no service providers are registered (digid.serviceProviders): send AssertionConsumerServiceURL",
          {
            field: 'SAMLRequest',
            rule: 'AuthnRequest/@AssertionConsumerServiceURL',
            serviceCode: 'RequestDenied',
          },
        );
      }
      return info.acsUrl;
    }
    const sp = info.issuer !== undefined ? registry.get(info.issuer) : undefined;
    if (!sp) {
      throw new SpRefused(
        'Onbekende dienst',
        `The service provider '${(info.issuer ?? '(no Issuer)').slice(0, 200)}' is not registered with DigiD (digid.serviceProviders: ${registry.all.map((x) => x.entityId).join(', ')}).`,
      );
    }
    if (info.acsUrl !== undefined) {
      if (!sp.acsUrls.includes(info.acsUrl)) {
        throw new SpRefused(
          'Onbekend terugkeeradres',
          `AssertionConsumerServiceURL '${info.acsUrl.slice(0, 200)}' is not registered for ${sp.entityId} (allowed: ${sp.acsUrls.join(', ')}).`,
        );
      }
      return info.acsUrl;
    }
    const url = sp.acsUrls[info.acsIndex ?? -1];
    if (url === undefined)
      throw new SpRefused(
        'Onbekend terugkeeradres',
        `AssertionConsumerServiceIndex ${info.acsIndex ?? '?'} is not registered for ${sp.entityId} (0..${sp.acsUrls.length - 1}).`,
      );
    return url;
  }

  // ----- the authentication itself (shared by both flows) -----

  #decide(a: Attempt): Decision {
    const { config } = this.deps;
    const at = this.deps.clock.now();
    if (a.denied !== undefined) return { status: 'RequestDenied', message: a.denied, at };
    if (a.cancel) return { status: 'AuthnFailed', message: 'the burger cancelled the login', at };
    const username = a.username ?? '';
    const highest = userLevel(username, config.seed, this.cfg.levelShares);
    if (highest === undefined) return { status: 'AuthnFailed', message: 'unknown username or wrong password', at };
    if (a.password !== undefined && a.password !== this.cfg.testPassword)
      return { status: 'AuthnFailed', message: 'unknown username or wrong password', at };
    if (rank(highest) < rank(a.level)) {
      return {
        status: 'NoAuthnContext',
        message: `level ${a.level} was requested; this account reaches ${highest} at most`,
        at,
      };
    }
    const sessionExpiresAt = at + this.#sessionTtlMs;
    const token = this.deps.tokens.issue({ bsn: username, exp: sessionExpiresAt, loa: a.level });
    return {
      status: 'Success',
      message: 'authenticated',
      at,
      success: { bsn: username, level: a.level, token, sessionExpiresAt },
    };
  }

  #refusal(r: Exclude<Handled<Decision>, { ok: true }>): ProblemError {
    if (r.reason === 'limit') {
      return new ProblemError('CAPACITY', r.detail, {
        retryAfter: r.retryAfterS,
        rule: `${r.limit} authentications per ${r.window} (${DIGID_AUTHENTICATIONS_PER_MINUTE.id})`,
        extra: { window: r.window, used: r.used, limit: r.limit },
      });
    }
    if (r.reason === 'saturated')
      return new ProblemError('CAPACITY', r.detail, {
        retryAfter: r.retryAfterS,
        rule: `concurrency ${this.concurrency}, queue ${this.maxQueue}`,
      });
    return new ProblemError('UNAVAILABLE', r.detail, { retryAfter: r.retryAfterS });
  }

  /**
   * Runs one authentication through the capacity model; a refusal throws a 503 ProblemError.
   * `sentAt`: the sim instant its load generator sent it (x-bbsim-sent-at), for the offered count.
   */
  async authenticate(a: Attempt, sentAt?: number): Promise<Served> {
    const r = await this.#model.handle(() => this.#decide(a), 1, sentAt);
    if (!r.ok) throw this.#refusal(r);
    this.#byStatus[r.value.status] += 1;
    if (r.value.success) this.#successByLevel[r.value.success.level] += 1;
    this.#authCounted[r.value.status].inc();
    return { decision: r.value, serviceMs: r.serviceMs, latencyMs: r.latencyMs };
  }

  // ----- the SAML artifact flow -----

  /** Keeps a login page's request until its form comes back; returns the page's handle. */
  async holdLogin(req: PendingRequest): Promise<string> {
    const handle = randomBytes(18).toString('base64url');
    await this.#pending.set(handle, req);
    return handle;
  }

  /**
   * The login form came back: one authentication for its request (the handle is single use, but
   * stays usable when refused for capacity, so the burger may try again).
   */
  async login(
    handle: string,
    form: { username?: string | undefined; password?: string | undefined; cancel: boolean },
  ): Promise<{ req: PendingRequest; served: Served }> {
    const req = await this.#pending.take(handle);
    if (!req) {
      throw new ProblemError(
        'INVALID_REQUEST',
        'unknown, expired or already used login request: start again from the afnemer (a login page is valid for digid.requestTtlMs and for one attempt)',
        {
          field: 'request',
          rule: 'a live request handle from the login page',
          serviceCode: 'RequestDenied',
        },
      );
    }
    try {
      const served = await this.authenticate({
        username: form.username ?? '',
        password: form.password ?? '',
        cancel: form.cancel,
        level: req.info.level,
        denied: undefined,
      });
      return { req, served };
    } catch (err) {
      await this.#pending.set(handle, req); // refused for capacity: the burger may try again
      throw err;
    }
  }

  /** Keeps the outcome for a new artifact; returns the afnemer's ACS URL carrying it. */
  async issueArtifact(req: PendingRequest, d: Decision): Promise<string> {
    const s = d.success;
    const outcome: Outcome = {
      status: d.status,
      message: d.message,
      at: d.at,
      inResponseTo: req.info.id,
      destination: req.acsUrl,
      ...(req.info.issuer !== undefined ? { audience: req.info.issuer } : {}),
      ...(s ? { success: { ...s, notOnOrAfter: d.at + this.cfg.artifactTtlMs } } : {}),
    };
    const artifact = newArtifact(this.cfg.entityId);
    await this.#artifacts.set(artifact, { outcome }, outcome.audience);
    return redirectUrl(req.acsUrl, artifact, req.relayState);
  }

  /** The ArtifactResponse for an ArtifactResolve (`body` is its XML, for the signature check). */
  async resolveArtifact(req: ArtifactResolveInfo, body: string): Promise<string> {
    const { cfg, registry } = this;
    const t = this.deps.clock.now();
    const key = await this.signingKey();
    const sign = (xml: string, local: 'Assertion' | 'Response'): string => signElement(xml, local, key);
    const sp = registry.get(req.issuer);
    const refusedWhy =
      !registry.open && !sp
        ? `the service provider '${req.issuer.slice(0, 200)}' is not registered with DigiD`
        : cfg.checkSignatures && sp?.certificatePem !== undefined
          ? checkEnvelopedSignature(body, 'ArtifactResolve', sp.certificatePem)
          : undefined;
    if (refusedWhy !== undefined) {
      // Refused before the artifact is looked at: it stays usable for the right SP.
      this.#resolves.denied += 1;
      return artifactResponseEnvelope(req, undefined, cfg.entityId, t, {
        status: 'RequestDenied',
        message: refusedWhy.startsWith('the service') ? refusedWhy : `ArtifactResolve signature: ${refusedWhy}`,
      });
    }
    // SAML Core 3.5.3: the message goes only to the SP it was issued for (its owner), and only once;
    // otherwise an ArtifactResponse with no message. Another SP's resolve does not use the artifact up.
    const stored = await this.#artifacts.take(req.artifact, req.issuer);
    if (stored) {
      this.#resolves.resolved += 1;
      return artifactResponseEnvelope(req, responseXml(stored.outcome, cfg.entityId, sign), cfg.entityId, t);
    }
    this.#resolves.denied += 1;
    return artifactResponseEnvelope(req, undefined, cfg.entityId, t);
  }

  // ----- the one-call authentication (for load) -----

  /** POST /digid/authenticate: checks the body, runs one authentication, and answers like a SAML Response in JSON. */
  async authenticateOnce(b: AuthenticateBody, sentAt?: number): Promise<Record<string, unknown>> {
    const { access, afnemers, config } = this.deps;
    if (b.bsn === undefined && b.username === undefined)
      throw new ProblemError('INVALID_REQUEST', "give bsn or username (a test user's username is its BSN)", {
        field: 'bsn',
        rule: 'bsn or username',
      });
    if (b.bsn !== undefined && b.username !== undefined && b.bsn !== b.username) {
      throw new ProblemError('INVALID_REQUEST', 'bsn and username differ; give one of them', {
        field: 'username',
        rule: 'bsn or username',
      });
    }
    if (b.bsn !== undefined && !isValidBsn(b.bsn))
      throw new ProblemError('INVALID_BSN', `BSN ${b.bsn} fails the elfproef`, { field: 'bsn', rule: 'elfproef' });
    // A session for any BSN without its password is a dev shortcut: off on an exposed mock unless configured (access-policy.ts).
    if (b.password === undefined && !access.passwordlessLogin) {
      throw new ProblemError(
        'INVALID_REQUEST',
        `password is required: password-less login is off (${config.auth.passwordlessLogin === false ? 'auth.passwordlessLogin: false' : `the mock listens beyond loopback on ${config.host}; set auth.passwordlessLogin: true to allow it`})`,
        { field: 'password', rule: 'required' },
      );
    }
    const level = b.level ?? 'Basis';
    const denied =
      b.afnemer !== undefined && !afnemers.has(b.afnemer)
        ? `afnemer ${b.afnemer} is not connected to DigiD (not in the mock's afnemers)`
        : undefined;
    const served = await this.authenticate(
      {
        username: b.bsn ?? b.username,
        password: b.password,
        cancel: b.cancel === true,
        level,
        denied,
      },
      sentAt,
    );
    const d = served.decision;
    const timing = { processingMs: Math.round(served.latencyMs * 1000) / 1000, serviceMs: served.serviceMs };
    if (!d.success) return { status: d.status, statusCode: STATUS_URI_OF[d.status], message: d.message, ...timing };
    return {
      status: d.status,
      statusCode: STATUS_URI_OF[d.status],
      bsn: d.success.bsn,
      level: d.success.level,
      authnContextClassRef: CLASS_REF[d.success.level],
      nameId: `${BSN_SECTOR}:${d.success.bsn}`,
      token: d.success.token,
      expiresAt: iso(d.success.sessionExpiresAt),
      ...(b.afnemer !== undefined ? { afnemer: b.afnemer } : {}),
      ...timing,
    };
  }

  // ----- figures and lifecycle -----

  /** The body of /digid/stats: the capacity figures (one shape for every service) and DigiD's own. */
  async stats(): Promise<Record<string, unknown>> {
    const capacity = this.#model.stats();
    const total = STATUSES.reduce((a, s) => a + this.#byStatus[s], 0);
    const within = capacity.minutes.withinNormPercent;
    return {
      service: DIGID_SERVICE,
      capacity,
      authentications: { ...this.#byStatus, total },
      successByLevel: this.#successByLevel,
      processingNorm: {
        id: DIGID_PROCESSING_TIME.id,
        limitMs: DIGID_PROCESSING_TIME.limit,
        attainmentPercent: DIGID_PROCESSING_TIME.attainment ?? null,
        holds:
          DIGID_PROCESSING_TIME.attainment === undefined || within === null
            ? null
            : within >= DIGID_PROCESSING_TIME.attainment,
      },
      pendingRequests: await this.#pending.size(),
      artifacts: { live: await this.#artifacts.size(), ...this.#resolves },
    };
  }

  close(): void {
    this.#model.close();
    this.#pending.clear();
    this.#artifacts.clear();
  }
}
