/**
 * bench/digid: whole DigiD authentications per second through POST /digid/authenticate with the
 * service time set to zero, beside a bare Fastify hello-world receiving the same JSON in the same
 * run. Target: ≥ 5,000/s on this machine (30× the norm's 10,000/min = 167/s), so the 10,000/min
 * peak can be replayed at sim speed 30.
 *
 *   node bin/run-ts.js bench/digid/run.ts [--quick] [--cpu-prof]
 *
 * --cpu-prof profiles the mock child (node --cpu-prof) and prints its hot spots over the measured
 * window (the figures are perturbed a little).
 *
 * Servers are child processes (one core each side); load goes to 127.0.0.1 only; every loop is
 * bounded in count and wall time.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startChild, type ChildServer } from '../lib/child.ts';
import { closedLoop, type ClosedLoopResult } from '../lib/load.ts';
import { num, ratio, table } from '../lib/table.ts';
import { formatProfile, monotonicUs, srcInclusive, summariseProfile, type ProfileWindow } from '../lib/cpuprofile.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, perMinute } from '../../src/norms/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.argv.includes('--quick');
const CPU_PROF = process.argv.includes('--cpu-prof');
const DURATION_MS = QUICK ? 3_000 : 10_000;
const WARMUP_MS = QUICK ? 1_000 : 2_000;
const CONNECTIONS = 16;
const CONCURRENCY = 64;
const TARGET_PER_S = 5_000;
/** Sim speed 120: the 10,000/min limit admits 20,000 per wall second, above what one core serves (at 60 it bound). */
const SPEED = 120;

async function main(): Promise<void> {
  const dir = join(tmpdir(), `bbsim-bench-digid-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'mock.json');
  writeFileSync(configFile, JSON.stringify({
    digid: { serviceTime: { kind: 'fixed', ms: 0 }, concurrency: 1024, maxQueue: 10_000 },
    maintenance: { enabled: false },
  }));
  const children: ChildServer[] = [];
  try {
    const hello = await startChild({ name: 'hello', cwd: ROOT, nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts', '--port', '0'] });
    children.push(hello);
    const profDir = join(ROOT, 'results', `bench-digid-prof-${process.pid}`);
    const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    const mock = await startChild({ name: 'mock', cwd: ROOT, nodeArgs: [...prof, 'bin/bbsim.js', 'mock', '--port', '0', '--db', join(dir, 'mock.db'), '--speed', String(SPEED), '--config', configFile] });
    children.push(mock);

    // Test users of the mock (every member BSN; password omitted = the right one).
    const users = await (await fetch(`${mock.url}/digid/test-users?level=Basis&n=500`)).json() as { users: { bsn: string }[] };
    const bsns = users.users.map((u) => u.bsn);
    if (bsns.length === 0) throw new Error('no test users');
    const bodies = bsns.map((bsn) => JSON.stringify({ bsn, level: 'Basis' }));
    const json = { 'content-type': 'application/json' };

    const run = async (url: string, path: string, check: (status: number, body: string) => boolean, durationMs: number): Promise<ClosedLoopResult> => {
      const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
      try {
        return await closedLoop({
          pool, concurrency: CONCURRENCY, durationMs, maxRequests: 10_000_000,
          make: (i) => ({ path, method: 'POST', headers: json, body: bodies[i % bodies.length]! }),
          check: (status, body) => (check(status, body) ? { ok: true } : { ok: false, note: `${status} ${body.slice(0, 200)}` }),
        });
      } finally {
        await pool.close();
      }
    };
    const success = (status: number, body: string): boolean => status === 200 && body.includes('"status":"Success"');
    const accepted = (status: number): boolean => status === 202;

    await run(mock.url, '/digid/authenticate', success, WARMUP_MS);
    await run(hello.url, '/echo', accepted, WARMUP_MS);
    const echo = await run(hello.url, '/echo', accepted, DURATION_MS);
    const fromUs = monotonicUs();
    const auth = await run(mock.url, '/digid/authenticate', success, DURATION_MS);
    const measured: ProfileWindow = { fromUs, toUs: monotonicUs() };

    const authPerS = auth.ok / (auth.wallMs / 1000);
    const echoPerS = echo.ok / (echo.wallMs / 1000);
    const normPerS = perMinute(DIGID_AUTHENTICATIONS_PER_MINUTE.limit).perSecond;
    const stats = await (await fetch(`${mock.url}/digid/stats`)).json() as Record<string, unknown>;

    console.log(`\n=== DigiD: whole authentications/s (POST /digid/authenticate, service time 0, ${CONNECTIONS} connections, ${CONCURRENCY} in flight) ===`);
    console.log(table(['server', 'ok/s', 'p50', 'p99', 'p99.9', 'errors', 'not ok'], [
      ['mock /digid/authenticate', num(authPerS, 0), `${auth.latency.p50Ms.toFixed(2)} ms`, `${auth.latency.p99Ms.toFixed(2)} ms`, `${auth.latency.p999Ms.toFixed(2)} ms`, String(auth.errors), String(auth.requests - auth.ok - auth.errors)],
      ['hello POST /echo (same bodies)', num(echoPerS, 0), `${echo.latency.p50Ms.toFixed(2)} ms`, `${echo.latency.p99Ms.toFixed(2)} ms`, `${echo.latency.p999Ms.toFixed(2)} ms`, String(echo.errors), String(echo.requests - echo.ok - echo.errors)],
    ]));
    if (auth.samples.length) console.log('samples of not-ok answers:', auth.samples);
    console.log(`ratio mock ÷ hello-world: ${ratio(authPerS / echoPerS)}; ${num(authPerS / normPerS, 1)}× the norm's ${num(normPerS, 0)}/s (10,000/min)`);
    console.log(`target ≥ ${num(TARGET_PER_S, 0)}/s: ${authPerS >= TARGET_PER_S ? 'OK' : 'MISSED'}`);

    const out = join(ROOT, 'results', `bench-digid-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ bench: 'digid', quick: QUICK, speed: SPEED, connections: CONNECTIONS, concurrency: CONCURRENCY, authPerS, echoPerS, ratio: authPerS / echoPerS, target: TARGET_PER_S, auth, echo, stats }, null, 2));
    console.log(`wrote ${out}`);
    if (CPU_PROF) {
      await mock.stop(); // writes the profile
      // The main thread's profile is the largest file (tsx's loader thread writes one of its own).
      const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f)) : [];
      const f = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
      if (f === undefined) console.log(`no profile in ${profDir}`);
      else {
        console.log(formatProfile(summariseProfile(f, ROOT, 40, measured), 30));
        console.log('  src/ functions by inclusive time (share of busy time):');
        for (const h of srcInclusive(f, ROOT, 15, measured)) console.log(`    ${(h.totalShare * 100).toFixed(1).padStart(5)} %  ${h.name}  ${h.where}`);
        console.log(`profile: ${f}`);
      }
    }
  } finally {
    for (const c of children) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
