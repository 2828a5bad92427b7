/**
 * The sim clock never runs back over a crash: a mock process at speed 3600 on a real SQLite file, a
 * client that reads /status and right after that SIGKILLs the mock, a restart on the same file, and
 * then a batch dated with the time the client saw. Before, the clock was saved once a wall second,
 * so the restart resumed up to 3,600 sim s earlier and the batch was refused as "in the future"
 * (more than 5 sim minutes ahead: 83 wall ms at this speed). Now the clock never shows a time past
 * its persisted horizon (clock.horizonWallMs ahead), so the restart resumes at or after it.
 * Three rounds, killed at different phases of the save interval. Bounded in count and time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { BELASTINGDIENST } from './helpers/mock.ts';
import { POPULATION } from './helpers/batches.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const SPEED = 3600;
const HORIZON_WALL_MS = loadMockConfig({}).clock.horizonWallMs;
/** Wall ms after start at which the client reads /status and kills: spread over the save interval. */
const KILL_AFTER_MS = [430, 770, 1190];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function simNow(url: string): Promise<number> {
  const res = await fetch(`${url}/status`);
  expect(res.status).toBe(200);
  return Date.parse(((await res.json()) as { now: string }).now);
}

describe('the sim clock after SIGKILL at speed 3600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-clock-crash-'));
  const db = join(dir, 'mock.db');
  const args = ['--db', db, '--speed', String(SPEED), '--start', '2027-03-01T10:00:00+01:00'];
  let proc: MockProcess | undefined;

  afterAll(async () => {
    killMock(proc);
    if (proc) await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes no earlier than any time it answered, and accepts a batch dated with that time', async () => {
    proc = await startMockProcess(args);
    for (const [round, wait] of KILL_AFTER_MS.entries()) {
      await sleep(wait);
      const seen = await simNow(proc.url);
      proc.child.kill('SIGKILL');
      await proc.exited;

      const spawnedAt = performance.now();
      proc = await startMockProcess(args);
      const resumed = await simNow(proc.url);
      const wallSinceSpawn = performance.now() - spawnedAt;
      expect(
        resumed,
        `round ${round}: resumed at ${new Date(resumed).toISOString()}, the client saw ${new Date(seen).toISOString()}`,
      ).toBeGreaterThanOrEqual(seen);
      // And the jump forward is bounded: at most the horizon, plus what ran since the restart.
      expect(resumed - seen).toBeLessThanOrEqual((HORIZON_WALL_MS + wallSinceSpawn) * SPEED);

      const b = generateBatch({
        seed: 100 + round,
        afnemerOin: BELASTINGDIENST.oin,
        berichtType: 'VAIB',
        letters: 3,
        now: seen,
        population: POPULATION,
      });
      const res = await fetch(`${proc.url}/berichtenbox/afleveren`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', 'x-afnemer-oin': BELASTINGDIENST.oin },
        body: renderBerichtenXml(b),
      });
      expect(res.status, `round ${round}: ${await res.clone().text()}`).toBe(202);
    }
    await stopMock(proc);
  }, 120_000);
});
