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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { guidFrom } from '../../berichten/generate.ts';
import { PROBLEMS, ProblemError, type ProblemDefinition } from '../../errors/catalogue.ts';
import { OIN_DIGITS, SUBSCRIPTION_LEAD_TIME, SUBSCRIPTION_NIGHT_ALLES, SUBSCRIPTION_NIGHT_BSN_LIJST, SUBSCRIPTION_NIGHT_MUTATIEBASIS } from '../../norms/index.ts';
import { formatBsn } from '../../population/index.ts';
import { createPrng, hash2, hash32 } from '../../random/index.ts';
import { requireAfnemer } from '../afnemer-auth.ts';
import { serviceTimeSampler, type WindowStats } from '../capacity/index.ts';
import { prefersXml, sendXml } from '../negotiate.ts';
import { sendProblem } from '../problems.ts';
import { NS_AANVRAAG, ROOT_AANVRAAG, parseJsonAanvraag, parseXmlAanvraag, type Aanvraag, type AanvraagError } from './aanvraag.ts';
import { isoCeil, resultJson, resultXml, statusJson, statusXml, type Resultaat, type VerzoekInfo } from './antwoord.ts';
import { KINDS, type Kind } from './config.ts';
import { NightPlanner, type Plan } from './planner.ts';
import { xmlTextParser } from '../body-text.ts';
import { GET_ANSWERS, STATS_ANSWERS, VERZOEK_ID_PATTERN, postAnswers } from './openapi.ts';
import { OIN_HEADER_SCHEMA } from '../openapi-schemas.ts';

const SERVICE = SUBSCRIPTION_LEAD_TIME.service;
const XML_TYPES = ['application/xml', 'text/xml'];
const NORM_OF: Readonly<Record<Kind, string>> = {
  'alles': SUBSCRIPTION_NIGHT_ALLES.id, 'bsn-lijst': SUBSCRIPTION_NIGHT_BSN_LIJST.id, 'mutatiebasis': SUBSCRIPTION_NIGHT_MUTATIEBASIS.id,
};

/**
 * Problems this service needs that the catalogue (src/errors/catalogue.ts) does not have yet; they use
 * the catalogue's format through sendProblem. To be moved there (then thrown as ProblemError).
 */

const gzip = promisify(gzipCallback);
const iso = (t: number): string => new Date(t).toISOString();

/** The route schemas document the interface (OpenAPI); the handler validates, so that every error names its field as the interface does. */
const documentationOnly = (): (() => boolean) => () => true;

interface Verzoek extends VerzoekInfo {
  readonly key: string;
  readonly bsns: Uint32Array | undefined;
  readonly sinds: number | undefined;
  readonly fingerprint: number;
}

interface KindStats {
  accepted: number;
  deferred: number;
  refused: { 'outside-window': number; 'quota': number; 'backlog-full': number; 'store-full': number };
  processed: number;
  leadTimeSumMs: number;
  maxLeadTimeMs: number;
  overNorm: number;
  bsnsRequested: number;
}

