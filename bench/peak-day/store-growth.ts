/**
 * What an iteration of the day's flows costs the mock as its store fills (issue 23): CPU µs of the
 * mock per iteration, in-process (`app.inject`, the native engine's own flows), on an empty store
 * (the reference, same run) and after N letters to the load's 1,000 burgers, as the whole peak-day
 * leaves them (about 2,450 per inbox by the evening). In-process figures are higher than over a
 * socket; it is the growth that counts.
 *
 *   node bin/run-ts.js bench/peak-day/store-growth.ts [letters,letters,…]   # default 0,1000000,2000000
 *
 * No network; bounded by the letters asked for (2 million take about 3 minutes here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock/index.ts';
import { buildMock } from '../../src/mock/app.ts';
import { NATIVE_FLOWS, type FlowEnv, type IterationContext } from '../../src/engine/index.ts';
import { scenarioData } from '../../src/k6gen/index.ts';
import { defaultDataOptions } from '../../src/run/mock-defaults.ts';
import type { FlowName } from '../../src/scenario/index.ts';
import day from '../../scenarios/peak-day.ts';
import { num, table } from '../lib/table.ts';

const steps = (process.argv[2] ?? '0,1000000,2000000').split(',').map(Number);
if (steps.some((n) => !(n >= 0) || n > 2_400_000)) throw new Error('letters: numbers from 0 to 2,400,000 (a day)');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-store-growth-'));
const clock = new ManualClock(Date.parse('2027-03-01T00:00:00+01:00'), 1);
// DigiD's drawn service time off: the figure is the mock's CPU, not the modelled wait.
const app = await buildMock(
  { db: join(dir, 'mock.db'), workerIntervalMs: 60_000, digid: { serviceTime: { kind: 'fixed', ms: 0 } } },
  { clock },
);
await app.ready();
const data = scenarioData(day, defaultDataOptions(day));
const env: FlowEnv = { data, simNow: () => clock.now(), simAgo: (ms) => clock.now() - ms, thinkWallMs: () => 0 };
const ctx: IterationContext = {
  async request(_tags, req) {
    const r = await app.inject({
      method: req.method as 'GET',
      url: req.path,
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { payload: req.body } : {}),
    });
    return { status: r.statusCode, headers: r.headers as Record<string, string>, body: r.body, serviceMs: 0 };
  },
  sleep: async () => undefined,
  check: () => undefined,
  add: () => undefined,
  gauge: () => undefined,
  lateMs: () => 0,
};
const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** CPU µs per iteration of a flow, after a warm-up of its own. */
async function perIteration(flow: FlowName, n: number): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await NATIVE_FLOWS[flow](ctx, env);
  const c0 = cpuUs();
  for (let i = 0; i < n; i++) await NATIVE_FLOWS[flow](ctx, env);
  return (cpuUs() - c0) / n;
}

let letters = 0;
const rows: string[][] = [];
try {
  for (const target of steps) {
    // Batches of 1,000 every 25 sim s (144,000 an hour, under the hourly norm), processed as they go.
    while (letters < target) {
      clock.advance(25_000);
      await NATIVE_FLOWS['deliver-batch'](ctx, env);
      letters += data.batchSize;
      if (letters % 20_000 === 0) await app.bbsim.processDue();
    }
    clock.advance(3_600_000); // every batch processed, a fresh hour for the measured ones
    await app.bbsim.processDue();
    const at = letters;
    const digid = await perIteration('digid-authenticate', 3000);
    const reads = await perIteration('burger-reads', 2000);
    const batch = await perIteration('deliver-batch', 20);
    letters += 40 * data.batchSize;
    rows.push([at.toLocaleString('en-US'), num(digid), num(reads), num(batch / 1000, 1)]);
    console.log(
      `  ${at.toLocaleString('en-US')} letters: digid ${num(digid)} µs, burger-reads ${num(reads)} µs, batch ${num(batch / 1000, 1)} ms`,
    );
  }
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log('\nmock CPU per iteration as the store fills (first row: the empty store, the reference)');
console.log(table(['letters stored', 'digid-authenticate µs', 'burger-reads µs', 'deliver-batch (1,000) ms'], rows));
