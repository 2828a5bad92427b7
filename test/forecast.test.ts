import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HOUR, MINUTE, fromLocal } from '../src/clock/index.ts';
import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_DAY,
  NOTIFICATIONS_PER_HOUR,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
} from '../src/norms/index.ts';
import {
  DEFAULT_SHAPES,
  SERIES,
  NORM_LIMITS,
  SUBSCRIPTION_SERIES,
  buildHorizon,
  compareActuals,
  peakContributors,
  queueSummary,
  readForecastCsv,
  runForecast,
  type CheckRow,
  type ForecastResult,
} from '../src/forecast/index.ts';
import { BD, UWV, csv, forecastOf, onlyHours, onlyWeekdays, profilesOf } from './helpers/forecast-fixtures.ts';

const MIN = 60;
const rowOf = (r: ForecastResult, id: string): CheckRow => {
  const row = r.checks.rows.find((c) => c.normId === id);
  if (!row) throw new Error(`no check ${id}`);
  return row;
};
/** Minute index in a horizon that starts at local midnight on 1 March 2027 (before the DST change on the 28th). */
const minuteOf = (day: number, hour: number, minute = 0): number => ((day - 1) * 24 + hour) * MIN + minute;

describe('the horizon grid (Europe/Amsterdam)', () => {
  it('has a minute per local minute, with the 23-hour DST day in March and the 25-hour one in October', () => {
    const march = buildHorizon(['2027-03']);
    expect(march.start).toBe(fromLocal(2027, 3, 1));
    expect(march.minutes).toBe((31 * 24 - 1) * 60);
    expect(march.days).toBe(31);
    const dst = march.dayKeys.indexOf('2027-03-28');
    expect(march.dayHourStart[dst + 1]! - march.dayHourStart[dst]!).toBe(23);
    // 02:00 does not exist that day: the hour after 01:00 is 03:00.
    expect(Array.from(march.hourOfDay.slice(march.dayHourStart[dst]!, march.dayHourStart[dst]! + 4))).toEqual([
      0, 1, 3, 4,
    ]);
    const october = buildHorizon(['2027-10']);
    expect(october.minutes).toBe((31 * 24 + 1) * 60);
    const fallBack = october.dayKeys.indexOf('2027-10-31');
    expect(
      Array.from(october.hourOfDay.slice(october.dayHourStart[fallBack]!, october.dayHourStart[fallBack]! + 5)),
    ).toEqual([0, 1, 2, 2, 3]);
  });

  it('knows the subscription night windows 23:00-07:00, including the one that began the evening before', () => {
    const h = buildHorizon(['2027-03']);
    expect(h.nights[0]).toMatchObject({ start: 0, end: 7 * MIN, key: '2027-02-28' });
    expect(h.nights[1]).toMatchObject({ start: minuteOf(1, 23), end: minuteOf(2, 7), key: '2027-03-01' });
    expect(h.nights).toHaveLength(32);
  });
});

