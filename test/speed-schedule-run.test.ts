import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildMock } from '../src/mock/app.ts';
import { HELPERS } from '../src/k6gen/flows-js.ts';
import { runScenario } from '../src/run/index.ts';
import { defineScenario, minutes, type ScenarioInput } from '../src/scenario/index.ts';
import { MACHTIGEN_TRANSACTIONS_PER_MINUTE, perMinute } from '../src/norms/index.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-schedule-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A k6 script with the generated scripts' own clock helpers (setup() reading /status, simNow along
 * the schedule): every 20 ms it asks the mock for its `now` and checks that it lies between what
 * simNow predicted when the request went out and when the answer came back, give or take what the
 * setup's own round trip leaves open. `IGNORE_SCHEDULE` drops the schedule from setup's reading: the
 * constant-speed clock the scripts had before (which must fail the same check).
 */
const SCRIPT = `
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter, Gauge, Trend } from 'k6/metrics';
const BASE_URL = __ENV.BASE_URL;
const SPEED = 1;
const BUCKET_S = 1;
const DATA = { thinkTimeMs: {} };
const firstRequest = new Gauge('bbsim_first_request_ms');
const outside = new Counter('sim_outside_bound');
const checked = new Counter('sim_checked');
const offBy = new Trend('sim_off_by_ms');
${HELPERS.replace('export function setup()', 'function helperSetup()')}
export function setup() {
  const t0 = Date.now();
  const c = helperSetup();
  const rtt = Date.now() - t0;
  if (__ENV.IGNORE_SCHEDULE) c.sched = null;
  // setup's reading is off by at most its own round trip at the fastest speed.
  let fastest = c.speed;
  for (const s of c.sched || []) fastest = Math.max(fastest, s.speed);
  c.slack = (rtt + 2) * fastest;
  return c;
}
export const options = { scenarios: { probe: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: __ENV.DURATION || '4s', preAllocatedVUs: 4, maxVUs: 8 } } };
export default function (clock) {
  const before = simNow(clock);
  const res = http.get(BASE_URL + '/status');
  const after = simNow(clock);
  const now = Date.parse(String(res.json('now')));
  checked.add(1);
  const off = now < before ? before - now : now > after ? now - after : 0;
  offBy.add(off);
  if (off > clock.slack) outside.add(1);
}
export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}
`;

