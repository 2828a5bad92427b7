/**
 * What a batch's commit costs the burgers reading beside it (issue 23: presentation p99.9 in the whole
 * `peak-day`), with SQLite writing the batches on the mock's event loop (the reference) and from a
 * delivery thread of its own (`storage.deliveryThread`, the default), interleaved rounds in one run.
 *
 *   node bin/run-ts.js bench/peak-day/reads-under-batches.ts [--letters 1000000] [--rounds 2] [--seconds 45]
 *     [--reads 300] [--batches 2]
 *
 * The store is filled first to `--letters` letters to the load's 1,000 burgers (as the day leaves it
 * by the afternoon), in-process; each round starts the mock in a thread of its own on a copy of that
 * database and runs the native engine against it at the office hours' wall rates of the whole day at
 * 1,200/s: `--batches` batches of 1,000 letters a second (the day's 147,000 an hour at speed 56 is 2.3)
 * and `--reads` burger reads a second (a login, the inbox page and one letter each). Printed per round:
 * presentation p99, p99.9 and max from the intended send time, and the batches' own latency. Loopback
 * only; every round bounded by its schedule.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock/index.ts';
import { NATIVE_FLOWS, type FlowEnv, type IterationContext } from '../../src/engine/index.ts';
import { scenarioData } from '../../src/k6gen/index.ts';
import { buildMock } from '../../src/mock/app.ts';
import { runScenario } from '../../src/run/index.ts';
import { defaultDataOptions } from '../../src/run/mock-defaults.ts';
import { startMockThread } from '../../src/run/mock-thread.ts';
import { defineScenario, seconds } from '../../src/scenario/index.ts';
import { perMinute } from '../../src/norms/index.ts';
import { num, table } from '../lib/table.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`${name}: a number >= 0, got ${args[i + 1]}`);
  return v;
};
const LETTERS = arg('--letters', 1_000_000);
const ROUNDS = Math.max(1, Math.round(arg('--rounds', 2)));
const SECONDS = Math.max(5, arg('--seconds', 45));
const READS = arg('--reads', 300);
const BATCHES = arg('--batches', 2);
if (LETTERS > 2_400_000) throw new Error('--letters: at most 2,400,000 (a whole day)');
/** The day's office hours at 1,200/s ran at speed 48–56: at 56 the hourly cap leaves 2.3 batches a second. */
const SPEED = 56;
const START = '2027-03-01T13:00:00+01:00';

const scenario = defineScenario({
  name: 'reads-under-batches',
  description: 'Burgers reading while batches of 1,000 letters are delivered',
  clock: { speed: SPEED, start: START },
  flows: [
    { flow: 'deliver-batch', weight: BATCHES },
    { flow: 'burger-reads', weight: READS, thinkTimeMs: 0 },
  ],
  // The scenario's rate is per sim minute: a wall second is SPEED sim seconds.
  load: { kind: 'constant', rate: perMinute(((BATCHES + READS) * 60) / SPEED), duration: seconds(SECONDS * SPEED) },
  data: { batchSize: 1000, attachmentShare: 0 },
});
const data = scenarioData(scenario, defaultDataOptions(scenario));
const dir = mkdtempSync(join(tmpdir(), 'bbsim-reads-under-batches-'));
const filled = join(dir, 'filled.db');

