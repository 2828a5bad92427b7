import { guidFrom } from '../../berichten/index.ts';
import type { Clock } from '../../clock/index.ts';
import { PROBLEMS, ProblemError, type ProblemDefinition, type ProblemDetails } from '../../errors/catalogue.ts';
import {
  SUBSCRIPTION_LEAD_TIME,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
} from '../../norms/index.ts';
import { formatBsn, type Population } from '../../population/index.ts';
import { createPrng, hash2, hash32 } from '../../random/index.ts';
import { serviceTimeSampler, type ServiceMetrics, type WindowStats } from '../capacity/index.ts';
import type { MockConfig } from '../config.ts';
import type { Aanvraag } from './aanvraag.ts';
import { isoCeil, type Resultaat, type VerzoekInfo } from './antwoord.ts';
import { KINDS, type Kind } from './config.ts';
import { NightPlanner, type Plan } from './planner.ts';

export const ABONNEMENTSERVICE = SUBSCRIPTION_LEAD_TIME.service;
const NORM_OF: Readonly<Record<Kind, string>> = {
  alles: SUBSCRIPTION_NIGHT_ALLES.id,
  'bsn-lijst': SUBSCRIPTION_NIGHT_BSN_LIJST.id,
  mutatiebasis: SUBSCRIPTION_NIGHT_MUTATIEBASIS.id,
};

const iso = (t: number): string => new Date(t).toISOString();

interface Verzoek extends VerzoekInfo {
  readonly key: string;
  readonly bsns: Uint32Array | undefined;
  readonly sinds: number | undefined;
  readonly fingerprint: number;
}

interface KindStats {
  accepted: number;
  deferred: number;
  refused: { 'outside-window': number; quota: number; 'backlog-full': number; 'store-full': number };
  processed: number;
  leadTimeSumMs: number;
  maxLeadTimeMs: number;
  overNorm: number;
  bsnsRequested: number;
}

const newStats = (): KindStats => ({
  accepted: 0,
  deferred: 0,
  refused: { 'outside-window': 0, quota: 0, 'backlog-full': 0, 'store-full': 0 },
  processed: 0,
  leadTimeSumMs: 0,
  maxLeadTimeMs: 0,
  overNorm: 0,
  bsnsRequested: 0,
});

function fingerprintOf(a: Aanvraag): number {
  let h = hash2(KINDS.indexOf(a.kind), a.sinds ?? 0, 0xab0);
  if (a.bsns) {
    h = hash2(h, a.bsns.length, 0xab1);
    for (const code of a.bsns) h = hash2(h, code, 0xab2);
  }
  return h;
}

/** What submitting a request gives: a receipt (also for a repeat of the same request), or a refusal to answer as problem+json. */
export type Submitted =
  | { readonly ok: true; readonly verzoek: VerzoekInfo }
  | { readonly ok: false; readonly def: ProblemDefinition; readonly detail: string; readonly details: ProblemDetails };

/** A request's state: still pending (with the Retry-After to give), or its answer. */
export type Looked =
  | { readonly ready: false; readonly verzoek: VerzoekInfo; readonly retryAfterS: number }
  | { readonly ready: true; readonly result: Resultaat };

/** What the Abonnementservice needs of the mock (the MockContext fits). */
export interface AbonnementDeps {
  readonly config: MockConfig;
  readonly clock: Clock;
  readonly population: Population;
  readonly serviceMetrics: ServiceMetrics;
}

/**
 * The Abonnementservice without its routes: admission (night window and quota per kind, room in
 * memory), the lifecycle of a request (accepted → pending → ready → forgotten after retentionMs) and
 * the figures of /stats. No timers: every call brings the state up to the sim clock's now first.
 */
export class AbonnementService {
  readonly #cfg: MockConfig['abonnementservice'];
  readonly #normMs = SUBSCRIPTION_LEAD_TIME.limit * 1000; // the norm is in seconds
  readonly #planners: Record<Kind, NightPlanner>;
  readonly #drawBase: () => number;
  readonly #nextId: () => number;
  readonly #stats = Object.fromEntries(KINDS.map((k) => [k, newStats()])) as Record<Kind, KindStats>;
  /** Every request held, in acceptance order (Map keeps insertion order), keyed by OIN and VerzoekId. */
  readonly #verzoeken = new Map<string, Verzoek>();
  /** Requests whose answer is not ready yet. */
  #pending: Verzoek[] = [];
  #storedBsns = 0;
  /**
   * Requests offered per kind in the busiest night (the load the night quota norms are held
   * against); a request outside the window counts for the night it waits for.
   */
  readonly #offered = Object.fromEntries(KINDS.map((k) => [k, { night: Number.NaN, count: 0, peak: 0 }])) as Record<
    Kind,
    { night: number; count: number; peak: number }
  >;

