import { randomUUID } from 'node:crypto';
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
import type { Plan } from './planner.ts';
import { AbonnementLedger, type PendingEntry } from './ledger.ts';
import type { Store, StoredSubscription } from '../../store/store.ts';

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
  /** With `windows` (instances sharing a database): requests and planning kept in the store (the *Shared methods). */
  readonly store?: Pick<Store, 'windows' | 'updateSubscriptions' | 'getSubscription'>;
}

/** What the store keeps of a request besides its BSN list (StoredSubscription.info). */
interface StoredInfo extends VerzoekInfo {
  readonly sinds: number | undefined;
  readonly fingerprint: number;
}

/**
 * The Abonnementservice without its routes: admission (night window and quota per kind, room in
 * memory), the lifecycle of a request (accepted → pending → ready → forgotten after retentionMs) and
 * the figures of /stats. No timers: every call brings the state up to the sim clock's now first.
 */
export class AbonnementService {
  readonly #cfg: MockConfig['abonnementservice'];
  readonly #normMs = SUBSCRIPTION_LEAD_TIME.limit * 1000; // the norm is in seconds
  readonly #drawBase: () => number;
  readonly #nextId: () => number;
  /** Planners, figures and the pending requests of this process (the shared path reads its ledger from the store). */
  readonly #ledger: AbonnementLedger<Verzoek>;
  /** Every request held, in acceptance order (Map keeps insertion order), keyed by OIN and VerzoekId. */
  readonly #verzoeken = new Map<string, Verzoek>();
  #storedBsns = 0;