/** The flows' context over any request function, for the fill and the warm-up (no metrics: those come from the runs). */
function flowContext(
  send: (req: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string | Buffer;
  }) => Promise<{ status: number; headers: Record<string, string>; body: string }>,
): IterationContext {
  return {
    async request(_tags, req) {
      const r = await send({
        method: req.method,
        path: req.path,
        headers: { ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      return { ...r, serviceMs: 0 };
    },
    sleep: async () => undefined,
    check: () => undefined,
    add: () => undefined,
    gauge: () => undefined,
    lateMs: () => 0,
  };
}

/** Fills the store in-process (no network): batches of 1,000 every 25 sim s, processed as they go. */
async function fill(): Promise<void> {
  const clock = new ManualClock(Date.parse('2027-03-01T00:00:00+01:00'), 1);
  const app = await buildMock({ db: filled, workerIntervalMs: 60_000, storage: { deliveryThread: false } }, { clock });
  await app.ready();
  const env: FlowEnv = { data, simNow: () => clock.now(), simAgo: (ms) => clock.now() - ms, thinkWallMs: () => 0 };
  const ctx = flowContext(async (req) => {
    const r = await app.inject({
      method: req.method as 'GET',
      url: req.path,
      headers: req.headers,
      ...(req.body !== undefined ? { payload: req.body } : {}),
    });
    return { status: r.statusCode, headers: r.headers as Record<string, string>, body: r.body };
  });
  try {
    for (let letters = 0; letters < LETTERS; letters += data.batchSize) {
      clock.advance(25_000);
      await NATIVE_FLOWS['deliver-batch'](ctx, env);
      if (letters % 20_000 === 0) await app.bbsim.processDue();
    }
    clock.advance(3_600_000);
    await app.bbsim.processDue();
  } finally {
    await app.close();
  }
}

/**
 * One batch and one read before the measured load, so that neither mode's start-up is measured: the
 * delivery thread starts with the first batch (about 180 ms of wall time from TypeScript), and the
 * routes compile their schemas on their first request.
 */
async function warmUp(base: string): Promise<void> {
  const now = Date.parse(((await (await fetch(`${base}/status`)).json()) as { now: string }).now);
  const env: FlowEnv = { data, simNow: () => now, simAgo: () => now, thinkWallMs: () => 0 };
  const ctx = flowContext(async (req) => {
    const r = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
    return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
  });
  const statuses: number[] = [];
  const checked = { ...ctx, check: (ok: boolean) => void statuses.push(ok ? 1 : 0) };
  await NATIVE_FLOWS['deliver-batch'](checked, env);
  await NATIVE_FLOWS['burger-reads'](checked, env);
  if (statuses.includes(0))
    throw new Error('the warm-up batch or read was refused: the mock is not as this bench expects');
}

interface Figures {
  p99: number;
  p999: number;
  max: number;
  requests: number;
  batchP99: number;
  batchMax: number;
  dropped: number;
}

async function round(deliveryThread: boolean, n: number): Promise<Figures> {
  const db = join(dir, `round-${n}.db`);
  copyFileSync(filled, db);
  const mock = await startMockThread({ db, storage: { deliveryThread }, clock: { speed: SPEED, start: START } }, 4096);
  try {
    await warmUp(mock.base);
    const r = await runScenario({
      scenario,
      target: mock.base,
      outDir: dir,
      runId: `round-${n}`,
      k6Path: join(ROOT, '.tools', 'bin', 'k6'),
      engine: 'native',
      quiet: true,
      log: () => undefined,
    });
    const s = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as {
      k6: { metrics: Record<string, { values: Record<string, number> } | undefined> };
    };
    const m = s.k6.metrics;
    const p = m['http_req_duration{service:presentatie}']?.values ?? {};
    const b = m['http_req_duration{service:berichtenbox-intake}']?.values ?? {};
    return {
      p99: p['p(99)'] ?? Number.NaN,
      p999: p['p(99.9)'] ?? Number.NaN,
      max: p['max'] ?? Number.NaN,
      requests: m['http_reqs{service:presentatie}']?.values['count'] ?? 0,
      batchP99: b['p(99)'] ?? Number.NaN,
      batchMax: b['max'] ?? Number.NaN,
      dropped: m['dropped_iterations']?.values['count'] ?? 0,
    };
  } finally {
    await mock.close();
    rmSync(db, { force: true });
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
  }
}

console.log(
  `bench reads-under-batches: load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(
      ' ',
    )}; ${num(LETTERS)} letters first, then ${ROUNDS} round(s) per mode of ${SECONDS} s: ${num(BATCHES)} batches of 1,000/s and ${num(READS)} burger reads/s (speed ${SPEED})`,
);
const rows: string[][] = [];
const all: Record<'in-line' | 'thread', Figures[]> = { 'in-line': [], thread: [] };
try {
  const t0 = performance.now();
  await fill();
  console.log(`  filled in ${num((performance.now() - t0) / 1000, 1)} s`);
  let n = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of ['in-line', 'thread'] as const) {
      const f = await round(mode === 'thread', n++);
      all[mode].push(f);
      const line = [
        mode,
        String(i + 1),
        num(f.requests),
        num(f.p99, 1),
        num(f.p999, 1),
        num(f.max, 0),
        num(f.batchP99, 0),
        num(f.batchMax, 0),
        num(f.dropped),
      ];
      rows.push(line);
      console.log(`  ${line.join('  ')}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('\npresentation latency (from the intended send time) beside batches of 1,000 letters, per round');
console.log(
  table(
    [
      'batches written',
      'round',
      'presentatie requests',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'batch p99 ms',
      'batch max ms',
      'dropped',
    ],
    rows,
  ),
);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const inline = median(all['in-line'].map((f) => f.p999));
const thread = median(all.thread.map((f) => f.p999));
console.log(
  `presentation p99.9, median of the rounds: in-line ${num(inline, 1)} ms (the reference), thread ${num(thread, 1)} ms (${num(thread / inline, 2)}×; the norm: 200 ms)`,
);
