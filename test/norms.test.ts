import { describe, expect, it } from 'vitest';
import {
  NORMS,
  INTERFACE_LIMITS,
  MAINTENANCE_WINDOWS,
  SUBSCRIPTION_NIGHT,
  RESOLUTION_TIMES,
  DIGID_FORECAST_DUTIES,
  incidentPriority,
  resolutionTime,
  digidForecastDuties,
  availabilityPercent,
  perMinute,
  perHour,
  rateOf,
  MESSAGES_PER_HOUR,
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  type Citation,
} from '../src/norms/index.ts';
import { dutchNumber, normalise, sharedText } from './shared-docs.ts';

function expectCited(id: string, c: Citation, limit?: number): void {
  const text = sharedText(c.doc);
  expect(text, `${id}: quote not found in ${c.doc}`).toContain(normalise(c.quote));
  expect(normalise(c.quote), `${id}: figure not in quote`).toContain(c.figure);
  if (limit !== undefined) {
    expect(dutchNumber(c.figure) * (c.figureScale ?? 1), `${id}: limit does not match the cited figure`).toBe(limit);
  }
}

describe('norms cite the seed documents', () => {
  it('has the norms the issue names', () => {
    const ids = new Set(NORMS.map((n) => n.id));
    expect(ids.size).toBe(NORMS.length);
    for (const id of [
      'digid.authentications-per-minute',
      'digid.processing-time',
      'digid.availability',
      'digid.max-data-loss',
      'machtigen.transactions-per-minute',
      'machtigen.processing-time',
      'machtigen.max-data-loss',
      'berichtenbox.suppliers',
      'berichtenbox.messages-per-day',
      'berichtenbox.messages-per-hour',
      'berichtenbox.parked-per-second',
      'notificaties.per-hour',
      'notificaties.per-day',
      'presentatie.p99.9',
      'validatieservice.queries-per-hour',
      'validatieservice.max-response',
      'abonnementservice.lead-time',
      'abonnementservice.night-alles',
      'abonnementservice.night-bsn-lijst',
      'abonnementservice.night-mutatiebasis',
      'berichtopslag.rpo',
      'berichtopslag.rto',
      'berichtopslag.share-with-attachment',
      'berichtopslag.attachment-bytes',
      'berichtenbox.max-processing-time',
      'berichtenbox.verwerkingsbericht-reoffer',
      'mijnoverheid.availability',
      'mijnoverheid.forecast-deviation',
    ])
      expect(ids, id).toContain(id);
  });

  it.each(NORMS.map((n) => [n.id, n] as const))(
    '%s: quote is in the seed and the limit matches its figure',
    (id, n) => {
      expectCited(id, n.citation, n.limit);
    },
  );

  it.each(INTERFACE_LIMITS.map((l) => [l.id, l] as const))('%s: interface limit is in INTERFACES.md', (id, l) => {
    expectCited(id, l.citation, l.max);
  });

  it('maintenance windows, night window, resolution times and forecast duties are cited', () => {
    for (const w of MAINTENANCE_WINDOWS) expectCited(w.id, w.citation, w.nth);
    expectCited(SUBSCRIPTION_NIGHT.id, SUBSCRIPTION_NIGHT.citation);
    for (const r of RESOLUTION_TIMES) expectCited(`${r.service} P${r.priority}`, r.citation, r.hours);
    for (const d of DIGID_FORECAST_DUTIES) expectCited(d.id, d.citation, d.threshold);
  });

  it('a wrong figure would be caught', () => {
    // Guards the guard: the same check fails for a limit that is not what the document says.
    expect(() => expectCited('x', MESSAGES_PER_HOUR.citation, 160_000)).toThrow();
    expect(() =>
      expectCited('x', {
        ...MESSAGES_PER_HOUR.citation,
        quote: 'Maximaal aantal aangeleverde berichten per uur 160.000',
      }),
    ).toThrow();
  });
});

describe('norm helpers', () => {
  it('rates convert to per-second in the norms units', () => {
    expect(perMinute(10_000).perSecond).toBeCloseTo(166.667, 3);
    expect(perHour(150_000).perSecond).toBeCloseTo(41.667, 3);
    expect(rateOf(DIGID_AUTHENTICATIONS_PER_MINUTE).count).toBe(10_000);
    expect(() => perHour(-1)).toThrow(/>= 0/);
  });

  it('priority matrix and resolution times', () => {
    expect(incidentPriority('hoog', 'hoog')).toBe(1);
    expect(incidentPriority('hoog', 'midden')).toBe(2);
    expect(incidentPriority('midden', 'hoog')).toBe(2);
    expect(incidentPriority('midden', 'midden')).toBe(3);
    expect(resolutionTime('berichtenbox-intake', 2).hours).toBe(20);
    expect(resolutionTime('digid', 2).hours).toBe(10);
  });

  it('DigiD forecast duty triggers on any of the three criteria', () => {
    expect(digidForecastDuties({ perYear: 4_000_000, maxPerMonth: 900_000, peakPerMinute: 900 })).toEqual([]);
    expect(
      digidForecastDuties({ perYear: 4_000_000, maxPerMonth: 900_000, peakPerMinute: 1001 }).map((d) => d.per),
    ).toEqual(['minute']);
    expect(digidForecastDuties({ perYear: 6_000_000, maxPerMonth: 1_200_000, peakPerMinute: 10 })).toHaveLength(2);
  });

  it('availability follows the SNO formula', () => {
    // 730 h month, 6 h maintenance, 3.62 h down → (730 − 3.62 − 6) / (730 − 6) = 99.5 %
    expect(availabilityPercent(730, 3.62, 6)).toBeCloseTo(99.5, 2);
    expect(availabilityPercent(720, 0, 12)).toBe(100);
  });
});