describe('the mock and k6 agree on the sim time of every request', () => {
  it('across a speed change (60 → 600), within the bound of the set-up reading; the constant-speed clock does not', async () => {
    writeFileSync(join(dir, 'probe.js'), SCRIPT);
    const start = Date.parse('2027-03-01T19:58:00+01:00');
    // 2 sim minutes at speed 60 (2 wall s), then speed 600: the change falls in the middle of the probe.
    const app = await buildMock({
      db: join(dir, 'agree.db'),
      clock: {
        start,
        schedule: [
          { from: start, speed: 60 },
          { from: start + 120_000, speed: 600 },
        ],
        holdUntilFirstRequest: true,
      },
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const run = async (ignore: boolean): Promise<{ checked: number; outside: number; maxOff: number }> => {
        const out = join(dir, `agree-${ignore}.json`);
        await promisify(execFile)(
          K6,
          [
            'run',
            '--no-usage-report',
            '-q',
            '-e',
            `BASE_URL=${base}`,
            '-e',
            `OUT=${out}`,
            ...(ignore ? ['-e', 'IGNORE_SCHEDULE=1'] : []),
            join(dir, 'probe.js'),
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        const m = (
          JSON.parse(readFileSync(out, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
        ).metrics;
        return {
          checked: m['sim_checked']?.values['count'] ?? 0,
          outside: m['sim_outside_bound']?.values['count'] ?? 0,
          maxOff: m['sim_off_by_ms']?.values['max'] ?? 0,
        };
      };
      const withSchedule = await run(false);
      expect(withSchedule.checked).toBeGreaterThan(100);
      expect(withSchedule.outside, `max off by ${withSchedule.maxOff} sim ms`).toBe(0);
      // The second k6 run starts past the boundary, at speed 600: its constant-speed clock (the
      // speed it read, 600) is then right. Make it read before the boundary: a fresh mock, held.
    } finally {
      await app.close();
    }
    const app2 = await buildMock({
      db: join(dir, 'agree2.db'),
      clock: {
        start,
        schedule: [
          { from: start, speed: 60 },
          { from: start + 120_000, speed: 600 },
        ],
        holdUntilFirstRequest: true,
      },
    });
    const base2 = await app2.listen({ port: 0, host: '127.0.0.1' });
    try {
      const out = join(dir, 'agree-ignore.json');
      await promisify(execFile)(
        K6,
        [
          'run',
          '--no-usage-report',
          '-q',
          '-e',
          `BASE_URL=${base2}`,
          '-e',
          `OUT=${out}`,
          '-e',
          'IGNORE_SCHEDULE=1',
          join(dir, 'probe.js'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      const m = (
        JSON.parse(readFileSync(out, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
      ).metrics;
      // Past the change a clock at the speed it read at the start (60) falls behind by 540 sim ms a wall ms.
      expect(m['sim_outside_bound']?.values['count'] ?? 0).toBeGreaterThan(20);
    } finally {
      await app2.close();
    }
  }, 90_000);
});

describe('a two-speed scenario judges capacity as the same scenario at one slow speed', () => {
  // Machtigen: 500 a minute for two quiet sim minutes, then 1,200 a minute for one (over the 1,000 norm).
  const base: ScenarioInput = {
    name: 'two-speed',
    description: 'Machtigen under its norm for two minutes, then over it for one',
    flows: [{ flow: 'machtigen-check' }],
    load: {
      kind: 'stages',
      start: perMinute(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit * 0.5),
      stages: [
        { target: perMinute(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit * 0.5), duration: minutes(2) },
        { target: perMinute(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit * 1.2), duration: '1ms' },
        { target: perMinute(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit * 1.2), duration: minutes(1) },
      ],
    },
    norms: [MACHTIGEN_TRANSACTIONS_PER_MINUTE.id],
    expectBreaches: [MACHTIGEN_TRANSACTIONS_PER_MINUTE.id],
  };
  it('the busiest minute and the verdict are the same (native engine)', async () => {
    const start = '2027-03-01T20:00:00+01:00';
    const slow = defineScenario({ ...base, clock: { start, speed: 10 } });
    // The quiet minutes fast (speed 60), the peak minute slow (speed 10), slowing down 30 sim s
    // before it as the fitted schedules do: a request the generator sends late across a fast → slow
    // boundary counts s_fast/s_slow times denser in sim time, so the boundary must not be the peak's edge.
    const twoSpeed = defineScenario({
      ...base,
      name: 'two-speed-fast',
      clock: { start, schedule: [{ speed: 60 }, { from: minutes(1.5), speed: 10 }] },
    });
    const results = [];
    for (const scenario of [slow, twoSpeed]) {
      // Both mocks hold their clock until the load starts (the two-speed one does so by itself), so
      // both sim minutes begin with the load: the comparison is of speeds, not of start-up offsets.
      const r = await runScenario({
        scenario,
        outDir: dir,
        k6Path: K6,
        engine: 'native',
        log: () => undefined,
        quiet: true,
        mockConfig: { clock: { holdUntilFirstRequest: true } },
      });
      expect(r.exitCode, r.error).not.toBe(2);
      results.push(r.rows.find((x) => x.normId === MACHTIGEN_TRANSACTIONS_PER_MINUTE.id)!);
    }
    const [a, b] = results;
    expect(a!.status).toBe('fail');
    expect(b!.status).toBe(a!.status);
    // The same busiest sim minute within 3 % (the load's own rounding and start-up).
    expect(Math.abs(b!.measured! - a!.measured!) / a!.measured!).toBeLessThan(0.03);
    expect(b!.replay?.speed).toBe(10);
    expect(a!.replay).toBeUndefined();
  }, 90_000);
});