  constructor(private readonly deps: AbonnementDeps) {
    const cfg = deps.config.abonnementservice;
    this.#cfg = cfg;
    this.#ledger = new AbonnementLedger<Verzoek>(cfg, NORM_OF, this.#normMs);
    this.#drawBase = serviceTimeSampler(
      cfg.processing.base,
      createPrng(hash32(`${ABONNEMENTSERVICE}:processing`, deps.config.seed)),
    );
    // Instances sharing a database draw VerzoekIds from their own stream: one seed would give every
    // instance the same ids, and two afnemers' requests one key.
    this.#nextId = createPrng(
      hash32(`${ABONNEMENTSERVICE}:verzoek-ids${this.shared ? `:${randomUUID()}` : ''}`, deps.config.seed),
    );
  }

  // ----- lifecycle -----

  /** Whether requests and planning are kept in the store, for every instance on its database. */
  get shared(): boolean {
    return this.deps.store?.windows !== undefined;
  }

  /** Brings every planner, the processed counts and the retention up to `now`. */
  advance(now: number): void {
    this.#ledger.advance(now);
    for (const v of this.#verzoeken.values()) {
      if (v.readyAt + this.#cfg.retentionMs > now) break; // roughly in order; a later pass catches stragglers
      this.#forget(v);
    }
    this.#setQueueGauge();
  }

  #setQueueGauge(): void {
    this.deps.serviceMetrics.queue.set({ service: ABONNEMENTSERVICE }, this.#ledger.queued);
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
      this.#ledger.stats[a.kind].refused['store-full'] += 1;
      serviceMetrics.refused.inc({ service: ABONNEMENTSERVICE, reason: 'saturated' });
      const firstReady = this.#ledger.pending.reduce((t, v) => Math.min(t, v.readyAt), Number.POSITIVE_INFINITY);
      throw new ProblemError(
        'CAPACITY',
        `the Abonnementservice holds ${this.#verzoeken.size} requests with ${this.#storedBsns} BSNs, none answered yet (maxRequests ${cfg.maxRequests}, maxStoredBsns ${cfg.maxStoredBsns}); ask again later`,
        {
          retryAfter: this.retryAfterS(Number.isFinite(firstReady) ? firstReady - now : 60_000),
          extra: { reason: 'store-full' },
        },
      );
    }

    this.#ledger.countOffered(a.kind, now);
    const plan = this.#ledger.planners[a.kind].plan(now);
    if (!plan.ok) {
      this.#ledger.stats[a.kind].refused[plan.reason] += 1;
      serviceMetrics.refused.inc({ service: ABONNEMENTSERVICE, reason: 'limit' });
      return this.#refused(a.kind, plan, now);
    }
    const v = this.#accepted(a, key, verzoekId, fingerprint, plan, now, this.#ledger);
    this.#verzoeken.set(key, v);
    this.#ledger.pending.push(v);
    this.#storedBsns += listLength;
    serviceMetrics.admitted.inc({ service: ABONNEMENTSERVICE });
    this.#setQueueGauge();
    return { ok: true, verzoek: v };
  }

  #refused(kind: Kind, plan: Extract<Plan, { ok: false }>, now: number): Submitted {
    const cfg = this.#cfg;
    const r = this.#refusal(kind, plan, now);
    {
      return {
        ok: false,
        def: r.def,
        detail: r.detail,
        details: {
          field: 'X-Afnemer-OIN',
          rule:
            plan.reason === 'outside-window'
              ? `night window ${cfg.night.from}-${cfg.night.to}`
              : `at most ${cfg.perNight[kind]} ${kind} per night`,
          retryAfter: this.retryAfterS(plan.retryAt - now),
          extra: {
            reason: plan.reason,
            kind,
            used: plan.used,
            queued: plan.queued,
            limit: cfg.perNight[kind],
            retryAt: iso(plan.retryAt),
          },
        },
      };
    }
  }

  /** The request accepted by `plan`, counted in `ledger`. */
  #accepted(
    a: Aanvraag,
    key: string,
    verzoekId: string,
    fingerprint: number,
    plan: Extract<Plan, { ok: true }>,
    now: number,
    ledger: AbonnementLedger<Verzoek> | AbonnementLedger,
  ): Verzoek {
    const listLength = a.bsns?.length ?? 0;
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
    const s = ledger.stats[a.kind];
    s.accepted += 1;
    if (plan.deferred) s.deferred += 1;
    s.bsnsRequested += listLength;
    return v;
  }

  // ----- shared: instances on one database (store.updateSubscriptions) -----

  /**
   * `submit` for instances sharing a database: the planning state is read, advanced and written in
   * the store's transaction under its lock, so the night quotas hold for all instances together
   * (never more than perNight accepted per night), and the request is stored for every instance.
   * maxRequests and maxStoredBsns bound one process's memory and do not apply: answered requests
   * are deleted retentionMs after they are ready.
   */
  async submitShared(a: Aanvraag, now: number): Promise<Submitted> {
    const store = this.deps.store!;
    const { serviceMetrics } = this.deps;
    const fingerprint = fingerprintOf(a);
    const verzoekId = a.verzoekId ?? guidFrom(this.#nextId);
    const key = `${a.oin}/${verzoekId}`;
    let gauge = 0;
    const out = await store.updateSubscriptions(key, now - this.#cfg.retentionMs, (state, existing) => {
      const ledger = this.#parseLedger(state);
      ledger.advance(now);
      const keep = (result: Submitted) => {
        gauge = ledger.queued;
        return { state: JSON.stringify(ledger), result };
      };
      if (existing !== undefined) {
        const v = verzoekOf(existing);
        if (v.fingerprint === fingerprint && v.kind === a.kind && v.sinds === a.sinds)
          return keep({ ok: true, verzoek: v });
        return keep({
          ok: false,
          def: PROBLEMS.SUBSCRIPTION_DUPLICATE_VERZOEK,
          detail: `VerzoekId ${verzoekId} was used at ${iso(v.acceptedAt)} for a different ${v.kind} request of this afnemer; use a new VerzoekId`,
          details: { field: a.via === 'xml' ? 'VerzoekId' : 'verzoekId', rule: 'unique per afnemer' },
        });
      }
      ledger.countOffered(a.kind, now);
      const plan = ledger.planners[a.kind].plan(now);
      if (!plan.ok) {
        ledger.stats[a.kind].refused[plan.reason] += 1;
        return keep(this.#refused(a.kind, plan, now));
      }
      const v = this.#accepted(a, key, verzoekId, fingerprint, plan, now, ledger);
      ledger.pending.push(v);
      ledger.stored.requests += 1;
      ledger.stored.bsns += a.bsns?.length ?? 0;
      const info: StoredInfo = {
        verzoekId: v.verzoekId,
        kind: v.kind,
        oin: v.oin,
        acceptedAt: v.acceptedAt,
        startAt: v.startAt,
        readyAt: v.readyAt,
        deferred: v.deferred,
        withinNorm: v.withinNorm,
        sinds: v.sinds,
        fingerprint,
      };
      return {
        ...keep({ ok: true, verzoek: v }),
        store: { key, kind: v.kind, info: JSON.stringify(info), bsns: a.bsns, readyAt: v.readyAt },
      };
    });
    if (out.ok) serviceMetrics.admitted.inc({ service: ABONNEMENTSERVICE });
    else if (out.def.status === 429) serviceMetrics.refused.inc({ service: ABONNEMENTSERVICE, reason: 'limit' });
    serviceMetrics.queue.set({ service: ABONNEMENTSERVICE }, gauge);
    return out;
  }

  /** `lookup` for instances sharing a database: any instance's request. */
  async lookupShared(oin: string, verzoekId: string, now: number): Promise<Looked> {
    const stored = await this.deps.store!.getSubscription(`${oin}/${verzoekId}`);
    const v = stored === undefined || stored.readyAt + this.#cfg.retentionMs <= now ? undefined : verzoekOf(stored);
    return this.#looked(v, oin, verzoekId, now);
  }

  /** `stats` for instances sharing a database: the service's figures, the same from every instance. */
  async statsShared(now: number): Promise<Record<string, unknown>> {
    return this.deps.store!.updateSubscriptions('', now - this.#cfg.retentionMs, (state) => {
      const ledger = this.#parseLedger(state);
      ledger.advance(now);
      return { state: JSON.stringify(ledger), result: this.#statsOf(ledger, now, ledger.stored) };
    });
  }

  #parseLedger(state: string | undefined): AbonnementLedger {
    return AbonnementLedger.parse(this.#cfg, NORM_OF, this.#normMs, state);
  }

  // ----- answers -----

  /** An afnemer's request at `now`: pending or answered; another afnemer's, or a forgotten one, is 404. */
  lookup(oin: string, verzoekId: string, now: number): Looked {
    this.advance(now);
    return this.#looked(this.#verzoeken.get(`${oin}/${verzoekId}`), oin, verzoekId, now);
  }

  #looked(v: Verzoek | undefined, oin: string, verzoekId: string, now: number): Looked {
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
    this.advance(now);
    return this.#statsOf(this.#ledger, now, { requests: this.#verzoeken.size, bsns: this.#storedBsns });
  }

  #statsOf(ledger: AbonnementLedger, now: number, stored: { requests: number; bsns: number }): Record<string, unknown> {
    const cfg = this.#cfg;
    const { population } = this.deps;
    const anyPlanner = ledger.planners.alles;
    const night = anyPlanner.nightAt(now);
    const pendingOf = (k: Kind): PendingEntry[] => ledger.pending.filter((v) => v.kind === k);
    const kinds = Object.fromEntries(
      KINDS.map((k) => {
        const s = ledger.stats[k];
        const p = ledger.planners[k];
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
              peakOffered: ledger.offered[k].peak,
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
      withinNorm: KINDS.every((k) => ledger.stats[k].overNorm === 0),
      kinds,
      stored: {
        requests: stored.requests,
        bsns: stored.bsns,
        maxRequests: cfg.maxRequests,
        maxStoredBsns: cfg.maxStoredBsns,
      },
      population: { scope: population.scope, size: population.size, mutationRatePerDay: population.mutationRatePerDay },
    };
  }
}

/** A stored request as the service keeps it in memory. */
function verzoekOf(s: StoredSubscription): Verzoek {
  const info = JSON.parse(s.info) as StoredInfo;
  return { ...info, key: s.key, bsns: s.bsns, sinds: info.sinds ?? undefined };
}
