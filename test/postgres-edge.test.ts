/**
 * The norms' windows are the service's, not an instance's: three `bbsim mock --db postgres://…`
 * processes on one database.
 *  - The hourly limit at the edge: 24 concurrent senders spread over the three (speed 1, limit 3,000
 *    letters/h, 12,000 offered) admit exactly 3,000 letters together, never more; every /status says so.
 *  - DigiD's per-minute window: 90 authentications at once over the three, room for 60: 60 answered, 30 refused.
 * Fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { createPopulation } from '../src/population/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { killMock, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson, startInstances } from './helpers/instances.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;

let cluster: TestCluster;
let dir: string;
let mocks: MockProcess[] = [];

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-edge-'));
});
afterAll(async () => {
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function stopAll(): Promise<void> {
  await Promise.all(mocks.map((m) => stopMock(m)));
  mocks = [];
}

describe("three mock instances on one PostgreSQL database share the norms' windows", () => {
  it('the hourly limit holds exactly at the edge: 24 concurrent senders over three instances admit 3,000 letters together, never more', async () => {
    const url = await cluster.freshDatabase();
    const HOUR_LIMIT = 3_000;
    mocks = await startInstances(3, dir, {
      db: url,
      clock: { start: '2027-03-02T10:00:05+01:00', speed: 1 },
      capacity: { messagesPerHour: HOUR_LIMIT },
      digid: { perMinute: 60, serviceTime: { kind: 'fixed', ms: 1 } },
    });
    const status0 = await getJson<{ now: string }>(`${mocks[0]!.url}/status`);
    const population = createPopulation({ seed: loadMockConfig({}).seed, ...loadMockConfig({}).population });
    let seed = 1000;
    const admitted: number[] = [];
    let refused = 0;
    let other = 0;
    // Each sender: batches of 100 until refused (bounded: 5 batches each, 12,000 letters offered for room for 3,000).
    await Promise.all(
      Array.from({ length: 24 }, async (_, sender) => {
        for (let i = 0; i < 5; i++) {
          const b = generateBatch({
            seed: seed++,
            afnemerOin: OIN,
            berichtType: 'VAIB',
            letters: 100,
            now: Date.parse(status0.now),
            population,
          });
          const r = await fetch(`${mocks[(sender + i) % 3]!.url}/berichtenbox/afleveren`, {
            method: 'POST',
            headers: { 'content-type': 'application/xml', 'x-afnemer-oin': OIN },
            body: renderBerichtenXml(b),
          });
          const body = await r.text();
          if (r.status === 202) admitted.push((JSON.parse(body) as { letters: number }).letters);
          else if (r.status === 429) {
            expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
            refused++;
          } else other++;
        }
      }),
    );
    expect(other).toBe(0);
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(HOUR_LIMIT);
    expect(refused).toBe(24 * 5 - HOUR_LIMIT / 100);
    const statuses = await Promise.all(
      mocks.map((m) => getJson<{ intake: { admittedThisHour: number; hourLimit: number } }>(`${m.url}/status`)),
    );
    for (const s of statuses) expect(s.intake).toMatchObject({ admittedThisHour: HOUR_LIMIT, hourLimit: HOUR_LIMIT });

    // DigiD's per-minute window is the service's too: 3 instances, room for 60 a minute, 90 asked at once.
    const answers = await Promise.all(
      Array.from({ length: 90 }, (_, i) =>
        fetch(`${mocks[i % 3]!.url}/digid/authenticate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bsn: '111222333' }),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(60);
    expect(answers.filter((a) => a.status === 503)).toHaveLength(30);
    await stopAll();
  });
});
