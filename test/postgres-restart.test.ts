/**
 * PostgreSQL restarted under load: two `bbsim mock --db postgres://…` instances take batches from 8
 * concurrent senders while the server is stopped (pg_ctl stop -m fast: connections cut) and started
 * again 3 s later. While it is down the instances answer 503 (BBSIM_STORAGE_FAILED) with Retry-After
 * and /ready is 503 — never a 202 for a batch that was not committed, never a 500 — and they recover
 * by themselves: 202s again from both, /ready 200, and every batch that got a 202 is in the database.
 * Uses a cluster of its own (it stops the server). Fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { createPopulation } from '../src/population/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { killMock, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson, startInstances } from './helpers/instances.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let cluster: TestCluster;
let dir: string;
let mocks: MockProcess[] = [];

beforeAll(() => {
  cluster = startTestCluster({ own: true });
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-restart-'));
});
afterAll(async () => {
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly phase: 'before' | 'down' | 'after';
  readonly instance: number;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly code: string | undefined;
  readonly batchId: string;
}

describe('PostgreSQL restarted under load', () => {
  it('503 with Retry-After while it is down (no 202 for anything uncommitted, no 500), then recovery by itself', async () => {
    const url = await cluster.freshDatabase();
    mocks = await startInstances(2, dir, {
      db: url,
      clock: { start: '2027-03-02T08:00:00+01:00', speed: 60 },
      storage: { retryAfterS: 2 },
    });
    const status = await getJson<{ now: string }>(`${mocks[0]!.url}/status`);
    const cfg = loadMockConfig({});
    const population = createPopulation({ seed: cfg.seed, ...cfg.population });
    let phase: Answer['phase'] = 'before';
    let stop = false;
    let seed = 1;
    const answers: Answer[] = [];
    const readyWhileDown: number[] = [];
    const sender = async (k: number): Promise<void> => {
      for (let i = 0; !stop && i < 2000; i++) {
        const instance = (k + i) % 2;
        const b = generateBatch({
          seed: seed++,
          afnemerOin: OIN,
          berichtType: 'VAIB',
          letters: 20,
          now: Date.parse(status.now),
          population,
        });
        const sentIn = phase;
        try {
          const r = await fetch(`${mocks[instance]!.url}/berichtenbox/afleveren`, {
            method: 'POST',
            headers: { 'content-type': 'application/xml', 'x-afnemer-oin': OIN },
            body: renderBerichtenXml(b),
            signal: AbortSignal.timeout(15_000),
          });
          const body = await r.text();
          const code = r.status === 202 ? undefined : (JSON.parse(body) as { code?: string }).code;
          answers.push({
            phase: sentIn === phase ? phase : 'down',
            instance,
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            code,
            batchId: b.BatchInformatie.BatchID.toLowerCase(),
          });
        } catch (err) {
          answers.push({
            phase: 'down',
            instance,
            status: -1,
            retryAfter: null,
            code: (err as Error).message,
            batchId: b.BatchInformatie.BatchID.toLowerCase(),
          });
        }
        if (phase !== 'before') await sleep(50);
      }
    };
    const senders = Promise.all(Array.from({ length: 8 }, (_, k) => sender(k)));
    await sleep(1500);
    phase = 'down';
    cluster.stopServer();
    const downAt = performance.now();
    while (performance.now() - downAt < 3000) {
      readyWhileDown.push(...(await Promise.all(mocks.map((m) => fetch(`${m.url}/ready`).then((r) => r.status)))));
      await sleep(300);
    }
    cluster.startServer();
    phase = 'after';
    // Recovery by itself: both instances answer 202 again within 20 s.
    const upAt = performance.now();
    while (
      performance.now() - upAt < 20_000 &&
      [0, 1].some((i) => !answers.some((a) => a.phase === 'after' && a.instance === i && a.status === 202))
    )
      await sleep(100);
    await sleep(500);
    stop = true;
    await senders;

    const during = answers.filter((a) => a.phase === 'down');
    expect(answers.filter((a) => a.phase === 'before' && a.status === 202).length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status === 503).length, JSON.stringify(during.slice(0, 5))).toBeGreaterThan(0);
    for (const a of during.filter((x) => x.status === 503)) {
      expect(a.code).toBe('BBSIM_STORAGE_FAILED');
      expect(a.retryAfter).toBe('2');
    }
    // Nothing else than 202 (committed before PostgreSQL went) or 503 while it was down; never a 500.
    expect(
      answers.filter((a) => a.status !== 202 && a.status !== 503),
      JSON.stringify(answers.filter((a) => a.status !== 202 && a.status !== 503).slice(0, 3)),
    ).toEqual([]);
    expect(readyWhileDown).toContain(503);
    for (const i of [0, 1])
      expect(
        answers.some((a) => a.phase === 'after' && a.instance === i && a.status === 202),
        `instance ${i} took a batch again`,
      ).toBe(true);
    expect(await Promise.all(mocks.map((m) => fetch(`${m.url}/ready`).then((r) => r.status)))).toEqual([200, 200]);

    // Every 202 is a committed batch; a 503 batch is not stored.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const stored = new Set(
        (await db.query<{ batch_id: string }>('SELECT DISTINCT batch_id FROM deliveries')).rows.map((r) => r.batch_id),
      );
      const acked = answers.filter((a) => a.status === 202).map((a) => a.batchId);
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      expect(answers.filter((a) => a.status === 503 && stored.has(a.batchId))).toEqual([]);
    } finally {
      await db.end();
    }
    await Promise.all(mocks.map((m) => stopMock(m)));
    mocks = [];
  });
});
