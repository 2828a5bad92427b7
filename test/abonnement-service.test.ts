import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { fromLocal, HOUR, ManualClock } from '../src/clock/index.ts';
import { ProblemError } from '../src/errors/catalogue.ts';
import { AbonnementService } from '../src/mock/abonnementservice/abonnement-service.ts';
import type { Aanvraag } from '../src/mock/abonnementservice/aanvraag.ts';
import { createServiceMetrics } from '../src/mock/capacity/index.ts';
import { loadMockConfig, type MockConfigInput } from '../src/mock/config.ts';
import { createPopulation } from '../src/population/index.ts';

/** The Abonnementservice without Fastify: a manual clock at 23:30 (in the night window), its own metrics. */
function service(abonnementservice: MockConfigInput['abonnementservice'] = {}) {
  const config = loadMockConfig({
    abonnementservice: { processing: { base: { kind: 'fixed', ms: 1000 }, perBsnMs: 0 }, ...abonnementservice },
  });
  const clock = new ManualClock(fromLocal(2026, 11, 17, 23, 30));
  const svc = new AbonnementService({
    config,
    clock,
    population: createPopulation({ seed: config.seed, ...config.population }),
    serviceMetrics: createServiceMetrics(new Registry()),
  });
  return { svc, clock, oin: config.afnemers[0]!.oin };
}

const aanvraag = (oin: string, over: Partial<Aanvraag> = {}): Aanvraag => ({
  kind: 'alles',
  oin,
  verzoekId: 'v1',
  bsns: undefined,
  sinds: undefined,
  via: 'json',
  ...over,
});
type KindFigures = {
  accepted: number;
  processed: number;
  pending: number;
  refused: number;
  refusedByReason: Record<string, number>;
  night: { used: number; limit: number };
};
const kinds = (svc: AbonnementService, now: number) => (svc.stats(now) as { kinds: Record<string, KindFigures> }).kinds;

describe('AbonnementService (no Fastify)', () => {
  it('a request goes accepted → pending → ready, and the same VerzoekId with the same content gives the same receipt', () => {
    const { svc, clock, oin } = service();
    const now = clock.now();
    const first = svc.submit(aanvraag(oin), now);
    expect(first.ok).toBe(true);
    expect(svc.submit(aanvraag(oin), now)).toEqual(first);
    const pending = svc.lookup(oin, 'v1', now);
    expect(pending.ready).toBe(false);
    expect(!pending.ready && pending.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(kinds(svc, now)['alles']).toMatchObject({ accepted: 1, pending: 1, processed: 0 });
    const later = now + HOUR;
    const ready = svc.lookup(oin, 'v1', later);
    expect(ready.ready && ready.result.bsns?.length).toBeGreaterThan(0);
    expect(kinds(svc, later)['alles']).toMatchObject({ accepted: 1, pending: 0, processed: 1 });
    // Another afnemer's request is not found.
    expect(() => svc.lookup('00000000000000000099', 'v1', later)).toThrow(ProblemError);
  });

  it('the same VerzoekId with other content is a 409; over the night quota with overQuota refuse a 429 with Retry-After', () => {
    const { svc, clock, oin } = service({ perNight: { alles: 1 }, overQuota: 'refuse' });
    const now = clock.now();
    expect(svc.submit(aanvraag(oin), now).ok).toBe(true);
    const conflict = svc.submit(aanvraag(oin, { kind: 'mutatiebasis', sinds: now - HOUR }), now);
    expect(conflict.ok === false && conflict.def.status).toBe(409);
    const over = svc.submit(aanvraag(oin, { verzoekId: 'v2' }), now);
    expect(over.ok === false && [over.def.status, over.details.extra?.['reason']]).toEqual([429, 'quota']);
    expect(over.ok === false && over.details.retryAfter).toBeGreaterThan(0);
    expect(kinds(svc, now)['alles']).toMatchObject({
      accepted: 1,
      refused: 1,
      refusedByReason: { quota: 1 },
      night: { used: 1, limit: 1 },
    });
  });

  it('forgets answers after retentionMs; refuses (503) when memory holds no room and nothing is answered', () => {
    const { svc, clock, oin } = service({ maxRequests: 1, retentionMs: 2 * HOUR });
    const now = clock.now();
    expect(svc.submit(aanvraag(oin), now).ok).toBe(true);
    expect(() => svc.submit(aanvraag(oin, { verzoekId: 'v2' }), now)).toThrow(expect.objectContaining({ status: 503 }));
    // Once answered, the oldest answered request makes room; after the retention it is gone.
    expect(svc.submit(aanvraag(oin, { verzoekId: 'v2' }), now + HOUR).ok).toBe(true);
    expect(() => svc.lookup(oin, 'v1', now + HOUR)).toThrow(/no subscription request v1/);
    expect(svc.lookup(oin, 'v2', now + 2 * HOUR).ready).toBe(true);
    expect(() => svc.lookup(oin, 'v2', now + 4 * HOUR)).toThrow(/no subscription request v2/);
    expect(kinds(svc, now + 4 * HOUR)['alles']).toMatchObject({ refusedByReason: { 'store-full': 1 } });
  });
});