const newStats = (): KindStats => ({
  accepted: 0, deferred: 0, refused: { 'outside-window': 0, 'quota': 0, 'backlog-full': 0, 'store-full': 0 },
  processed: 0, leadTimeSumMs: 0, maxLeadTimeMs: 0, overNorm: 0, bsnsRequested: 0,
});

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
  const { clock, population } = ctx;
  const normMs = SUBSCRIPTION_LEAD_TIME.limit * 1000; // the norm is in seconds

  const planners = Object.fromEntries(KINDS.map((k) => [k, new NightPlanner({
    night: cfg.night, limit: cfg.perNight[k], normId: NORM_OF[k],
    outsideWindow: cfg.outsideWindow, overQuota: cfg.overQuota, maxQueuedNights: cfg.maxQueuedNights,
  })])) as Record<Kind, NightPlanner>;
  const drawBase = serviceTimeSampler(cfg.processing.base, createPrng(hash32(`${SERVICE}:processing`, ctx.config.seed)));
  const nextId = createPrng(hash32(`${SERVICE}:verzoek-ids`, ctx.config.seed));
  const stats = Object.fromEntries(KINDS.map((k) => [k, newStats()])) as Record<Kind, KindStats>;

  /** Every request held, in acceptance order (Map keeps insertion order), keyed by OIN and VerzoekId. */
  const verzoeken = new Map<string, Verzoek>();
  /** Requests whose answer is not ready yet. */
  let pending: Verzoek[] = [];
  let storedBsns = 0;

  /**
   * Requests offered per kind in the busiest night (the load the night quota norms are held
   * against); a request outside the window counts for the night it waits for.
   */
  const offered = Object.fromEntries(KINDS.map((k) => [k, { night: Number.NaN, count: 0, peak: 0 }])) as Record<Kind, { night: number; count: number; peak: number }>;
  const countOffered = (kind: Kind, now: number): void => {
    const o = offered[kind];
    const night = planners[kind].nightAt(now)?.start ?? planners[kind].nextNightStart(now);
    if (o.night !== night) Object.assign(o, { night, count: 0 });
    o.count += 1;
    o.peak = Math.max(o.peak, o.count);
  };

  const forget = (v: Verzoek): void => {
    verzoeken.delete(v.key);
    storedBsns -= v.bsns?.length ?? 0;
  };

  /** Brings every planner, the processed counts and the retention up to `now`. */
  const advance = (now: number): void => {
    for (const k of KINDS) planners[k].advance(now);
    if (pending.some((v) => v.readyAt <= now)) {
      const still: Verzoek[] = [];
      for (const v of pending) {
        if (v.readyAt > now) {
          still.push(v);
          continue;
        }
        const s = stats[v.kind];
        const lead = v.readyAt - v.acceptedAt;
        s.processed += 1;
        s.leadTimeSumMs += lead;
        s.maxLeadTimeMs = Math.max(s.maxLeadTimeMs, lead);
        if (lead > normMs) s.overNorm += 1;
      }
      pending = still;
    }
    for (const v of verzoeken.values()) {
      if (v.readyAt + cfg.retentionMs > now) break; // roughly in order; a later pass catches stragglers
      forget(v);
    }
    ctx.serviceMetrics.queue.set({ service: SERVICE }, KINDS.reduce((n, k) => n + planners[k].queued, 0));
  };

  /** Makes room for one more request holding `bsns` BSNs by dropping answered requests, oldest first. */
  const makeRoom = (now: number, bsns: number): boolean => {
    const fits = (): boolean => verzoeken.size < cfg.maxRequests && storedBsns + bsns <= cfg.maxStoredBsns;
    if (fits()) return true;
    for (const v of verzoeken.values()) {
      if (v.readyAt > now) continue;
      forget(v);
      if (fits()) return true;
    }
    return fits();
  };

  const retryAfterS = (simMs: number): number => Math.max(1, Math.ceil(clock.toWallMs(Math.max(0, simMs)) / 1000));

  const fingerprintOf = (a: Aanvraag): number => {
    let h = hash2(KINDS.indexOf(a.kind), a.sinds ?? 0, 0xab0);
    if (a.bsns) {
      h = hash2(h, a.bsns.length, 0xab1);
      for (const code of a.bsns) h = hash2(h, code, 0xab2);
    }
    return h;
  };

  /** Whole sim milliseconds, so that every instant the service promises is exact. */
  const processingMs = (kind: Kind, bsns: number): number => {
    const handled = kind === 'bsn-lijst' ? bsns : population.size;
    return Math.ceil(Math.max(0, drawBase()) + cfg.processing.perBsnMs * handled);
  };

  const refusal = (kind: Kind, plan: Extract<Plan, { ok: false }>, now: number): { def: ProblemDefinition; detail: string } => {
    const night = `${cfg.night.from}-${cfg.night.to}`;
    const limit = cfg.perNight[kind];
    const when = `${iso(plan.retryAt)} (sim time)`;
    switch (plan.reason) {
      case 'outside-window':
        return { def: PROBLEMS.SUBSCRIPTION_OUTSIDE_NIGHT, detail: `${kind} requests are taken in the night window ${night} only (outsideWindow: 'refuse'); it is now ${iso(now)}; ask again after ${when}` };
      case 'quota':
        return { def: PROBLEMS.SUBSCRIPTION_NIGHT_QUOTA, detail: `at most ${limit} ${kind} requests per night (${night}); ${plan.used} admitted this night, ${plan.queued} planned for the next (overQuota: 'refuse'); ask again after ${when}` };
      case 'backlog-full':
        return { def: PROBLEMS.SUBSCRIPTION_BACKLOG_FULL, detail: `${plan.queued} ${kind} requests already wait for the next ${cfg.maxQueuedNights} nights (at most ${limit} per night); ask again after ${when}` };
    }
  };

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
    properties: { 'x-afnemer-oin': { ...OIN_HEADER_SCHEMA, description: `${OIN_HEADER_SCHEMA.description}; must equal BerichtLeverancier/OIN` } },
  } as const;

  app.post('/abonnementservice/v1/verzoeken', {
    onRequest: identify,
    bodyLimit: cfg.bodyLimitBytes,
    validatorCompiler: documentationOnly,
    schema: {
      summary: 'Ask for the afnemer\'s subscribers: alles, a BSN list (bsn-lijst) or the mutations since an instant (mutatiebasis); answered asynchronously',
      description: `XML: ${ROOT_AANVRAAG} in ${NS_AANVRAAG}, children unqualified: BerichtLeverancier/OIN, VerzoekId (optional; generated when absent), then nothing (alles), `
        + `a BSNLijst of 1-${cfg.maxBsns} BSN elements (bsn-lijst) or a MutatieDatum instant (mutatiebasis). JSON: the object below. `
        + `Processed in the night window ${cfg.night.from}-${cfg.night.to} (sim time, Europe/Amsterdam), at most ${cfg.perNight.alles} alles / ${cfg.perNight['bsn-lijst']} bsn-lijst / `
        + `${cfg.perNight.mutatiebasis} mutatiebasis per night; outside the night: ${cfg.outsideWindow}, over the quota: ${cfg.overQuota} (queue: accepted for a later night, `
        + `the lead time may then exceed the ${SUBSCRIPTION_LEAD_TIME.limit / 3600} h norm; refuse: 429 with Retry-After). Answer 202 with the planned instants. `
        + 'Re-sending the same VerzoekId with the same content returns the same receipt; with other content 409.',
      tags: ['abonnementservice'],
      consumes: ['application/xml', 'text/xml', 'application/json'],
      headers: oinHeader,
      body: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: [...KINDS] },
          oin: { type: 'string', pattern: `^\\d{${OIN_DIGITS.max}}$`, description: 'BerichtLeverancier/OIN: must equal X-Afnemer-OIN' },
          verzoekId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._~:-]{0,99}$', description: 'Optional; generated (a GUID) when absent' },
          bsns: { type: 'array', maxItems: cfg.maxBsns, items: { type: 'string', pattern: '^\\d{9}$' }, description: 'bsn-lijst only: 1 to maxBsns BSNs (elfproef)' },
          sinds: { type: 'string', format: 'date-time', description: 'mutatiebasis only: ISO 8601 instant with zone, not in the future' },
        },
        required: ['type', 'oin'],
        additionalProperties: false,
      },
      ...postAnswers(cfg.maxBsns),
      response: {
        202: {
          description: 'Accepted; the answer follows at expectedReadyAt (sim time). XML (AbonnementVerzoekStatus) when Accept asks for it.',
          type: 'object',
          properties: {
            verzoekId: { type: 'string' }, type: { type: 'string' }, status: { type: 'string' }, oin: { type: 'string' },
            acceptedAt: { type: 'string' }, processingStartsAt: { type: 'string' }, expectedReadyAt: { type: 'string' },
            expectedLeadTimeMs: { type: 'number' }, withinNorm: { type: 'boolean' }, deferred: { type: 'boolean' }, statusUrl: { type: 'string' },
          },
        },
      },
    },
  }, async (request, reply) => {
    const afnemer = requireAfnemer(ctx, request);
    const now = clock.now();
    advance(now);
    const checkCtx = { headerOin: afnemer.oin, now, maxBsns: cfg.maxBsns };
    const checked = XML_TYPES.includes(mediaType(request))
      ? parseXmlAanvraag(typeof request.body === 'string' ? request.body : '', checkCtx)
      : parseJsonAanvraag(request.body, checkCtx);
    if (!checked.ok) throw problemOf(checked.error);
    const a = checked.aanvraag;
    const fingerprint = fingerprintOf(a);
    const send = (v: VerzoekInfo): FastifyReply => {
      reply.code(202).header('location', `/abonnementservice/v1/verzoeken/${encodeURIComponent(v.verzoekId)}`);
      return prefersXml(request) ? sendXml(reply, statusXml(v, 'accepted')) : reply.send(statusJson(v, 'accepted'));
    };

    const verzoekId = a.verzoekId ?? guidFrom(nextId);
    const key = `${a.oin}/${verzoekId}`;
    const existing = verzoeken.get(key);
    if (existing) {
      if (existing.fingerprint === fingerprint && existing.kind === a.kind && existing.sinds === a.sinds) return send(existing);
      return sendProblem(reply, PROBLEMS.SUBSCRIPTION_DUPLICATE_VERZOEK,
        `VerzoekId ${verzoekId} was used at ${iso(existing.acceptedAt)} for a different ${existing.kind} request of this afnemer; use a new VerzoekId`,
        { field: a.via === 'xml' ? 'VerzoekId' : 'verzoekId', rule: 'unique per afnemer' });
    }

    const listLength = a.bsns?.length ?? 0;
    if (!makeRoom(now, listLength)) {
      stats[a.kind].refused['store-full'] += 1;
      ctx.serviceMetrics.refused.inc({ service: SERVICE, reason: 'saturated' });
      const firstReady = pending.reduce((t, v) => Math.min(t, v.readyAt), Number.POSITIVE_INFINITY);
      throw new ProblemError('CAPACITY', `the Abonnementservice holds ${verzoeken.size} requests with ${storedBsns} BSNs, none answered yet (maxRequests ${cfg.maxRequests}, maxStoredBsns ${cfg.maxStoredBsns}); ask again later`,
        { retryAfter: retryAfterS(Number.isFinite(firstReady) ? firstReady - now : 60_000), extra: { reason: 'store-full' } });
    }

    countOffered(a.kind, now);
    const plan = planners[a.kind].plan(now);
    if (!plan.ok) {
      stats[a.kind].refused[plan.reason] += 1;
      ctx.serviceMetrics.refused.inc({ service: SERVICE, reason: 'limit' });
      const r = refusal(a.kind, plan, now);
      return sendProblem(reply, r.def, r.detail, {
        field: 'X-Afnemer-OIN', rule: plan.reason === 'outside-window' ? `night window ${cfg.night.from}-${cfg.night.to}` : `at most ${cfg.perNight[a.kind]} ${a.kind} per night`,
        retryAfter: retryAfterS(plan.retryAt - now),
        extra: { reason: plan.reason, kind: a.kind, used: plan.used, queued: plan.queued, limit: cfg.perNight[a.kind], retryAt: iso(plan.retryAt) },
      });
    }
    const readyAt = plan.startAt + processingMs(a.kind, listLength);
    const v: Verzoek = {
      key, verzoekId, kind: a.kind, oin: a.oin, acceptedAt: now, startAt: plan.startAt, readyAt,
      deferred: plan.deferred, withinNorm: readyAt - now <= normMs,
      bsns: a.bsns, sinds: a.sinds, fingerprint,
    };
    verzoeken.set(key, v);
    pending.push(v);
    storedBsns += listLength;
    const s = stats[a.kind];
    s.accepted += 1;
    if (plan.deferred) s.deferred += 1;
    s.bsnsRequested += listLength;
    ctx.serviceMetrics.admitted.inc({ service: SERVICE });
    ctx.serviceMetrics.queue.set({ service: SERVICE }, KINDS.reduce((n, k) => n + planners[k].queued, 0));
    return send(v);
  });

  /** The answer of a processed request, read from the population at its peilmoment. */
  const resultOf = (v: Verzoek): Resultaat => {
    const t = v.startAt;
    const info: VerzoekInfo = {
      verzoekId: v.verzoekId, kind: v.kind, oin: v.oin, acceptedAt: v.acceptedAt, startAt: v.startAt, readyAt: v.readyAt, deferred: v.deferred, withinNorm: v.withinNorm,
    };
    switch (v.kind) {
      case 'alles':
        return { ...info, bsns: population.allRecipients(v.oin, t) };
      case 'bsn-lijst': {
        const seen = new Set<number>();
        const out: string[] = [];
        for (const code of v.bsns ?? []) {
          if (seen.has(code)) continue;
          seen.add(code);
          const b = formatBsn(code);
          if (population.wantsLettersFrom(b, v.oin, t)) out.push(b);
        }
        return { ...info, bsns: out, requested: v.bsns?.length ?? 0 };
      }
      case 'mutatiebasis':
        return { ...info, sinds: v.sinds ?? t, mutaties: population.mutationsBetween(v.oin, Math.min(v.sinds ?? t, t), t) };
    }
  };

  app.get<{ Params: { id: string } }>('/abonnementservice/v1/verzoeken/:id', {
    onRequest: identify,
    schema: {
      summary: 'State of a subscription request: pending with its expected instant, or the answer (JSON; XML with Accept: application/xml; gzip with Accept-Encoding: gzip)',
      description: 'Pending: status "pending", processingStartsAt, expectedReadyAt (sim time) and a Retry-After header. Ready: status "ready" and the answer read from the '
        + 'population at the start of processing (peilmoment): alles and bsn-lijst list the BSNs with an active box that want the afnemer\'s letters (bsn-lijst: '
        + 'of the BSNs sent, each once); mutatiebasis lists per member whose state changed since `sinds` its latest state (actief | inactief) and when it changed. '
        + 'XML: AbonnementAntwoord (README.md of the mock). Answers are kept for retentionMs after they are ready; another afnemer\'s request is 404.',
      tags: ['abonnementservice'],
      produces: ['application/json', 'application/xml'],
      headers: oinHeader,
      params: { type: 'object', properties: { id: { type: 'string', pattern: VERZOEK_ID_PATTERN, maxLength: 100, description: 'The VerzoekId' } }, required: ['id'] },
      ...GET_ANSWERS,
    },
  }, async (request, reply) => {
    const afnemer = requireAfnemer(ctx, request);
    const now = clock.now();
    advance(now);
    const v = verzoeken.get(`${afnemer.oin}/${request.params.id}`);
    if (!v) {
      throw new ProblemError('NOT_FOUND', `no subscription request ${request.params.id.slice(0, 100)} of afnemer ${afnemer.oin} (answers are kept ${cfg.retentionMs} sim ms after they are ready)`, { field: 'id' });
    }
    const xml = prefersXml(request);
    if (now < v.readyAt) {
      reply.header('retry-after', String(retryAfterS(v.readyAt - now)));
      return xml ? sendXml(reply, statusXml(v, 'pending')) : reply.send(statusJson(v, 'pending'));
    }
    const r = resultOf(v);
    const body = xml ? resultXml(r) : JSON.stringify(resultJson(r));
    reply.header('vary', 'accept-encoding').type(xml ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8');
    if (acceptsGzip(request.headers['accept-encoding'])) {
      return reply.header('content-encoding', 'gzip').send(await gzip(Buffer.from(body, 'utf8')));
    }
    return reply.send(body);
  });

  app.get('/abonnementservice/v1/stats', {
    schema: {
      summary: 'Abonnementservice figures per kind: accepted, refused, processed, pending, lead times against the 4 h norm, night quota used',
      tags: ['abonnementservice'],
      ...STATS_ANSWERS,
    },
  }, async () => {
    const now = clock.now();
    advance(now);
    const anyPlanner = planners.alles;
    const night = anyPlanner.nightAt(now);
    const pendingOf = (k: Kind): Verzoek[] => pending.filter((v) => v.kind === k);
    const kinds = Object.fromEntries(KINDS.map((k) => {
      const s = stats[k];
      const p = planners[k];
      const waiting = pendingOf(k);
      const used = p.used(now);
      const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
      return [k, {
        accepted: s.accepted,
        refused,
        refusedByReason: { ...s.refused },
        deferred: s.deferred,
        processed: s.processed,
        pending: waiting.length,
        queuedForLaterNights: p.queued,
        bsnsRequested: s.bsnsRequested,
        maxLeadTimeMs: s.maxLeadTimeMs,
        // Known at acceptance: when a waiting request will be answered (deferred ones wait for the night).
        maxPlannedLeadTimeMs: waiting.reduce((m, v) => Math.max(m, v.readyAt - v.acceptedAt), 0),
        meanLeadTimeMs: s.processed ? s.leadTimeSumMs / s.processed : 0,
        overNorm: s.overNorm,
        pendingOverNorm: waiting.filter((v) => !v.withinNorm).length,
        nextReadyAt: waiting.length ? isoCeil(waiting.reduce((t, v) => Math.min(t, v.readyAt), Number.POSITIVE_INFINITY)) : null,
        // The night quota in the shape every service reports its windows (mock/capacity/capacity-stats.ts).
        night: {
          window: `night ${cfg.night.from}-${cfg.night.to}`, seconds: null, normId: NORM_OF[k], limit: p.limit,
          used, remaining: night ? Math.max(0, p.limit - used) : p.limit, peakOffered: offered[k].peak,
        } satisfies WindowStats,
      }];
    }));
    return {
      now: iso(now),
      night: {
        from: cfg.night.from, to: cfg.night.to, open: night !== undefined,
        start: night ? iso(night.start) : null, end: night ? iso(night.end) : null,
        nextStart: iso(anyPlanner.nextNightStart(now)),
      },
      policy: { outsideWindow: cfg.outsideWindow, overQuota: cfg.overQuota, maxQueuedNights: cfg.maxQueuedNights },
      leadTimeNormMs: normMs,
      withinNorm: KINDS.every((k) => stats[k].overNorm === 0),
      kinds,
      stored: { requests: verzoeken.size, bsns: storedBsns, maxRequests: cfg.maxRequests, maxStoredBsns: cfg.maxStoredBsns },
      population: { scope: population.scope, size: population.size, mutationRatePerDay: population.mutationRatePerDay },
    };
  });
}

function problemOf(e: AanvraagError): ProblemError {
  return new ProblemError(e.problem, e.detail, {
    field: e.field, rule: e.rule,
    ...(e.serviceCode !== undefined ? { serviceCode: e.serviceCode } : {}),
    ...(e.extra ? { extra: e.extra } : {}),
  });
}
