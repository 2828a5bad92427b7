/**
 * Several mock instances, one service: three `bbsim mock --db postgres://…` processes on one
 * database of a throwaway PostgreSQL cluster (scripts/postgres-test-cluster).
 *  1. `bbsim rehearse` spreads 10,000 generated letters over the three (--target three times; the
 *     issue asks 50,000: `npm run bench:postgres` delivers those, the suite keeps to 10,000 for time):
 *     it reconciles exactly, the database holds each processed letter once, and the portal and every
 *     instance's /status agree.
 * The hourly limit at the edge and DigiD's shared window: postgres-edge.test.ts.
 * Fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMock, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startRehearseProcess, killRehearse, type RehearseProcess } from './helpers/rehearse-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson, OPERATOR_TOKEN, startInstances } from './helpers/instances.ts';

const LETTERS = 10_000;
const OPERATOR = { authorization: `Bearer ${OPERATOR_TOKEN}` };

let cluster: TestCluster;
let dir: string;
let mocks: MockProcess[] = [];
let rehearse: RehearseProcess | undefined;

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-instances-'));
});
afterAll(async () => {
  killRehearse(rehearse);
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function stopAll(): Promise<void> {
  await Promise.all(mocks.map((m) => stopMock(m)));
  mocks = [];
}

describe('three mock instances on one PostgreSQL database', () => {
  it(`rehearse spreads ${LETTERS.toLocaleString('en')} letters over the three: reconciled exactly, each letter stored once, portal and every /status agree`, async () => {
    const url = await cluster.freshDatabase();
    const t0 = performance.now();
    mocks = await startInstances(3, dir, { db: url, clock: { start: '2027-03-02T08:00:00+01:00', speed: 600 } });
    console.log(`three instances started in ${Math.round(performance.now() - t0)} ms`);
    rehearse = startRehearseProcess([
      '--generate',
      String(LETTERS),
      '--invalid',
      '0.01',
      '--attachments',
      '0.05',
      '--concurrency',
      '6',
      ...mocks.flatMap((m) => ['--target', m.url]),
      '--ledger',
      join(dir, 'spread.ledger.db'),
      '--stall-timeout',
      '40',
    ]);
    const exit = await rehearse.exited;
    console.log(
      `rehearse: ${Math.round(performance.now() - t0)} ms since the start, ${JSON.stringify(rehearse.events.find((e) => e.type === 'reconciliation')?.['wallMs'])} ms its own`,
    );
    const rec = rehearse.events.find((e) => e.type === 'reconciliation') as unknown as
      | {
          reconciled: boolean;
          offered: number;
          processed: number;
          open: number;
          duplicates: number;
          portal: { status: string };
          rejected: Record<string, number>;
        }
      | undefined;
    expect(rec, rehearse.output()).toBeDefined();
    expect(
      {
        code: exit.code,
        reconciled: rec!.reconciled,
        offered: rec!.offered,
        open: rec!.open,
        duplicates: rec!.duplicates,
      },
      rehearse.output(),
    ).toEqual({ code: 0, reconciled: true, offered: LETTERS, open: 0, duplicates: 0 });
    expect(rec!.portal.status).toBe('matches');

    // The database holds each processed letter once; every delivery was processed once, with one verwerkingsbericht.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const one = async (sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
      expect(await one('SELECT count(*) AS n FROM letters')).toBe(rec!.processed);
      expect(
        await one(
          'SELECT count(*) AS n FROM (SELECT 1 FROM letters GROUP BY afnemer_oin, bericht_id HAVING count(*) > 1) d',
        ),
      ).toBe(0);
      expect(await one('SELECT count(*) AS n FROM deliveries WHERE processed_at IS NULL')).toBe(0);
      expect(await one('SELECT count(*) AS n FROM deliveries')).toBe(
        await one('SELECT count(*) AS n FROM verwerkingsberichten'),
      );
      expect(await one('SELECT count(*) AS n FROM notifications')).toBe(rec!.processed);
    } finally {
      await db.end();
    }

    // Every instance answers the same: portal rows, and the /status figures that are the service's.
    const portals = await Promise.all(
      mocks.map((m) => getJson<{ rows: unknown[] }>(`${m.url}/berichtenbox/portaal.json`, OPERATOR)),
    );
    expect(portals[1]).toEqual(portals[0]);
    expect(portals[2]).toEqual(portals[0]);
    const statuses = await Promise.all(
      mocks.map((m) =>
        getJson<{ intake: Record<string, unknown>; notifications: Record<string, unknown> }>(`${m.url}/status`),
      ),
    );
    const service = (s: (typeof statuses)[number]) => ({
      lettersAdmitted: s.intake.lettersAdmitted,
      deliveries: s.intake.deliveries,
      deliveriesPending: s.intake.deliveriesPending,
      admittedToday: s.intake.admittedToday,
      maxProcessingDelayMs: s.intake.maxProcessingDelayMs,
      dayWindow: (s.intake.windows as { window: string; used: number; peakOffered: number }[]).find(
        (w) => w.window === 'day',
      ),
      enqueued: s.notifications.enqueued,
      peaks: s.notifications.peaks,
    });
    expect(service(statuses[0]!).lettersAdmitted).toBeGreaterThanOrEqual(LETTERS);
    expect(service(statuses[1]!)).toEqual(service(statuses[0]!));
    expect(service(statuses[2]!)).toEqual(service(statuses[0]!));
    expect(service(statuses[0]!).dayWindow?.peakOffered).toBeGreaterThanOrEqual(LETTERS);
    await stopAll();
  });
});
