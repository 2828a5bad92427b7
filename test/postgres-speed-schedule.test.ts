/**
 * A speed schedule on several instances: the schedule is stored with the clock's anchor in the
 * database, so a later `bbsim mock --db postgres://…` adopts the running clock's schedule, and one
 * given a different schedule or speed is refused, naming the field and both values. Two real
 * processes report the same sim time and speed in /status on both sides of a schedule boundary.
 * Fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson } from './helpers/instances.ts';

let cluster: TestCluster;
let dir: string;
const mocks: MockProcess[] = [];

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-schedule-'));
});
afterAll(async () => {
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Status {
  now: string;
  speed: number;
  schedule: { from: string; speed: number }[];
}

const START = '2027-03-02T08:00:00+01:00';
// 15 sim minutes at speed 60 (15 wall s), then speed 600.
const SCHEDULE = '0=60,15m=600';
const BOUNDARY = Date.parse(START) + 15 * 60_000;

/** Both instances' /status at once; how far apart their sim times may be is the speed × the requests' spread. */
async function both(a: MockProcess, b: MockProcess): Promise<{ sa: Status; sb: Status; spreadMs: number }> {
  const t0 = performance.now();
  const [sa, sb] = await Promise.all([getJson<Status>(`${a.url}/status`), getJson<Status>(`${b.url}/status`)]);
  return { sa, sb, spreadMs: performance.now() - t0 };
}

/** Runs a mock that must refuse to start; its exit code and output. */
async function refused(args: string[]): Promise<{ code: number | null; out: string }> {
  try {
    const m = await startMockProcess(args, 45_000);
    mocks.push(m);
    throw new Error(`the mock started, but should have refused: ${m.output()}`);
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith('the mock started')) throw err;
    const code = /exited \(code (\d+)/.exec(message)?.[1];
    return { code: code === undefined ? null : Number(code), out: message };
  }
}

describe('several instances on one database run one speed schedule', () => {
  it('a later instance adopts the running schedule, a different one is refused, and both agree on sim time and speed across a boundary', async () => {
    const url = await cluster.freshDatabase();
    const a = await startMockProcess(['--db', url, '--start', START, '--speed-schedule', SCHEDULE], 45_000);
    mocks.push(a);
    // Given neither --speed nor --speed-schedule: takes the database's clock.
    const [b, otherSchedule, otherSpeed] = await Promise.all([
      startMockProcess(['--db', url], 45_000),
      refused(['--db', url, '--start', START, '--speed-schedule', '0=60,15m=6000']),
      refused(['--db', url, '--speed', '60']),
    ]);
    mocks.push(b);
    expect(otherSchedule.code).not.toBe(0);
    expect(otherSchedule.out).toContain('clock.schedule (--speed-schedule)');
    expect(otherSchedule.out).toContain('2027-03-02T07:15:00.000Z=600');
    expect(otherSchedule.out).toContain('2027-03-02T07:15:00.000Z=6000');
    expect(otherSpeed.code).not.toBe(0);
    expect(otherSpeed.out).toMatch(/clock\.speed \(--speed\): .*speed schedule .*=60,.*=600.*given speed 60/);

    const before = await both(a, b);
    expect(Date.parse(before.sa.now)).toBeLessThan(BOUNDARY); // the boundary is still ahead (15 wall s after the start)
    expect(before.sb.schedule).toEqual(before.sa.schedule);
    expect(before.sa.schedule).toHaveLength(2);
    expect([before.sa.speed, before.sb.speed]).toEqual([60, 60]);
    expect(Math.abs(Date.parse(before.sa.now) - Date.parse(before.sb.now))).toBeLessThanOrEqual(
      60 * (before.spreadMs + 50),
    );

    // Past the boundary (bounded wait: 30 wall s).
    const deadline = performance.now() + 30_000;
    let after = await both(a, b);
    while (Date.parse(after.sa.now) < BOUNDARY + 60_000 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await both(a, b);
    }
    expect(Date.parse(after.sa.now)).toBeGreaterThan(BOUNDARY);
    expect(Date.parse(after.sb.now)).toBeGreaterThan(BOUNDARY);
    expect([after.sa.speed, after.sb.speed]).toEqual([600, 600]);
    expect(Math.abs(Date.parse(after.sa.now) - Date.parse(after.sb.now))).toBeLessThanOrEqual(
      600 * (after.spreadMs + 50),
    );
    await Promise.all([stopMock(a), stopMock(b)]);
    mocks.length = 0;
  }, 90_000);
});
