import { describe, expect, it } from 'vitest';
import {
  defineScenario,
  wallProfile,
  parseDuration,
  k6Duration,
  ScenarioError,
  type ScenarioInput,
} from '../src/scenario/index.ts';
import { perHour, perMinute, DIGID_AUTHENTICATIONS_PER_MINUTE, MESSAGES_PER_HOUR } from '../src/norms/index.ts';
import smoke from '../scenarios/smoke.ts';

const base: ScenarioInput = {
  name: 'digid-peak',
  description: 'Ramp past the DigiD peak',
  flows: [{ flow: 'digid-authenticate' }],
  load: { kind: 'ramp', from: perMinute(1000), to: perMinute(12_000), duration: '10m' },
  clock: { speed: 30 },
};

describe('scenario DSL', () => {
  it('applies defaults and picks the norms of the services the flows touch', () => {
    const s = defineScenario(base);
    expect(s.services).toEqual(['digid']);
    expect(s.norms).toContain(DIGID_AUTHENTICATIONS_PER_MINUTE.id);
    expect(s.norms.every((id) => id.startsWith('digid.'))).toBe(true);
    expect(s.flows[0]!.weight).toBe(1);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('converts sim rates and durations to wall time by the clock speed (k6 vocabulary)', () => {
    const p = wallProfile(defineScenario(base));
    // 1,000/min = 16.67/s sim → ×30 = 500/s wall; 12,000/min → 6,000/s wall; 10 sim minutes = 20 wall s.
    expect(p.startRate).toBeCloseTo(500, 6);
    expect(p.stages).toEqual([{ target: 6000, durationMs: 20_000, duration: '20s' }]);
    expect(p.peakRate).toBe(6000);
    const hour = wallProfile(
      defineScenario({
        ...base,
        flows: [{ flow: 'deliver-batch' }],
        load: { kind: 'constant', rate: perHour(MESSAGES_PER_HOUR.limit), duration: '1h' },
        clock: { speed: 60 },
      }),
    );
    expect(hour.startRate).toBeCloseTo(2500, 6); // the DESIGN's example: 150,000/h at speed 60 = 2,500/s
    expect(hour.durationMs).toBe(60_000);
  });

  it('a day curve holds each hour at its share of the peak', () => {
    const hourly = Array.from({ length: 24 }, (_, h) => (h === 20 ? 1 : 0.1));
    const p = wallProfile(
      defineScenario({ ...base, load: { kind: 'day-curve', peak: perMinute(6000), hourly }, clock: { speed: 3600 } }),
    );
    expect(p.durationMs).toBeCloseTo(24_000, 6); // a sim day at speed 3600 = 24 wall s
    expect(p.peakRate).toBeCloseTo(100 * 3600, 6);
    expect(p.stages).toHaveLength(48);
  });

  it('names every problem by its path and rule', () => {
    let err: unknown;
    try {
      defineScenario({
        name: 'Bad Name',
        description: '',
        flows: [{ flow: 'nope' as never, weight: 0 }],
        load: { kind: 'constant', rate: 5 as never, duration: 'soon' as never },
        clock: { speed: 0 },
        data: { batchSize: 1001, attachmentShare: 0.99 },
        norms: ['no.such.norm'],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const msg = (err as Error).message;
    for (const fragment of [
      'name: kebab-case',
      'description: required',
      'clock.speed',
      'flows[0].flow: one of',
      'flows[0].weight',
      'load.rate: must be a rate such as perMinute',
      'load.duration: must be a sim duration',
      'data.batchSize: an integer from 1 to 1000',
      'data.attachmentShare: from 0 to 0.95',
      'norms[0]: unknown norm id',
    ]) {
      expect(msg).toContain(fragment);
    }
  });

  it('expected breaches must be norms the scenario checks; a subscription mix names real kinds', () => {
    expect(defineScenario({ ...base, expectBreaches: [DIGID_AUTHENTICATIONS_PER_MINUTE.id] }).expectBreaches).toEqual([
      DIGID_AUTHENTICATIONS_PER_MINUTE.id,
    ]);
    expect(defineScenario(base).expectBreaches).toEqual([]);
    expect(() => defineScenario({ ...base, expectBreaches: [MESSAGES_PER_HOUR.id] })).toThrow(
      `expectBreaches[0]: "${MESSAGES_PER_HOUR.id}" is not one of the norms this scenario checks`,
    );
    const sub: ScenarioInput = { ...base, flows: [{ flow: 'subscription-request' }] };
    expect(
      defineScenario({ ...sub, data: { subscriptionMix: { alles: 1, mutatiebasis: 2 } } }).data?.subscriptionMix,
    ).toEqual({ alles: 1, mutatiebasis: 2 });
    expect(() => defineScenario({ ...sub, data: { subscriptionMix: { alles: 0 } } })).toThrow(
      'data.subscriptionMix: at least one kind with a weight > 0',
    );
    expect(() => defineScenario({ ...sub, data: { subscriptionMix: { everything: 1 } as never } })).toThrow(
      'data.subscriptionMix.everything: not a kind of request (alles, bsn-lijst, mutatiebasis)',
    );
  });

  it('sim durations in k6 syntax', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('10x')).toBeUndefined();
    expect(k6Duration(90_000)).toBe('1m30s');
    expect(k6Duration(250)).toBe('250ms');
  });

  it('the shipped smoke scenario is valid and touches every Berichtenbox service', () => {
    expect(smoke.name).toBe('smoke');
    expect(new Set(smoke.services)).toEqual(
      new Set([
        'berichtenbox-intake',
        'digid',
        'presentatie',
        'validatieservice',
        'abonnementservice',
        'digid-machtigen',
      ]),
    );
    expect(wallProfile(smoke).durationMs).toBe(30_000);
  });
});
