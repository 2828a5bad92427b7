import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, DAY, nextHourStart } from '../src/clock/index.ts';
import {
  BELASTINGDIENST,
  T0,
  UWV,
  deliverJson,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { POPULATION, batch, json, xml } from './helpers/batches.ts';
import { MESSAGES_PARKED_PER_SECOND } from '../src/norms/index.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const codesOf = (items: Awaited<ReturnType<typeof drainVerwerkingsberichten>>): string[] =>
  items.flatMap((i) => i.BerichtVerwerkResponse.Berichten.Bericht.map((b) => b.VerwerkingsCode));

describe('intake: deliver, park, process, verwerkingsbericht', () => {
  it('accepts an XML batch with 202, parks it at 45/s and publishes the verwerkingsbericht once processed', async () => {
    mock = await startTestMock();
    const b = batch(90);
    const res = await deliverXml(mock.app, xml(b));
    expect(res.statusCode).toBe(202);
    const receipt = res.json<{
      BatchID: string;
      letters: number;
      parkingDelaySeconds: number;
      expectedProcessedAt: string;
    }>();
    expect(receipt).toMatchObject({ BatchID: b.BatchInformatie.BatchID, letters: 90 });
    // 90 letters at 45/s take 2 s of sim time to park.
    expect(receipt.parkingDelaySeconds).toBeCloseTo(90 / MESSAGES_PARKED_PER_SECOND.limit, 2);

    // Not processed yet: no verwerkingsbericht, batch state says so.
    expect(await drainVerwerkingsberichten(mock.app)).toEqual([]);
    const state = await mock.app.inject({
      url: `/berichtenbox/batches/${b.BatchInformatie.BatchID}`,
      headers: { 'x-afnemer-oin': BELASTINGDIENST.oin },
    });
    expect(state.json()).toMatchObject({ state: 'wordt-geparkeerd', counts: null });

    mock.clock.set(Date.parse(receipt.expectedProcessedAt));
    const items = await drainVerwerkingsberichten(mock.app);
    expect(items).toHaveLength(1);
    const vb = items[0]!.BerichtVerwerkResponse;
    expect(vb.BatchInformatie).toMatchObject({
      BatchID: b.BatchInformatie.BatchID,
      TotaalAantalOntvangenBerichten: 90,
      AantalBerichtenSuccesvolVerwerkt: 90,
    });
    expect(vb.Berichten.Bericht.map((l) => l.BerichtID)).toEqual(b.Bericht.map((l) => l.BerichtInformatie.BerichtID));
    expect(new Set(codesOf(items))).toEqual(new Set(['Verwerkt']));
    // Acknowledged: not offered again.
    expect(await drainVerwerkingsberichten(mock.app)).toEqual([]);
    expect(await mock.app.bbsim.store.countLetters()).toBe(90);
  });

  it('accepts the same batch as JSON and answers the verwerkingsbericht in XML when asked', async () => {
    mock = await startTestMock();
    const res = await deliverJson(mock.app, json(batch(2)));
    expect(res.statusCode).toBe(202);
    mock.clock.advance(10_000);
    await mock.app.bbsim.processDue();
    const x = await mock.app.inject({
      url: '/berichtenbox/verwerkingsberichten',
      headers: { 'x-afnemer-oin': BELASTINGDIENST.oin, accept: 'application/xml' },
    });
    expect(x.headers['content-type']).toMatch(/application\/xml/);
    expect(x.body).toContain('http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01');
    expect(x.body).toContain('<VerwerkingsCode>Verwerkt</VerwerkingsCode>');
    expect(x.body).toContain('<Stadium>NA</Stadium>');
  });

  it('redelivery with the same BatchID and BerichtIDs is idempotent: BerichtBestaatAl, nothing stored twice', async () => {
    mock = await startTestMock();
    const b = batch(5);
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    const again = await deliverXml(mock.app, xml(b));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ attempt: 2 });
    mock.clock.advance(60_000);
    const items = await drainVerwerkingsberichten(mock.app);
    expect(items.map((i) => i.attempt)).toEqual([1, 2]);
    expect(codesOf([items[1]!])).toEqual(Array(5).fill('BerichtBestaatAl'));
    expect(await mock.app.bbsim.store.countLetters()).toBe(5);
  });

  it('codes letters by the real rules: NietActiefOfGeabonneerd, BerichtTypeNietOndersteund, OIN mismatch', async () => {
    mock = await startTestMock();
    const b = batch(3);
    b.Bericht[0]!.BerichtInformatie.GebruikerID = POPULATION.nonRecipients(BELASTINGDIENST.oin, 1)[0]!;
    b.Bericht[1]!.BerichtInformatie.BerichtType = 'ONBEKEND';
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    // The UWV delivers a batch that says it comes from the Belastingdienst.
    expect((await deliverXml(mock.app, xml(batch(2)), UWV.oin)).statusCode).toBe(202);
    mock.clock.advance(60_000);
    expect(codesOf(await drainVerwerkingsberichten(mock.app))).toEqual([
      'NietActiefOfGeabonneerd',
      'BerichtTypeNietOndersteund',
      'Verwerkt',
    ]);
    const uwv = await drainVerwerkingsberichten(mock.app, UWV.oin);
    expect(codesOf(uwv)).toEqual(['OinInCPAKomtNietOvereenMetOinInBericht', 'OinInCPAKomtNietOvereenMetOinInBericht']);
    expect(uwv[0]!.BerichtVerwerkResponse.Berichten.Bericht[0]!.Stadium).toBe('ValidatieGebruiker');
  });

  it('simulated TechnischProbleem is seeded and healed by redelivery with the same IDs', async () => {
    mock = await startTestMock({ faults: { technischProbleemRate: 0.5 } });
    const b = batch(40);
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    const first = codesOf(await drainVerwerkingsberichten(mock.app));
    const failed = first.filter((c) => c === 'TechnischProbleem').length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(await mock.app.bbsim.store.countLetters()).toBe(40 - failed);
    // Offer again until everything is in: stored letters say BerichtBestaatAl, failed ones get a new draw.
    for (let round = 0; round < 20 && (await mock.app.bbsim.store.countLetters()) < 40; round++) {
      expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
      mock.clock.advance(60_000);
      await drainVerwerkingsberichten(mock.app);
    }
    expect(await mock.app.bbsim.store.countLetters()).toBe(40);
  });
});

