/**
 * The Abonnementservice on several instances sharing one PostgreSQL database: its requests and night
 * quotas are the service's (store.updateSubscriptions), so requests spread over the instances, sent
 * at once, never get more than perNight accepted together; a request accepted by one instance is
 * answered by another; a repeat of a VerzoekId at another instance gets the same receipt; every
 * instance's /stats says the same. Real processes, real PostgreSQL; fails (never skips) when
 * PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { killMock, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson, startInstances } from './helpers/instances.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;
const OIN_2 = DEFAULT_AFNEMERS[1]!.oin;
const BASE = '/abonnementservice/v1';
const PER_NIGHT = 5;

let cluster: TestCluster;
let dir: string;
let mocks: MockProcess[] = [];

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-abonnement-'));
});
afterAll(async () => {
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function submit(
  base: string,
  body: Record<string, unknown>,
  oin = OIN,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${BASE}/verzoeken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-afnemer-oin': oin },
    body: JSON.stringify({ oin, ...body }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

interface KindFigures {
  accepted: number;
  refused: number;
  refusedByReason: Record<string, number>;
  night: { used: number; limit: number; peakOffered: number };
}

describe('the Abonnementservice on three instances sharing one database', () => {
  it('holds the night quota exactly together, answers any instance’s request, and reports the same figures everywhere', async () => {
    const url = await cluster.freshDatabase();
    mocks = await startInstances(3, dir, {
      db: url,
      // In the night window (23:00-07:00 Amsterdam), at speed 1.
      clock: { start: '2027-03-02T23:30:00+01:00', speed: 1 },
      abonnementservice: {
        perNight: { alles: PER_NIGHT, 'bsn-lijst': PER_NIGHT },
        overQuota: 'refuse',
        processing: { base: { kind: 'fixed', ms: 1000 }, perBsnMs: 0 },
      },
    });
    const urls = mocks.map((m) => m.url);

    // 30 alles requests at once over the three instances, room for 5 in this night.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => submit(urls[i % 3]!, { type: 'alles', verzoekId: `alles-${i}` })),
    );
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(PER_NIGHT);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(30 - PER_NIGHT);
    expect(answers.every((a) => a.status === 202 || a.status === 429)).toBe(true);

    // A bsn-lijst request accepted at one instance: its BSN list is kept for every instance.
    const users = await getJson<{ users: { bsn: string }[] }>(`${urls[0]}/digid/test-users?level=Basis&n=3`);
    const bsns = users.users.map((u) => u.bsn);
    const lijst = await submit(urls[0]!, { type: 'bsn-lijst', verzoekId: 'lijst-1', bsns });
    expect(lijst.status).toBe(202);
    // The same VerzoekId and content at another instance: the same receipt; other content: 409.
    const again = await submit(urls[1]!, { type: 'bsn-lijst', verzoekId: 'lijst-1', bsns });
    expect(again).toEqual(lijst);
    expect((await submit(urls[2]!, { type: 'alles', verzoekId: 'lijst-1' })).status).toBe(409);
    // Another afnemer's VerzoekId of the same name is its own request.
    expect((await submit(urls[2]!, { type: 'bsn-lijst', verzoekId: 'lijst-1', bsns }, OIN_2)).status).toBe(202);

    // Answered by an instance that did not accept it (1 s of processing at speed 1).
    await new Promise((r) => setTimeout(r, 1500));
    const id = String(accepted[0]!.json['verzoekId']);
    const ready = await getJson<{ status: string; bsns: string[] }>(`${urls[2]}${BASE}/verzoeken/${id}`, {
      'x-afnemer-oin': OIN,
    });
    expect(ready.status).toBe('ready');
    expect(ready.bsns.length).toBeGreaterThan(0);
    const answered = await getJson<{ status: string; requested: number }>(`${urls[1]}${BASE}/verzoeken/lijst-1`, {
      'x-afnemer-oin': OIN,
    });
    expect(answered).toMatchObject({ status: 'ready', requested: 3 });
    // Still not another afnemer's.
    const other = await fetch(`${urls[0]}${BASE}/verzoeken/${id}`, { headers: { 'x-afnemer-oin': OIN_2 } });
    expect(other.status).toBe(404);

    // Every instance reports the service's figures.
    const figures = await Promise.all(
      urls.map((u) => getJson<{ kinds: Record<string, KindFigures> }>(`${u}${BASE}/stats`)),
    );
    for (const f of figures) {
      expect(f.kinds['alles']).toMatchObject({
        accepted: PER_NIGHT,
        refused: 30 - PER_NIGHT,
        refusedByReason: { quota: 30 - PER_NIGHT },
        night: { used: PER_NIGHT, limit: PER_NIGHT, peakOffered: 30 },
      });
      expect(f.kinds['bsn-lijst']).toMatchObject({ accepted: 2, night: { used: 2 } });
    }
    await Promise.all(mocks.map((m) => stopMock(m)));
    mocks = [];
  }, 90_000);
});
