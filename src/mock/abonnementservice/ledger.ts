import type { MockConfig } from '../config.ts';
import { KINDS, type Kind } from './config.ts';
import { NightPlanner, type PlannerOptions, type PlannerSnapshot } from './planner.ts';

export interface KindStats {
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

/** What the figures need of a request that is not answered yet. */
export interface PendingEntry {
  readonly kind: Kind;
  readonly acceptedAt: number;
  readonly readyAt: number;
  readonly withinNorm: boolean;
}

/** The ledger as JSON: what instances sharing a database keep in it (store.updateSubscriptions). */
interface LedgerSnapshot {
  readonly planners: Partial<Record<Kind, PlannerSnapshot>>;
  readonly stats: Record<Kind, KindStats>;
  readonly offered: Record<Kind, { night: number | null; count: number; peak: number }>;
  readonly pending: readonly PendingEntry[];
  readonly stored: { requests: number; bsns: number };
}

/**
 * The Abonnementservice's planning and figures without the requests themselves: the night planner
 * of each kind, the counts per kind, the load offered per night and the requests still pending. One
 * process keeps one ledger in memory; instances sharing a database read it from there and write it
 * back in the same transaction, under its lock, so that their night quotas are one.
 */
export class AbonnementLedger<P extends PendingEntry = PendingEntry> {
  readonly planners: Record<Kind, NightPlanner>;
  readonly stats: Record<Kind, KindStats>;
  /** Requests offered per kind in the busiest night; a request outside the window counts for the night it waits for. */
  readonly offered: Record<Kind, { night: number; count: number; peak: number }>;
  pending: P[];
  /** Requests and BSNs held (a shared ledger's count; one process counts its map). */
  readonly stored: { requests: number; bsns: number };

  constructor(
    cfg: MockConfig['abonnementservice'],
    normIds: Readonly<Record<Kind, string>>,
    private readonly normMs: number,
    snap?: LedgerSnapshot,
  ) {
    const optsOf = (k: Kind): PlannerOptions => ({
      night: cfg.night,
      limit: cfg.perNight[k],
      normId: normIds[k],
      outsideWindow: cfg.outsideWindow,
      overQuota: cfg.overQuota,
      maxQueuedNights: cfg.maxQueuedNights,
    });
    this.planners = Object.fromEntries(
      KINDS.map((k) => [k, NightPlanner.restore(optsOf(k), snap?.planners[k])]),
    ) as Record<Kind, NightPlanner>;
    this.stats = Object.fromEntries(KINDS.map((k) => [k, snap?.stats[k] ?? newStats()])) as Record<Kind, KindStats>;
    this.offered = Object.fromEntries(
      KINDS.map((k) => {
        const o = snap?.offered[k];
        return [k, { night: o?.night ?? Number.NaN, count: o?.count ?? 0, peak: o?.peak ?? 0 }];
      }),
    ) as Record<Kind, { night: number; count: number; peak: number }>;
    this.pending = (snap?.pending ?? []) as P[];
    this.stored = { ...(snap?.stored ?? { requests: 0, bsns: 0 }) };
  }

  /** A ledger from its JSON (undefined: a fresh one). */
  static parse(
    cfg: MockConfig['abonnementservice'],
    normIds: Readonly<Record<Kind, string>>,
    normMs: number,
    json: string | undefined,
  ): AbonnementLedger {
    return new AbonnementLedger(
      cfg,
      normIds,
      normMs,
      json === undefined ? undefined : (JSON.parse(json) as LedgerSnapshot),
    );
  }

  toJSON(): LedgerSnapshot {
    return {
      planners: Object.fromEntries(KINDS.map((k) => [k, this.planners[k].snapshot()])),
      stats: this.stats,
      offered: Object.fromEntries(
        KINDS.map((k) => {
          const o = this.offered[k];
          return [k, { night: Number.isNaN(o.night) ? null : o.night, count: o.count, peak: o.peak }];
        }),
      ) as LedgerSnapshot['offered'],
      pending: this.pending.map((v) => ({
        kind: v.kind,
        acceptedAt: v.acceptedAt,
        readyAt: v.readyAt,
        withinNorm: v.withinNorm,
      })),
      stored: this.stored,
    };
  }

  /** Brings every planner and the processed counts up to `now`. */
  advance(now: number): void {
    for (const k of KINDS) this.planners[k].advance(now);
    if (this.pending.some((v) => v.readyAt <= now)) {
      const still: P[] = [];
      for (const v of this.pending) {
        if (v.readyAt > now) {
          still.push(v);
          continue;
        }
        const s = this.stats[v.kind];
        const lead = v.readyAt - v.acceptedAt;
        s.processed += 1;
        s.leadTimeSumMs += lead;
        s.maxLeadTimeMs = Math.max(s.maxLeadTimeMs, lead);
        if (lead > this.normMs) s.overNorm += 1;
      }
      this.pending = still;
    }
  }

  countOffered(kind: Kind, now: number): void {
    const o = this.offered[kind];
    const night = this.planners[kind].nightAt(now)?.start ?? this.planners[kind].nextNightStart(now);
    if (o.night !== night) Object.assign(o, { night, count: 0 });
    o.count += 1;
    o.peak = Math.max(o.peak, o.count);
  }

  get queued(): number {
    return KINDS.reduce((n, k) => n + this.planners[k].queued, 0);
  }
}