describe('spreading months over minutes', () => {
  it('gives each working day of April 2027 an equal share and each of its hours 1/24 of that (hand-computed: 22 working days)', () => {
    const forecast = forecastOf([{ month: '2027-04', ...BD, messages: 2_640_000 }]);
    const profiles = profilesOf({
      profiles: { flat: { hourly: Array(24).fill(1), weekly: [1, 1, 1, 1, 1, 0, 0] } },
      assign: [{ afnemer: BD.oin, profile: 'flat' }],
    });
    const r = runForecast({ forecast, profiles });
    const m = r.series.messages;
    expect(m.reduce((a, b) => a + b, 0)).toBe(2_640_000);
    // 2,640,000 / 22 days / 24 hours = 5,000 an hour, 83.33 a minute: whole numbers 83 or 84 that add up per hour.
    for (let hour = 0; hour < 24; hour++) {
      const slice = m.slice(hour * MIN, (hour + 1) * MIN);
      expect(slice.reduce((a, b) => a + b, 0)).toBe(5000);
      for (const v of slice) expect([83, 84]).toContain(v);
    }
    // Saturday 3 and Sunday 4 April are empty; Monday 5 April has its 120,000.
    const day = (d: number): number => m.slice((d - 1) * 24 * MIN, d * 24 * MIN).reduce((a, b) => a + b, 0);
    expect(day(3)).toBe(0);
    expect(day(4)).toBe(0);
    expect(day(5)).toBe(120_000);
    expect(Array.from(m).every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
  });

  it("puts the shipped DigiD profile's peak in the tax-filing evening: 1 March 20:00, 2.6× noon, 2.5/1.3× a later weekday", () => {
    const forecast = forecastOf([{ month: '2027-03', ...BD, digid: 50_000_000 }]);
    const r = runForecast({ forecast });
    const hourSum = (day: number, hour: number): number =>
      r.series.digid.slice(minuteOf(day, hour), minuteOf(day, hour + 1)).reduce((a, b) => a + b, 0);
    // The shipped tax-filing hourly weights give 20:00 2.6 and 12:00 1 (DEFAULT_SHAPES, README).
    const season = DEFAULT_SHAPES['citizens-evening-peak']!.periods[0]!;
    expect(season.hourly![20]).toBe(2.6);
    expect(hourSum(1, 20) / hourSum(1, 12)).toBeCloseTo(2.6, 3);
    // Monday 1 March is in the 2.5× first days, Thursday 4 March in the 1.3× rest of the season; both weekday weight 1.
    expect(hourSum(1, 20) / hourSum(4, 20)).toBeCloseTo(2.5 / 1.3, 3);
    const digid = rowOf(r, DIGID_AUTHENTICATIONS_PER_MINUTE.id);
    const at = new Date(digid.peakAt!);
    expect(at.getTime()).toBeGreaterThanOrEqual(fromLocal(2027, 3, 1, 20));
    expect(at.getTime()).toBeLessThan(fromLocal(2027, 3, 3, 21));
  });
});

describe('a hand-computed week with two afnemers', () => {
  // Belastingdienst offers 180,000 letters (all notifying) in the hour Monday 1 March 20:00 and 240
  // 'alles' subscription requests in that hour; UWV offers 60,000 letters Tuesday 09:00 and 630,000
  // DigiD authentications Tuesday 20:00. Every profile puts its month into that one hour.
  const onlyFirstWeek = [{ from: '03-08', to: '03-31', factor: 0 }];
  const forecast = forecastOf([
    { month: '2027-03', ...BD, messages: 180_000, attachmentPct: 40, notifications: 180_000, alles: 240 },
    { month: '2027-03', ...UWV, messages: 60_000, attachmentPct: 10, digid: 630_000 },
  ]);
  const profiles = profilesOf({
    profiles: {
      'monday-20': { hourly: onlyHours(20), weekly: onlyWeekdays(1), periods: onlyFirstWeek },
      'tuesday-09': { hourly: onlyHours(9), weekly: onlyWeekdays(2), periods: onlyFirstWeek },
      'tuesday-20': { hourly: onlyHours(20), weekly: onlyWeekdays(2), periods: onlyFirstWeek },
    },
    assign: [
      { afnemer: BD.oin, profile: 'monday-20' },
      { afnemer: UWV.oin, profile: 'tuesday-09' },
      { afnemer: UWV.oin, service: 'digid', profile: 'tuesday-20' },
    ],
  });
  const r = runForecast({ forecast, profiles, traceAt: [fromLocal(2027, 3, 2, 9, 30)] });
  const mon20 = fromLocal(2027, 3, 1, 20);

  it('spreads each total evenly over its hour', () => {
    expect(r.series.messages[minuteOf(1, 20)]).toBe(3000);
    expect(r.series.messages[minuteOf(1, 20, 59)]).toBe(3000);
    expect(r.series.messages[minuteOf(1, 21)]).toBe(0);
    expect(r.series.messages[minuteOf(2, 9, 30)]).toBe(1000);
    expect(r.series.digid[minuteOf(2, 20, 17)]).toBe(10_500);
    expect(r.series.subsAlles[minuteOf(1, 20, 5)]).toBe(4);
  });

  it('finds exactly the breaches: 180,000 letters in an hour, 50 letters/s, 150,000 notifications in an hour, 10,500 logins a minute, 240 alles requests a night', () => {
    expect(rowOf(r, MESSAGES_PER_HOUR.id)).toMatchObject({
      peak: 180_000,
      peakAt: mon20,
      windowsOver: 1,
      excess: 30_000,
      status: 'fail',
    });
    expect(rowOf(r, MESSAGES_PER_HOUR.id).headroomPct).toBeCloseTo(-20, 10);
    expect(rowOf(r, MESSAGES_PARKED_PER_SECOND.id)).toMatchObject({
      peak: 50,
      peakAt: mon20,
      windowsOver: 60,
      status: 'fail',
    });
    expect(rowOf(r, MESSAGES_PARKED_PER_SECOND.id).headroomPct).toBeCloseTo(((45 - 50) / 45) * 100, 10);
    expect(rowOf(r, NOTIFICATIONS_PER_HOUR.id)).toMatchObject({
      peak: 150_000,
      peakAt: mon20,
      windowsOver: 1,
      status: 'fail',
    });
    expect(rowOf(r, DIGID_AUTHENTICATIONS_PER_MINUTE.id)).toMatchObject({
      peak: 10_500,
      peakAt: fromLocal(2027, 3, 2, 20),
      windowsOver: 60,
      excess: 60 * 500,
      status: 'fail',
    });
    expect(rowOf(r, DIGID_AUTHENTICATIONS_PER_MINUTE.id).headroomPct).toBeCloseTo(-5, 10);
    expect(rowOf(r, SUBSCRIPTION_NIGHT_ALLES.id)).toMatchObject({
      peak: 240,
      peakAt: fromLocal(2027, 3, 1, 23),
      windowsOver: 1,
      excess: 15,
      status: 'fail',
    });
    // Holding: a day of 180,000 letters and notifications, the other night quotas, 24 h processing.
    expect(rowOf(r, MESSAGES_PER_DAY.id)).toMatchObject({
      peak: 180_000,
      windowsOver: 0,
      windowsTotal: 31,
      status: 'pass',
    });
    expect(rowOf(r, MESSAGES_PER_DAY.id).headroomPct).toBeCloseTo(((2_500_000 - 180_000) / 2_500_000) * 100, 10);
    expect(rowOf(r, NOTIFICATIONS_PER_DAY.id)).toMatchObject({ peak: 180_000, status: 'pass' });
    expect(rowOf(r, SUBSCRIPTION_NIGHT_BSN_LIJST.id)).toMatchObject({ peak: 0, status: 'pass' });
    expect(rowOf(r, SUBSCRIPTION_NIGHT_MUTATIEBASIS.id)).toMatchObject({ peak: 0, status: 'pass' });
    expect(
      r.checks.rows
        .filter((c) => c.status === 'fail')
        .map((c) => c.normId)
        .sort(),
    ).toEqual([
      'abonnementservice.lead-time',
      'abonnementservice.night-alles',
      'berichtenbox.messages-per-hour',
      'berichtenbox.parked-per-second',
      'digid.authentications-per-minute',
      'notificaties.per-hour',
    ]);
    expect(r.breached).toBe(true);
  });

  it('simulates intake, parking and notifications to the minute', () => {
    const q = queueSummary(r);
    // 150,000 admitted by 20:50 (the hour's limit); the 30,000 offered 20:50-21:00 are refused and redelivered at 21:00.
    expect(q.refusedFirstOffering).toBe(30_000);
    expect(r.curves.admitted[minuteOf(1, 20, 50)]).toBe(150_000);
    expect(r.curves.admitted[minuteOf(1, 21)]).toBe(150_000);
    expect(r.curves.admitted[minuteOf(1, 21, 1)]).toBe(180_000);
    expect(q.intakeBacklog).toEqual({ max: 30_000, at: fromLocal(2027, 3, 1, 20, 59) });
    // Parking at 45/s = 2,700 a minute: 300 a minute pile up until 20:50 (15,000), then drain; at 21:00
    // the redelivered 30,000 arrive at once: 27,300 still waiting after that minute.
    expect(r.curves.admitted[minuteOf(1, 20, 50)]! - r.curves.parked[minuteOf(1, 20, 50)]!).toBe(15_000);
    expect(q.parkingBacklog).toEqual({ max: 27_300, at: fromLocal(2027, 3, 1, 21) });
    // The longest first offering → processed: the letters of 20:59, parked at 21:00 + 30,000/2,700 min.
    expect(q.processing.maxMinutes).toBeCloseTo(30_000 / 2700, 6);
    expect(q.processing.at).toBe(fromLocal(2027, 3, 1, 20, 59));
    expect(rowOf(r, 'berichtenbox.max-processing-time')).toMatchObject({ status: 'pass' });
    expect(rowOf(r, 'berichtenbox.max-processing-time').peak).toBeCloseTo((30_000 / 2700) * 60, 6);
    // Notifications at 125,000/h (2,083.33 a minute) from 20:00 on: 25,000 left at 21:00, growing by
    // 2,700 − 2,083.33 a minute until parking ends at 21:11; the last one goes at 20:00 + 180,000 / 2,083.33 min.
    expect(r.curves.notifIn[minuteOf(1, 21)]! - r.curves.notified[minuteOf(1, 21)]!).toBeCloseTo(25_000, 6);
    // Its largest (at a minute's end) is just before parking catches up at 20:55: 148,500 in, 55 minutes sent.
    expect(q.notificationBacklog.max).toBeCloseTo(148_500 - 55 * (125_000 / 60), 6);
    expect(q.notificationBacklog.at).toBe(fromLocal(2027, 3, 1, 20, 54));
    expect(r.curves.notified[minuteOf(1, 21, 26)]).toBeLessThan(180_000);
    expect(r.curves.notified[minuteOf(1, 21, 27)]).toBeCloseTo(180_000, 6);
    // The longest wait is for the notifications of the letters parked at 20:54 (when the backlog peaked):
    // number 148,500 goes at 20:00 + 148,500 / 2,083.33 min.
    expect(q.notification.maxMinutes).toBeCloseTo(148_500 / (125_000 / 60) + 20 * 60 - minuteOf(1, 20, 55), 6);
    expect(q.notification.at).toBe(fromLocal(2027, 3, 1, 20, 54));
  });

  it('traces letters: parked and notified by, refused and redelivered', () => {
    expect(r.traces.map((t) => t.text)).toEqual([
      'the 3,000 letters offered at Mon 2027-03-01 20:00 are admitted at once, parked and processed by 20:02 and notified by 20:02',
      'the 3,000 letters offered at Mon 2027-03-01 20:59 are refused at first and admitted by 21:00 (redelivered when the window reopens), parked and processed by 21:12 and notified by 21:27',
      'the 1,000 letters offered at Tue 2027-03-02 09:30 are admitted at once and parked and processed within the minute',
    ]);
    const late = r.traces[1]!;
    expect(late.admittedAt).toBe(fromLocal(2027, 3, 1, 21));
    expect(late.parkedAt).toBe(fromLocal(2027, 3, 1, 21) + Math.ceil((30_000 / 2700) * MINUTE));
    expect(late.notifiedAt).toBe(fromLocal(2027, 3, 1, 20) + Math.ceil((180_000 / (125_000 / 60)) * MINUTE));
  });

  it('holds subscription requests for the night: 225 that night, 15 the next (lead time over 4 h)', () => {
    const alles = r.checks.subscriptions.subsAlles;
    expect(r.curves.subsServed.subsAlles[minuteOf(1, 23, 1)]).toBe(225);
    expect(r.curves.subsServed.subsAlles[minuteOf(2, 23)]).toBe(225);
    expect(r.curves.subsServed.subsAlles[minuteOf(2, 23, 1)]).toBe(240);
    expect(alles.over).toBeCloseTo(15, 6);
    // Requests 226-240 (from 20:56 on) are taken when Tuesday's night opens; delays are sampled at the
    // last request of each minute: number 228, offered by 20:57, waits until Tuesday 23:00.
    expect(alles.maxDelay).toBeCloseTo(minuteOf(2, 23) - minuteOf(1, 20, 57), 6);
    expect(alles.maxDelayArrivalMinute).toBe(minuteOf(1, 20, 56));
    expect(rowOf(r, 'abonnementservice.lead-time')).toMatchObject({ status: 'fail', windowsOver: 15 });
  });

  it('lists the worst hours and the DigiD forecast duty', () => {
    expect(r.worstHours.slice(0, 2).map((w) => [w.start, Math.round(w.utilisationPct * 100) / 100, w.normId])).toEqual([
      [mon20, 120, MESSAGES_PER_HOUR.id],
      [fromLocal(2027, 3, 2, 20), 105, DIGID_AUTHENTICATIONS_PER_MINUTE.id],
    ]);
    expect(r.peakHour).toBe((mon20 - r.horizon.start) / HOUR);
    expect(r.duties).toEqual([
      expect.objectContaining({
        oin: UWV.oin,
        perYear: 630_000,
        maxPerMonth: 630_000,
        peakPerMinute: 10_500,
        duties: ['digid.forecast-duty.peak'],
      }),
    ]);
    expect(r.warnings[0]).toMatch(/covers 1 months .* 6 quarters/);
  });

  it('names the afnemers behind each peak window', () => {
    const p = peakContributors(r);
    expect(p.find((x) => x.normId === MESSAGES_PER_HOUR.id)).toEqual({
      normId: MESSAGES_PER_HOUR.id,
      series: 'messages',
      from: mon20,
      to: mon20 + HOUR,
      contributors: [{ oin: BD.oin, naam: BD.naam, amount: 180_000, sharePct: 100 }],
    });
    // The day: Tuesday's letters are UWV's 60,000; Monday's peak day is the Belastingdienst's.
    expect(p.find((x) => x.normId === MESSAGES_PER_DAY.id)!.contributors).toEqual([
      { oin: BD.oin, naam: BD.naam, amount: 180_000, sharePct: 100 },
    ]);
    expect(p.find((x) => x.normId === DIGID_AUTHENTICATIONS_PER_MINUTE.id)!.contributors).toEqual([
      { oin: UWV.oin, naam: UWV.naam, amount: 630_000, sharePct: 100 },
    ]);
  });
});

describe('actuals against the forecast (10 % rule)', () => {
  it('computes the deviation per month, afnemer and figure, and lists what cannot be compared', () => {
    const forecast = forecastOf([
      { month: '2027-01', ...BD, messages: 100, digid: 50 },
      { month: '2027-01', ...UWV, messages: 100 },
      { month: '2027-02', ...BD, messages: 100 },
      { month: '2027-02', ...UWV, messages: 100 },
    ]);
    const actuals = readForecastCsv(
      csv([
        { month: '2026-12', ...BD, messages: 90 },
        { month: '2027-01', ...BD, messages: 110, digid: 0 },
        { month: '2027-01', ...UWV, messages: 80 },
        { month: '2027-01', oin: '00000001999999999000', naam: 'Nieuw', messages: 5 },
      ]),
      'actuals.csv',
      { kind: 'actuals' },
    );
    const a = compareActuals(forecast, actuals);
    expect(a.months).toEqual(['2027-01']);
    const by = (oin: string, column: string): { deviationPct: number; status: string } | undefined =>
      a.rows.find((x) => x.oin === oin && x.column === column);
    // The forecast is the base, with the sign: (110 − 100) / 100 = +10 %: within; (80 − 100) / 100 = −20 %: under by
    // more than 10 %; 50 forecast, none happened: −100 %; no forecast for a new afnemer's 5 letters: not forecast (∞).
    expect(by(BD.oin, 'messages')!.deviationPct).toBeCloseTo(10, 10);
    expect(by(BD.oin, 'messages')!.status).toBe('pass');
    expect(by(BD.oin, 'digid_authentications')).toMatchObject({
      forecast: 50,
      actual: 0,
      deviationPct: -100,
      status: 'fail',
    });
    expect(by(UWV.oin, 'messages')).toMatchObject({ deviationPct: -20, status: 'fail' });
    expect(by('00000001999999999000', 'messages')).toMatchObject({
      forecast: 0,
      actual: 5,
      deviationPct: Number.POSITIVE_INFINITY,
      status: 'fail',
    });
    expect(by(UWV.oin, 'digid_authentications')).toBeUndefined();
    expect(a.unmatched.map((u) => [u.line, u.reason])).toEqual([
      [2, expect.stringMatching(/2026-12 is outside the forecast's horizon/)],
      [5, expect.stringMatching(/not in the forecast/)],
    ]);
    const r = runForecast({ forecast, actuals });
    expect(r.breached).toBe(true);
    expect(r.checks.rows.every((c) => c.status === 'pass')).toBe(true);
  });
});

describe('conservation over a random forecast', () => {
  const weights = (n: number) =>
    fc
      .array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5, noNaN: true })), { minLength: n, maxLength: n })
      .filter((a) => a.some((x) => x > 0));
  const afnemer = fc.record({
    messages: fc.integer({ min: 0, max: 6_000_000 }),
    notifyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    digid: fc.integer({ min: 0, max: 2_000_000 }),
    alles: fc.integer({ min: 0, max: 600 }),
    bsn: fc.integer({ min: 0, max: 600 }),
    mut: fc.integer({ min: 0, max: 600 }),
    hourly: weights(24),
    weekly: weights(7),
  });

  it('offers, parks, processes and notifies everything, or keeps it queued; never over a capacity; FIFO without idling', () => {
    fc.assert(
      fc.property(
        fc.array(afnemer, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('2027-02', '2027-10', '2028-02'),
        (list, month) => {
          const oin = (i: number): string => `0000000100000000${String(i).padStart(4, '0')}`;
          const next = month === '2027-10' ? '2027-11' : month === '2027-02' ? '2027-03' : '2028-03';
          const rows = list.flatMap((a, i) => [
            {
              month,
              oin: oin(i),
              naam: `A${i}`,
              messages: a.messages,
              notifications: Math.floor(a.messages * a.notifyShare),
              digid: a.digid,
              alles: a.alles,
              bsnLijst: a.bsn,
              mutatiebasis: a.mut,
            },
            // A quiet month after it, so every queue can drain.
            { month: next, oin: oin(i), naam: `A${i}` },
          ]);
          const forecast = forecastOf(rows);
          const profiles = profilesOf({
            profiles: Object.fromEntries(
              list.map((a, i) => [`p${i}`, { hourly: a.hourly, weekly: a.weekly, periods: [] }]),
            ),
            assign: list.map((_, i) => ({ afnemer: oin(i), profile: `p${i}` })),
          });
          const r = runForecast({ forecast, profiles });
          const M = r.horizon.minutes;
          const c = r.curves;
          // Spreading keeps every total exactly, in whole, non-negative minutes.
          for (const s of SERIES) {
            const want = forecast.rows.reduce((x, row) => x + row.counts[s], 0);
            let got = 0;
            let notWhole = 0;
            for (const v of r.series[s]) {
              if (!(v >= 0 && Number.isInteger(v))) notWhole++;
              got += v;
            }
            expect({ series: s, got, notWhole }).toEqual({ series: s, got: want, notWhole: 0 });
          }
          const tol = 1e-6 * Math.max(1, c.offered[M]!);
          const parkCap = NORM_LIMITS.parkedPerSecond * 60;
          // Violations are counted and checked once (an expect per minute would be slow).
          const bad = {
            dayAdmitted: 0,
            dayNotified: 0,
            hourAdmitted: 0,
            hourNotified: 0,
            order: 0,
            parkCap: 0,
            idle: 0,
          };
          let day = -1;
          let dayAdmitted = 0;
          let dayNotified = 0;
          for (let hour = 0; hour <= r.horizon.hours; hour++) {
            if (hour === r.horizon.hours || r.horizon.hourDay[hour] !== day) {
              if (dayAdmitted > NORM_LIMITS.messagesPerDay + tol) bad.dayAdmitted++;
              if (dayNotified > NORM_LIMITS.notificationsPerDay + tol) bad.dayNotified++;
              if (hour === r.horizon.hours) break;
              day = r.horizon.hourDay[hour]!;
              dayAdmitted = 0;
              dayNotified = 0;
            }
            const a = hour * MIN;
            const b = a + MIN;
            if (c.admitted[b]! - c.admitted[a]! > NORM_LIMITS.messagesPerHour + tol) bad.hourAdmitted++;
            if (c.notified[b]! - c.notified[a]! > NORM_LIMITS.notificationsPerHour + tol) bad.hourNotified++;
            dayAdmitted += c.admitted[b]! - c.admitted[a]!;
            dayNotified += c.notified[b]! - c.notified[a]!;
            for (let m = a; m < b; m++) {
              const parked = c.parked[m + 1]! - c.parked[m]!;
              // Each stage only passes on what reached it, never more than its capacity, and never idles with a backlog.
              if (
                c.admitted[m + 1]! > c.offered[m + 1]! + tol ||
                c.parked[m + 1]! > c.admitted[m + 1]! + tol ||
                c.notifIn[m + 1]! > c.notifying[m + 1]! + tol ||
                c.notified[m + 1]! > c.notifIn[m + 1]! + tol ||
                parked < -tol
              )
                bad.order++;
              if (parked > parkCap + tol) bad.parkCap++;
              if (c.admitted[m + 1]! - c.parked[m + 1]! > tol && Math.abs(parked - parkCap) > 1e-6) bad.idle++;
            }
          }
          expect(bad).toEqual({
            dayAdmitted: 0,
            dayNotified: 0,
            hourAdmitted: 0,
            hourNotified: 0,
            order: 0,
            parkCap: 0,
            idle: 0,
          });
          // At the end of the quiet month everything offered has been admitted, parked, processed and notified.
          const total = forecast.rows.reduce((x, row) => x + row.counts.messages, 0);
          const notifications = forecast.rows.reduce((x, row) => x + row.counts.notifications, 0);
          expect(c.offered[M]).toBe(total);
          expect(c.parked[M]).toBeCloseTo(total, 4);
          expect(c.notified[M]).toBeCloseTo(notifications, 4);
          const q = queueSummary(r);
          expect(q.atEnd.intake + q.atEnd.parking + q.processed).toBeCloseTo(total, 4);
          expect(q.atEnd.notificationsWaitingForLetters + q.atEnd.notificationQueue + q.notified).toBeCloseTo(
            notifications,
            4,
          );
          for (const k of SUBSCRIPTION_SERIES) expect(c.subsServed[k][M]).toBeCloseTo(c.subsArrived[k][M]!, 9);
        },
      ),
      { numRuns: 25, seed: 20270301 },
    );
  });
});