describe('intake capacity on the sim clock', () => {
  it('refuses a batch whole with 429 and a Retry-After from the limiter and clock speed, then admits it next hour', async () => {
    // Capacity lowered through config to keep the test small; the default comes from the norm.
    mock = await startTestMock({ capacity: { messagesPerHour: 100 }, clock: { speed: 60 } });
    expect((await deliverXml(mock.app, xml(batch(60)))).statusCode).toBe(202);
    const b = batch(50);
    const refused = await deliverXml(mock.app, xml(b));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = refused.json<{ code: string; window: string; used: number; limit: number }>();
    expect(body).toMatchObject({ code: 'BBSIM_CAPACITY_HOUR', window: 'hour', used: 60, limit: 100 });
    // T0 is on the hour: the window reopens in 3600 sim s = 60 wall s at speed 60.
    expect(Number(refused.headers['retry-after'])).toBe(Math.ceil((nextHourStart(T0) - T0) / 60 / 1000));
    expect(await mock.app.bbsim.store.countLetters()).toBe(60);
    mock.clock.advance(HOUR);
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
  });

  it('enforces the daily limit across hours', async () => {
    mock = await startTestMock({ capacity: { messagesPerHour: 1000, messagesPerDay: 30 } });
    expect((await deliverXml(mock.app, xml(batch(20)))).statusCode).toBe(202);
    mock.clock.advance(HOUR);
    const r = await deliverXml(mock.app, xml(batch(20)));
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ code: 'BBSIM_CAPACITY_DAY' });
    mock.clock.advance(DAY);
    expect((await deliverXml(mock.app, xml(batch(20)))).statusCode).toBe(202);
  });

  it('offering faster than 45/s builds a measured intake backlog', async () => {
    mock = await startTestMock();
    for (let i = 0; i < 9; i++) expect((await deliverXml(mock.app, xml(batch(100)))).statusCode).toBe(202);
    const at0 = (await mock.app.inject({ url: '/status' })).json<{
      intake: { backlog: number; parkingDelaySeconds: number };
    }>();
    expect(at0.intake.backlog).toBe(900);
    expect(at0.intake.parkingDelaySeconds).toBeCloseTo(20, 1);
    mock.clock.advance(10_000);
    const at10 = (await mock.app.inject({ url: '/status' })).json<{
      intake: { backlog: number; parkingDelaySeconds: number };
    }>();
    expect(at10.intake.backlog).toBe(450);
    expect(at10.intake.parkingDelaySeconds).toBeCloseTo(10, 1);
    const metrics = (await mock.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^bbsim_intake_backlog_letters 450$/m);
  });
});

describe('notifications', () => {
  it('go out in order of arrival within the hourly limit; the rest is carried to the next hour', async () => {
    mock = await startTestMock({ capacity: { notificationsPerHour: 10, notificationsPerDay: 1000 } });
    expect((await deliverXml(mock.app, xml(batch(25)))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    await mock.app.bbsim.processDue();
    const s = (await mock.app.inject({ url: '/status' })).json<{
      notifications: { enqueued: number; backlog: number; sent: number };
    }>();
    expect(s.notifications.enqueued).toBe(25);
    // 10 per hour spaced over the hour: 6 min apart, so only the first went out within the first minute.
    expect(s.notifications.sent).toBe(1);
    mock.clock.advance(3 * HOUR);
    const later = (await mock.app.inject({ url: '/status' })).json<{
      notifications: { backlog: number; sent: number; maxDelayMs: number };
    }>();
    expect(later.notifications.sent).toBe(25);
    expect(later.notifications.maxDelayMs).toBeGreaterThan(2 * HOUR);
  });
});