  constructor(private readonly deps: AbonnementDeps) {
    const cfg = deps.config.abonnementservice;
    this.#cfg = cfg;
    this.#planners = Object.fromEntries(
      KINDS.map((k) => [
        k,
        new NightPlanner({
          night: cfg.night,
          limit: cfg.perNight[k],
          normId: NORM_OF[k],
          outsideWindow: cfg.outsideWindow,
          overQuota: cfg.overQuota,
          maxQueuedNights: cfg.maxQueuedNights,
        }),
      ]),
    ) as Record<Kind, NightPlanner>;
    this.#drawBase = serviceTimeSampler(
      cfg.processing.base,
      createPrng(hash32(`${ABONNEMENTSERVICE}:processing`, deps.config.seed)),
    );
    this.#nextId = createPrng(hash32(`${ABONNEMENTSERVICE}:verzoek-ids`, deps.config.seed));
  }

  // ----- lifecycle -----

  /** Brings every planner, the processed counts and the retention up to `now`. */
  advance(now: number): void {
    for (const k of KINDS) this.#planners[k].advance(now);
    if (this.#pending.some((v) => v.readyAt <= now)) {
      const still: Verzoek[] = [];
      for (const v of this.#pending) {
        if (v.readyAt > now) {
          still.push(v);
          continue;
        }
        const s = this.#stats[v.kind];
        const lead = v.readyAt - v.acceptedAt;
        s.processed += 1;
        s.leadTimeSumMs += lead;
        s.maxLeadTimeMs = Math.max(s.maxLeadTimeMs, lead);
        if (lead > this.#normMs) s.overNorm += 1;
      }
      this.#pending = still;
    }
    for (const v of this.#verzoeken.values()) {
      if (v.readyAt + this.#cfg.retentionMs > now) break; // roughly in order; a later pass catches stragglers
      this.#forget(v);
    }
    this.#setQueueGauge();
  }

  #setQueueGauge(): void {
    this.deps.serviceMetrics.queue.set(
      { service: ABONNEMENTSERVICE },
      KINDS.reduce((n, k) => n + this.#planners[k].queued, 0),
    );
  }

  #forget(v: Verzoek): void {
    this.#verzoeken.delete(v.key);
    this.#storedBsns -= v.bsns?.length ?? 0;
  }

  /** Makes room for one more request holding `bsns` BSNs by dropping answered requests, oldest first. */
  #makeRoom(now: number, bsns: number): boolean {
    const cfg = this.#cfg;
    const fits = (): boolean => this.#verzoeken.size < cfg.maxRequests && this.#storedBsns + bsns <= cfg.maxStoredBsns;
    if (fits()) return true;
    for (const v of this.#verzoeken.values()) {
      if (v.readyAt > now) continue;
      this.#forget(v);
      if (fits()) return true;
    }
    return fits();
  }

  retryAfterS(simMs: number): number {
    return Math.max(1, Math.ceil(this.deps.clock.toWallMs(Math.max(0, simMs)) / 1000));
  }

  /** Whole sim milliseconds, so that every instant the service promises is exact. */
  #processingMs(kind: Kind, bsns: number): number {
    const handled = kind === 'bsn-lijst' ? bsns : this.deps.population.size;
    return Math.ceil(Math.max(0, this.#drawBase()) + this.#cfg.processing.perBsnMs * handled);
  }

  #countOffered(kind: Kind, now: number): void {
    const o = this.#offered[kind];
    const night = this.#planners[kind].nightAt(now)?.start ?? this.#planners[kind].nextNightStart(now);
    if (o.night !== night) Object.assign(o, { night, count: 0 });
    o.count += 1;
    o.peak = Math.max(o.peak, o.count);
  }

  #refusal(kind: Kind, plan: Extract<Plan, { ok: false }>, now: number): { def: ProblemDefinition; detail: string } {
    const cfg = this.#cfg;
    const night = `${cfg.night.from}-${cfg.night.to}`;
    const limit = cfg.perNight[kind];
    const when = `${iso(plan.retryAt)} (sim time)`;
    switch (plan.reason) {
      case 'outside-window':
        return {
          def: PROBLEMS.SUBSCRIPTION_OUTSIDE_NIGHT,
          detail: `${kind} requests are taken in the night window ${night} only (outsideWindow: 'refuse'); it is now ${iso(now)}; ask again after ${when}`,
        };
      case 'quota':
        return {
          def: PROBLEMS.SUBSCRIPTION_NIGHT_QUOTA,
          detail: `at most ${limit} ${kind} requests per night (${night}); ${plan.used} admitted this night, ${plan.queued} planned for the next (overQuota: 'refuse'); ask again after ${when}`,
        };
      case 'backlog-full':
        return {
          def: PROBLEMS.SUBSCRIPTION_BACKLOG_FULL,
          detail: `${plan.queued} ${kind} requests already wait for the next ${cfg.maxQueuedNights} nights (at most ${limit} per night); ask again after ${when}`,
        };
    }
  }

  // ----- admission -----

  /**
   * Admits a checked request at `now`: the same receipt for a repeat of the same VerzoekId and
   * content, 409 for other content, 503 (thrown) when memory holds no room, 429 by the night planner.
   */
  submit(a: Aanvraag, now: number): Submitted {
    const cfg = this.#cfg;
    const { serviceMetrics } = this.deps;
    this.advance(now);
    const fingerprint = fingerprintOf(a);
    const verzoekId = a.verzoekId ?? guidFrom(this.#nextId);
    const key = `${a.oin}/${verzoekId}`;
    const existing = this.#verzoeken.get(key);
    if (existing) {
      if (existing.fingerprint === fingerprint && existing.kind === a.kind && existing.sinds === a.sinds)
        return { ok: true, verzoek: existing };
      return {
        ok: false,
        def: PROBLEMS.SUBSCRIPTION_DUPLICATE_VERZOEK,
        detail: `VerzoekId ${verzoekId} was used at ${iso(existing.acceptedAt)} for a different ${existing.kind} request of this afnemer; use a new VerzoekId`,
        details: { field: a.via === 'xml' ? 'VerzoekId' : 'verzoekId', rule: 'unique per afnemer' },
      };
    }

    const listLength = a.bsns?.length ?? 0;
    if (!this.#makeRoom(now, listLength)) {
      this.#stats[a.kind].refused['store-full'] += 1;
      serviceMetrics.refused.inc({ service: ABONNEMENTSERVICE, reason: 'saturated' });
      const firstReady = this.#pending.reduce((t, v) => Math.min(t, v.readyAt), Number.POSITIVE_INFINITY);
      throw new ProblemError(
        'CAPACITY',
        `the Abonnementservice holds ${this.#verzoeken.size} requests with ${this.#storedBsns} BSNs, none answered yet (maxRequests ${cfg.maxRequests}, maxStoredBsns ${cfg.maxStoredBsns}); ask again later`,
        {
          retryAfter: this.retryAfterS(Number.isFinite(firstReady) ? firstReady - now : 60_000),
          extra: { reason: 'store-full' },
        },
      );
    }

    this.#countOffered(a.kind, now);
    const plan = this.#planners[a.kind].plan(now);
    if (!plan.ok) {
      this.#stats[a.kind].refused[plan.reason] += 1;
      serviceMetrics.refused.inc({ service: ABONNEMENTSERVICE, reason: 'limit' });
      const r = this.#refusal(a.kind, plan, now);
      return {
        ok: false,
        def: r.def,
        detail: r.detail,
        details: {
          field: 'X-Afnemer-OIN',
          rule:
            plan.reason === 'outside-window'
              ? `night window ${cfg.night.from}-${cfg.night.to}`
              : `at most ${cfg.perNight[a.kind]} ${a.kind} per night`,
          retryAfter: this.retryAfterS(plan.retryAt - now),
          extra: {
            reason: plan.reason,
            kind: a.kind,
            used: plan.used,
            queued: plan.queued,
            limit: cfg.perNight[a.kind],
            retryAt: iso(plan.retryAt),
          },
        },
      };
    }
    const readyAt = plan.startAt + this.#processingMs(a.kind, listLength);
    const v: Verzoek = {
      key,
      verzoekId,
      kind: a.kind,
      oin: a.oin,
      acceptedAt: now,
      startAt: plan.startAt,
      readyAt,
      deferred: plan.deferred,
      withinNorm: readyAt - now <= this.#normMs,
      bsns: a.bsns,
      sinds: a.sinds,
      fingerprint,
    };
    this.#verzoeken.set(key, v);
    this.#pending.push(v);
    this.#storedBsns += listLength;
    const s = this.#stats[a.kind];
    s.accepted += 1;
    if (plan.deferred) s.deferred += 1;
    s.bsnsRequested += listLength;
    serviceMetrics.admitted.inc({ service: ABONNEMENTSERVICE });
    this.#setQueueGauge();
    return { ok: true, verzoek: v };
  }

  // ----- answers -----

  /** An afnemer's request at `now`: pending or answered; another afnemer's, or a forgotten one, is 404. */
  lookup(oin: string, verzoekId: string, now: number): Looked {
    this.advance(now);
    const v = this.#verzoeken.get(`${oin}/${verzoekId}`);
    if (!v) {
      throw new ProblemError(
        'NOT_FOUND',
        `no subscription request ${verzoekId.slice(0, 100)} of afnemer ${oin} (answers are kept ${this.#cfg.retentionMs} sim ms after they are ready)`,
        { field: 'id' },
      );
    }
    if (now < v.readyAt) return { ready: false, verzoek: v, retryAfterS: this.retryAfterS(v.readyAt - now) };
    return { ready: true, result: this.#resultOf(v) };
  }

  /** The answer of a processed request, read from the population at its peilmoment. */
  #resultOf(v: Verzoek): Resultaat {
    const { population } = this.deps;
    const t = v.startAt;
    const info: VerzoekInfo = {
      verzoekId: v.verzoekId,
      kind: v.kind,
      oin: v.oin,
      acceptedAt: v.acceptedAt,
      startAt: v.startAt,
      readyAt: v.readyAt,
      deferred: v.deferred,
      withinNorm: v.withinNorm,
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
        return {
          ...info,
          sinds: v.sinds ?? t,
          mutaties: population.mutationsBetween(v.oin, Math.min(v.sinds ?? t, t), t),
        };
    }
  }

  // ----- figures -----

  /** The body of /abonnementservice/v1/stats at `now`. */
  stats(now: number): Record<string, unknown> {
    const cfg = this.#cfg;
    const { population } = this.deps;
    this.advance(now);
    const anyPlanner = this.#planners.alles;
    const night = anyPlanner.nightAt(now);
    const pendingOf = (k: Kind): Verzoek[] => this.#pending.filter((v) => v.kind === k);
    const kinds = Object.fromEntries(
      KINDS.map((k) => {
        const s = this.#stats[k];
        const p = this.#planners[k];
        const waiting = pendingOf(k);
        const used = p.used(now);
        const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
        return [
          k,
          {
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
            nextReadyAt: waiting.length
              ? isoCeil(waiting.reduce((t, v) => Math.min(t, v.readyAt), Number.POSITIVE_INFINITY))
              : null,
            // The night quota in the shape every service reports its windows (mock/capacity/capacity-stats.ts).
            night: {
              window: `night ${cfg.night.from}-${cfg.night.to}`,
              seconds: null,
              normId: NORM_OF[k],
              limit: p.limit,
              used,
              remaining: night ? Math.max(0, p.limit - used) : p.limit,
              peakOffered: this.#offered[k].peak,
            } satisfies WindowStats,
          },
        ];
      }),
    );
    return {
      now: iso(now),
      night: {
        from: cfg.night.from,
        to: cfg.night.to,
        open: night !== undefined,
        start: night ? iso(night.start) : null,
        end: night ? iso(night.end) : null,
        nextStart: iso(anyPlanner.nextNightStart(now)),
      },
      policy: { outsideWindow: cfg.outsideWindow, overQuota: cfg.overQuota, maxQueuedNights: cfg.maxQueuedNights },
      leadTimeNormMs: this.#normMs,
      withinNorm: KINDS.every((k) => this.#stats[k].overNorm === 0),
      kinds,
      stored: {
        requests: this.#verzoeken.size,
        bsns: this.#storedBsns,
        maxRequests: cfg.maxRequests,
        maxStoredBsns: cfg.maxStoredBsns,
      },
      population: { scope: population.scope, size: population.size, mutationRatePerDay: population.mutationRatePerDay },
    };
  }
}
