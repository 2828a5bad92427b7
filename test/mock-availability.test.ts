import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { fromLocal } from '../src/clock/index.ts';
import { BELASTINGDIENST, deliverXml, devToken, startTestMock, type TestMock } from './helpers/mock.ts';
import { POPULATION, batch, xml } from './helpers/batches.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function inbox(m: TestMock): Promise<{ statusCode: number; headers: Record<string, unknown>; json: <T>() => T }> {
  const token = await devToken(m.app, POPULATION.recipients(BELASTINGDIENST.oin, 1)[0]!);
  return m.app.inject({ url: '/api/v1/berichten', headers: { authorization: `Bearer ${token}` } });
}

describe('maintenance windows on the sim clock', () => {
  it('the portal maintenance (2nd Wednesday 00:00-06:00) closes the inbox with 503 and Retry-After until the window ends', async () => {
    // 11 November 2026 is the 2nd Wednesday; 02:00 local, speed 60.
    mock = await startTestMock({ clock: { speed: 60 } }, fromLocal(2026, 11, 11, 2, 0));
    const r = await inbox(mock);
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'BBSIM_MAINTENANCE', window: 'mijnoverheid.maintenance.portaal-technisch' });
    expect(Number(r.headers['retry-after'])).toBe((4 * 3600) / 60); // 4 sim hours at speed 60
    mock.clock.set(fromLocal(2026, 11, 11, 6, 0));
    expect((await inbox(mock)).statusCode).toBe(200);
  });

  it('the Berichtenbox window (2nd Tuesday 09:00-15:00) has no downtime unless configured "down"', async () => {
    const t = fromLocal(2026, 11, 10, 10, 0);
    mock = await startTestMock({}, t);
    expect((await deliverXml(mock.app, xml(batch(1, { now: t })))).statusCode).toBe(202);
    await mock.close();
    mock = await startTestMock({ maintenance: { overrides: { 'berichtenbox.maintenance': 'down' } } }, t);
    const r = await deliverXml(mock.app, xml(batch(1, { now: t })));
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'BBSIM_MAINTENANCE' });
  });

  it('maintenance can be switched off', async () => {
    mock = await startTestMock({ maintenance: { enabled: false } }, fromLocal(2026, 11, 11, 2, 0));
    expect((await inbox(mock)).statusCode).toBe(200);
  });
});

describe('fault injection', () => {
  it('an outage answers 503 with Retry-After until it ends', async () => {
    const t = fromLocal(2026, 11, 17, 12, 0);
    mock = await startTestMock(
      { faults: { services: { presentatie: { outages: [{ from: t, to: t + 600_000 }] } } } },
      t,
    );
    const r = await inbox(mock);
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'BBSIM_OUTAGE' });
    expect(Number(r.headers['retry-after'])).toBe(600);
    mock.clock.advance(600_000);
    expect((await inbox(mock)).statusCode).toBe(200);
  });

  it('an error rate fails a seeded share of requests, the same share in every run', async () => {
    const run = async (): Promise<number[]> => {
      const m = await startTestMock({ faults: { services: { presentatie: { errorRate: 0.3, errorStatus: 502 } } } });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await m.app.inject({ url: '/api/v1/berichten' })).statusCode);
      await m.close();
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const failed = a.filter((s) => s === 502).length;
    expect(failed).toBeGreaterThan(40);
    expect(failed).toBeLessThan(80);
    expect(a.filter((s) => s !== 502).every((s) => s === 401)).toBe(true); // the rest reached the route
  });

  it('a latency spike delays requests in its window (wall time)', async () => {
    const t = fromLocal(2026, 11, 17, 12, 0);
    mock = await startTestMock(
      { faults: { services: { presentatie: { latencySpikes: [{ from: t, to: t + 1000, extraMs: 150 }] } } } },
      t,
    );
    let started = performance.now();
    await mock.app.inject({ url: '/api/v1/berichten' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    mock.clock.advance(1000);
    started = performance.now();
    await mock.app.inject({ url: '/api/v1/berichten' });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a connection limit drops connections beyond it', async () => {
    mock = await startTestMock({ faults: { connectionLimit: 2 } });
    const address = await mock.app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    const sockets: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const s = connect(port, '127.0.0.1');
      const idx = i;
      closed[idx] = false;
      s.on('close', () => {
        closed[idx] = true;
      });
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      sockets.push(s);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toEqual([false, false, true]);
    for (const s of sockets) s.destroy();
  });
});

describe('availability by the SNO formula', () => {
  it('takes planned maintenance out of the month and counts outages outside it', async () => {
    // November 2026 (720 h). DigiD maintenance: 9 Nov (2nd Monday) and 11 Nov (2nd Wednesday), 00:00-06:00 = 12 h.
    const outage = { from: fromLocal(2026, 11, 20, 10), to: fromLocal(2026, 11, 20, 13) }; // 3 h
    const overlapping = { from: fromLocal(2026, 11, 9, 5), to: fromLocal(2026, 11, 9, 7) }; // 1 h outside maintenance
    mock = await startTestMock(
      { faults: { services: { digid: { outages: [outage, overlapping] } } } },
      fromLocal(2026, 11, 17, 12),
    );
    const body = (await mock.app.inject({ url: '/availability?month=2026-11' })).json<{
      services: {
        service: string;
        plannedMaintenanceHours: number;
        unavailableHours: number;
        availabilityPercent: number;
        holds: boolean;
        norm: { limit: number };
      }[];
    }>();
    const digid = body.services.find((s) => s.service === 'digid')!;
    expect(digid.plannedMaintenanceHours).toBe(12);
    expect(digid.unavailableHours).toBe(4);
    expect(digid.availabilityPercent).toBeCloseTo(((720 - 4 - 12) / (720 - 12)) * 100, 9);
    expect(digid.norm.limit).toBe(99.5);
    expect(digid.holds).toBe(false); // 99.435 % < 99.5 %
    const intake = body.services.find((s) => s.service === 'berichtenbox-intake')!;
    expect(intake).toMatchObject({
      plannedMaintenanceHours: 0,
      unavailableHours: 0,
      availabilityPercent: 100,
      holds: true,
    });
  });
});

describe('faults on the SOAP Validatieservice', () => {
  it('answer a SOAP fault, not problem+json', async () => {
    const t = fromLocal(2026, 11, 17, 12, 0);
    mock = await startTestMock(
      { faults: { services: { validatieservice: { outages: [{ from: t, to: t + 60_000 }] } } } },
      t,
    );
    const r = await mock.app.inject({
      method: 'POST',
      url: '/validatieservice',
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toMatch(/text\/xml/);
    expect(r.body).toMatch(/<faultcode>s:Server<\/faultcode>/);
    expect(r.body).toMatch(/DependentServiceFault/);
    expect(r.headers['retry-after']).toBe('60');
  });
});
