/**
 * bench/digid/overread-probe.ts: does the mock's DigiD minute window read more authentications in a
 * sim minute than were sent in one (issue 23)? Sends POST /digid/authenticate at a constant wall rate
 * (open loop) to a mock child at a given speed, counts per sim minute what it sent (by the mock's sim
 * clock as calibrated from /status) and compares the most with the window's peakOffered.
 *
 *   node bin/run-ts.js bench/digid/overread-probe.ts [speed=120] [rate/s=2000] [wall ms=10000] [stamp]
 *
 * `stamp` sends x-bbsim-sent-at as bbsim's k6 scripts do. Measured on the shared 2-core machine at
 * speed 120, 2,000/s: without it 1,427 read where at most 1,016 were sent (the bursts of a loaded
 * mock, by arrival); with it 1,310 read and 1,310 sent.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { ensureBuilt } from '../lib/build.ts';
import { startChild } from '../lib/child.ts';
import { calibrateSimClock } from '../lib/sim-clock.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPEED = Number(process.argv[2] ?? 120);
const RATE = Number(process.argv[3] ?? 2000);
const DUR = Number(process.argv[4] ?? 10_000);
/** 'stamp': send x-bbsim-sent-at (the sim instant of the send), as bbsim's k6 scripts do. */
const STAMP = process.argv[5] === 'stamp';
ensureBuilt(ROOT);
const dir = join(tmpdir(), `h23perf-probe-${process.pid}`);
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'mock.json'),
  JSON.stringify({
    digid: { serviceTime: { kind: 'fixed', ms: 0 }, concurrency: 1024, maxQueue: 10000 },
    maintenance: { enabled: false },
  }),
);
const mock = await startChild({
  name: 'mock',
  cwd: ROOT,
  nodeArgs: [
    'bin/bbsim.js',
    'mock',
    '--port',
    '0',
    '--db',
    join(dir, 'm.db'),
    '--speed',
    String(SPEED),
    '--config',
    join(dir, 'mock.json'),
  ],
});
try {
  const users = (await (await fetch(`${mock.url}/digid/test-users?level=Basis&n=200`)).json()) as {
    users: { bsn: string }[];
  };
  const bodies = users.users.map((u) => JSON.stringify({ bsn: u.bsn }));
  const clock = await calibrateSimClock(mock.url, SPEED);
  const pool = new Pool(mock.url, { connections: 256 });
  const n = Math.round((RATE * DUR) / 1000);
  const sentMin = new Map<number, number>();
  const gotMin = new Map<number, number>();
  const statusTimes: [number, number][] = [];
  const t0 = performance.now() + 20;
  let done = 0;
  const poll = setInterval(async () => {
    const w = performance.now();
    const s = (await (await fetch(`${mock.url}/status`)).json()) as { now: string };
    statusTimes.push([w, Date.parse(s.now)]);
  }, 100);
  await new Promise<void>((res) => {
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (i < n && t0 + (i * 1000) / RATE <= now) {
        const simSent = clock.now();
        const k = Math.floor(simSent / 60000);
        sentMin.set(k, (sentMin.get(k) ?? 0) + 1);
        const body = bodies[i % bodies.length]!;
        i++;
        pool
          .request({
            path: '/digid/authenticate',
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(STAMP ? { 'x-bbsim-sent-at': String(Math.round(simSent)) } : {}),
            },
            body,
          })
          .then(
            async (r) => {
              const j = (await r.body.json()) as { expiresAt?: string };
              if (j.expiresAt) {
                const at = Date.parse(j.expiresAt) - 15 * 60_000;
                const m = Math.floor(at / 60000);
                gotMin.set(m, (gotMin.get(m) ?? 0) + 1);
              }
              if (++done === n) res();
            },
            () => {
              if (++done === n) res();
            },
          );
      }
      if (i < n) setTimeout(tick, 1);
    };
    tick();
  });
  clearInterval(poll);
  const stats = (await (await fetch(`${mock.url}/digid/stats`)).json()) as {
    capacity: { windows: { peakOffered: number; peakAt: string }[] };
  };
  const w = stats.capacity.windows[0]!;
  console.log('speed', SPEED, 'rate', RATE, 'expected per sim minute', (RATE * 60) / SPEED);
  console.log(
    'max sent in a generator minute (full minutes)',
    Math.max(...[...sentMin.values()].slice(1, -1)),
    'mock peakOffered',
    w.peakOffered,
    'at',
    w.peakAt,
  );
  console.log('mock minutes by decision time', [...gotMin.values()].join(' '));
  console.log('sent minutes', [...sentMin.values()].join(' '));
  let maxStand = 0;
  let stand = 0;
  for (let k = 1; k < statusTimes.length; k++) {
    if (statusTimes[k]![1] === statusTimes[k - 1]![1]) {
      stand += statusTimes[k]![0] - statusTimes[k - 1]![0];
      maxStand = Math.max(maxStand, stand);
    } else stand = 0;
  }
  console.log('longest clock stand (wall ms, by /status polls):', maxStand.toFixed(0));
  await pool.close();
} finally {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
}
