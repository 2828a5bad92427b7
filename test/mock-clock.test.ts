import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMock } from '../src/mock/app.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-mock-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const simNow = async (app: Awaited<ReturnType<typeof buildMock>>): Promise<number> =>
  Date.parse((await app.inject({ url: '/status' })).json<{ now: string }>().now);

describe("the mock's sim clock over a restart", () => {
  it('restarted on the same database, the clock continues where it stopped instead of running backwards', async () => {
    const start = Date.parse('2026-11-16T10:00:00+01:00');
    const db = join(dir, 'clock.db');
    const first = await buildMock({ db, clock: { speed: 3600, start } });
    await new Promise((r) => setTimeout(r, 300)); // ≈ 18 sim minutes
    const before = await simNow(first);
    expect(before - start).toBeGreaterThan(10 * 60_000);
    await first.close();

    const second = await buildMock({ db, clock: { speed: 3600, start } });
    const after = await simNow(second);
    await second.close();
    expect(after).toBeGreaterThanOrEqual(before);

    // A fresh database starts at the configured instant.
    const fresh = await buildMock({ db: join(dir, 'fresh.db'), clock: { speed: 1, start } });
    expect(Math.abs((await simNow(fresh)) - start)).toBeLessThan(5_000);
    await fresh.close();
  });
});
