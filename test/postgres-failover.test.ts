/**
 * Losing an instance: three `bbsim mock --db postgres://…` processes on one database take a
 * rehearsal spread over all three while one of them is SIGKILLed and restarted on its port, in
 * turn, one every 1.5 s, up to 10 kills while it runs (at least 3). No acknowledged letter
 * may be lost or stored twice (the reconciliation and the database say so), and processing and
 * notifications carry on from the survivors: after the last kill, with that instance left down, a
 * new batch delivered to a survivor is processed and notified.
 * Fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { createPopulation } from '../src/population/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { killMock, startMockProcess, type MockProcess } from './helpers/mock-process.ts';
import { startRehearseProcess, killRehearse, type RehearseProcess } from './helpers/rehearse-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson } from './helpers/instances.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;
const LETTERS = 12_000;
const CYCLES = 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

let cluster: TestCluster;
let dir: string;
const mocks: (MockProcess | undefined)[] = [];
let rehearse: RehearseProcess | undefined;

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-failover-'));
});
afterAll(async () => {
  killRehearse(rehearse);
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m?.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL of an instance while the others take load', () => {
  it(`up to ${CYCLES} kill-and-restart cycles during a rehearsal of ${LETTERS.toLocaleString('en')} letters over three instances: nothing lost or stored twice, the survivors carry on`, async () => {
    const url = await cluster.freshDatabase();
    const config = join(dir, 'mock.json');
    // Speed 60: the rehearsal is paced by the norm (2,500 letters per wall second), so it lasts long enough for the kills.
    writeFileSync(config, JSON.stringify({ db: url, clock: { start: '2027-03-02T08:00:00+01:00', speed: 60 } }));
    const ports = await Promise.all([0, 1, 2].map(() => freePort()));
    const start = (i: number): Promise<MockProcess> =>
      startMockProcess(['--config', config, '--port', String(ports[i])], 45_000);
    const started = await Promise.all([0, 1, 2].map(start));
    started.forEach((m, i) => {
      mocks[i] = m;
    });

    rehearse = startRehearseProcess([
      '--generate',
      String(LETTERS),
      '--attachments',
      '0',
      '--concurrency',
      '6',
      '--timeout',
      '10',
      ...ports.flatMap((p) => ['--target', `http://127.0.0.1:${p}`]),
      '--ledger',
      join(dir, 'failover.ledger.db'),
      '--stall-timeout',
      '60',
    ]);
    let done = false;
    void rehearse.exited.then(() => {
      done = true;
    });
    const t0 = performance.now();
    const log = (what: string): void => console.log(`${Math.round(performance.now() - t0)} ms: ${what}`);
    let kills = 0;
    let killsDuringRun = 0;
    // One instance killed every 1.5 s in turn (it restarts on its port in the background; a victim
    // still starting is waited for), up to CYCLES kills, while the rehearsal runs.
    const up: Promise<MockProcess>[] = started.map((m) => Promise.resolve(m));
    for (let cycle = 0; cycle < CYCLES && !done; cycle++) {
      await sleep(1500);
      const i = cycle % 3;
      const victim = await up[i]!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills++;
      if (!done) killsDuringRun++;
      log(`killed instance ${i}`);
      up[i] = start(i).then((m) => {
        mocks[i] = m;
        log(`instance ${i} restarted`);
        return m;
      });
    }
    const exit = await rehearse.exited;
    log('rehearsal ended');
    await Promise.all(up);
    // The survivors must carry on without the last victim: one more kill, left down.
    const lastVictim = kills % 3;
    mocks[lastVictim]!.child.kill('SIGKILL');
    await mocks[lastVictim]!.exited;
    mocks[lastVictim] = undefined;
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(killsDuringRun, 'kills while the rehearsal ran').toBeGreaterThanOrEqual(3);
    const rec = rehearse.events.find((e) => e.type === 'reconciliation') as unknown as
      | {
          reconciled: boolean;
          offered: number;
          processed: number;
          open: number;
          duplicates: number;
          answers: Record<string, number>;
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

    // A batch delivered to a survivor after the last kill is processed and notified by the survivors.
    const survivors = mocks.filter((m): m is MockProcess => m !== undefined);
    expect(survivors).toHaveLength(2);
    const status = await getJson<{ now: string }>(`${survivors[0]!.url}/status`);
    const cfg = loadMockConfig({});
    const b = generateBatch({
      seed: 4242,
      afnemerOin: OIN,
      berichtType: 'VAIB',
      letters: 10,
      now: Date.parse(status.now),
      population: createPopulation({ seed: cfg.seed, ...cfg.population }),
    });
    const posted = await fetch(`${survivors[0]!.url}/berichtenbox/afleveren`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'x-afnemer-oin': OIN },
      body: renderBerichtenXml(b),
    });
    expect(posted.status).toBe(202);
    const batchId = b.BatchInformatie.BatchID.toLowerCase();
    let last = { state: '', counts: {} as Record<string, number> | null };
    for (let t = 0; t < 100 && last.state !== 'verwerkt'; t++) {
      await sleep(100);
      last = await getJson<{ state: string; counts: Record<string, number> | null }>(
        `${survivors[1]!.url}/berichtenbox/batches/${batchId}`,
        { 'x-afnemer-oin': OIN },
      );
    }
    expect(last.state).toBe('verwerkt');
    const lastVerwerkt = last.counts?.Verwerkt ?? 0;
    expect(lastVerwerkt).toBeGreaterThan(0);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const one = async (sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
      // Every letter the rehearsal saw processed is in the database once, and so is the last batch's.
      expect(await one('SELECT count(*) AS n FROM letters')).toBe(rec!.processed + lastVerwerkt);
      expect(
        await one(
          'SELECT count(*) AS n FROM (SELECT 1 FROM letters GROUP BY afnemer_oin, bericht_id HAVING count(*) > 1) d',
        ),
      ).toBe(0);
      expect(await one('SELECT count(*) AS n FROM deliveries WHERE processed_at IS NULL')).toBe(0);
      expect(await one('SELECT count(*) AS n FROM deliveries')).toBe(
        await one('SELECT count(*) AS n FROM verwerkingsberichten'),
      );
      // One notification per letter, none twice: processing ran once per delivery however many instances died.
      expect(await one('SELECT count(*) AS n FROM notifications')).toBe(await one('SELECT count(*) AS n FROM letters'));
      expect(
        await one(
          'SELECT count(*) AS n FROM (SELECT 1 FROM notifications GROUP BY afnemer_oin, bericht_id HAVING count(*) > 1) d',
        ),
      ).toBe(0);
    } finally {
      await db.end();
    }
  });
});
