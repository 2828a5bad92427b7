/**
 * SQLite (one instance) against PostgreSQL (one, two and three instances on one database), in one
 * run on this machine:
 *  1. durable letters/s: batches of 100 and of 1,000 letters, a closed loop of 8 senders spread
 *     round-robin over the instances; only 202s count (each one committed before it was sent);
 *  2. presentation: GET /api/v1/berichten at a constant 1,000 requests/s (open model, latency from
 *     the intended send time) over the instances, p50/p99/p99.9;
 *  3. the issue's full rehearsal: `bbsim rehearse --generate 50000` spread over three PostgreSQL
 *     instances (the suite delivers 10,000), its reconciliation and wall time.
 *
 *   npm run bench:postgres -- [--quick] [--skip-rehearsal] [--skip-presentation] [--instances 1]
 *
 * PostgreSQL: a throwaway cluster (scripts/postgres-test-cluster), or BBSIM_PG_URL. The mock runs
 * at sim speed 3,600 so that the norms (150,000 letters/h) do not bind: the machine's throughput does.
 * Figures are printed and written to results/bench-postgres-<time>.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { createPopulation } from '../../src/population/index.ts';
import { loadMockConfig } from '../../src/mock/config.ts';
import { instantiate, makeTemplate, stampInstant, type Body } from '../lib/bodies.ts';
import { closedLoop, openLoop, type Req, type Verdict } from '../lib/load.ts';
import { calibrateSimClock } from '../lib/sim-clock.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const SKIP_REHEARSAL = argv.includes('--skip-rehearsal');
const SKIP_PRESENTATION = argv.includes('--skip-presentation');
// --instances N: only the cases with at most N instances (the intake comparison of one instance).
const MAX_INSTANCES = argv.includes('--instances') ? Number(argv[argv.indexOf('--instances') + 1]) : 3;
const INTAKE_MS = QUICK ? 3000 : 8000;
const PRESENT_MS = QUICK ? 3000 : 6000;
const PRESENT_RATE = 1000;
const SPEED = 3600;
const SENDERS = 8;
const REHEARSAL_LETTERS = 50_000;
const cfg = loadMockConfig({});
const OIN = cfg.afnemers[0]!.oin;
const population = createPopulation({ seed: cfg.seed, ...cfg.population });
const log = (s: string): void => console.log(`[bench:postgres] ${s}`);

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
}

function startInstance(configPath: string): Promise<Instance> {
  const child = spawn(process.execPath, ['bin/bbsim.js', 'mock', '--port', '0', '--config', configPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`mock did not start:\n${out}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        res({ child, url: m[1] });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`mock exited ${code}:\n${out}`));
    });
  });
}

async function stopInstances(list: readonly Instance[]): Promise<void> {
  await Promise.all(
    list.map(
      (i) =>
        new Promise<void>((res) => {
          if (i.child.exitCode !== null) return res();
          i.child.once('exit', () => res());
          i.child.kill('SIGTERM');
        }),
    ),
  );
}

/** One pool per instance, requests round-robin (as a load balancer would). */
function spread(instances: readonly Instance[], connections: number): { pools: Pool[]; close(): Promise<void> } {
  const pools = instances.map((i) => new Pool(i.url, { connections, pipelining: 1 }));
  return {
    pools,
    close: async () => {
      await Promise.all(pools.map((p) => p.close()));
    },
  };
}

/** closedLoop/openLoop take one pool: a dispatcher that hands each request to the next instance's pool. */
function roundRobin(pools: Pool[]): Pool {
  let k = 0;
  const first = pools[0]!;
  return new Proxy(first, {
    get(target, prop, receiver) {
      if (prop === 'request') {
        return (opts: Parameters<Pool['request']>[0]) => {
          const p = pools[k]!;
          k = (k + 1) % pools.length;
          return p.request(opts);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

interface Config {
  readonly name: string;
  readonly store: 'sqlite' | 'postgres';
  readonly instances: number;
}
const CONFIGS: readonly Config[] = [
  { name: 'SQLite, 1 instance', store: 'sqlite', instances: 1 },
  { name: 'PostgreSQL, 1 instance', store: 'postgres', instances: 1 },
  { name: 'PostgreSQL, 2 instances', store: 'postgres', instances: 2 },
  { name: 'PostgreSQL, 3 instances', store: 'postgres', instances: 3 },
];

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bbsim-bench-pg-'));
  let clusterDir: string | undefined;
  let baseUrl = process.env.BBSIM_PG_URL ?? '';
  if (baseUrl === '') {
    const out = execFileSync('bash', [join(ROOT, 'scripts/postgres-test-cluster'), 'start'], { encoding: 'utf8' });
    const vars = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    baseUrl = vars.BBSIM_PG_URL ?? '';
    clusterDir = vars.BBSIM_PG_DIR;
  }
  log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared machines disturb every figure alike)`,
  );
  let dbN = 0;
  const freshDb = async (): Promise<string> => {
    const name = `bench_${process.pid}_${dbN++}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const start = async (c: Config, speed: number, extra: Record<string, unknown> = {}): Promise<Instance[]> => {
    const db = c.store === 'sqlite' ? join(work, `sqlite-${dbN++}.db`) : await freshDb();
    const path = join(work, `mock-${dbN++}.json`);
    writeFileSync(path, JSON.stringify({ db, clock: { start: '2027-03-02T08:00:00+01:00', speed }, ...extra }));
    // One after the other: the first migrates and anchors the clock, the others join.
    const list: Instance[] = [];
    for (let i = 0; i < c.instances; i++) list.push(await startInstance(path));
    return list;
  };

  const results: Record<string, unknown>[] = [];
  try {
    for (const c of CONFIGS.filter((x) => x.instances <= MAX_INSTANCES)) {
      for (const size of [100, 1000]) {
        const instances = await start(c, SPEED);
        const { pools, close } = spread(instances, SENDERS);
        const clock = await calibrateSimClock(instances[0]!.url, SPEED);
        const t = makeTemplate({
          format: 'xml',
          letters: size,
          population,
          afnemerOin: OIN,
          berichtType: 'VAIB',
          seed: size,
        });
        const burgers = population.recipients(OIN, 5000, 0);
        const bodies: Body[] = [];
        const count = Math.ceil((QUICK ? 60_000 : 200_000) / size);
        for (let b = 0; b < count; b++) bodies.push(instantiate(t, (k) => burgers[(b * size + k) % burgers.length]!));
        const make = (i: number): Req => {
          const body = bodies[i % bodies.length]!;
          stampInstant(body, clock.now() - 60_000);
          return {
            path: '/berichtenbox/afleveren',
            method: 'POST',
            headers: { 'content-type': t.contentType, 'x-afnemer-oin': OIN },
            body: body.buf,
          };
        };
        const check = (status: number, text: string): Verdict =>
          status === 202 ? { ok: true, units: size } : { ok: false, note: `${status} ${text.slice(0, 200)}` };
        const r = await closedLoop({
          pool: roundRobin(pools),
          concurrency: SENDERS,
          durationMs: INTAKE_MS,
          maxRequests: bodies.length,
          make,
          check,
        });
        const perS = r.okUnits / (r.wallMs / 1000);
        log(
          `${c.name}, batches of ${size}: ${Math.round(perS).toLocaleString('en')} durable letters/s (${r.ok} batches in ${Math.round(r.wallMs)} ms, p99 ${r.latency.p99Ms.toFixed(1)} ms per batch, statuses ${JSON.stringify(r.statuses)}${r.samples.length > 0 ? `, e.g. ${r.samples[0]}` : ''})`,
        );
        results.push({
          part: 'intake',
          config: c.name,
          batch: size,
          lettersPerS: perS,
          batches: r.ok,
          statuses: r.statuses,
          p99Ms: r.latency.p99Ms,
        });
        await close();
        await stopInstances(instances);
      }

      if (SKIP_PRESENTATION) continue;
      // Presentation at 1,000 req/s over the instances.
      const instances = await start(c, 60);
      const { pools, close } = spread(instances, 16);
      const rr = roundRobin(pools);
      const clock = await calibrateSimClock(instances[0]!.url, 60);
      const burgers = population.recipients(OIN, 200, 0);
      const t = makeTemplate({
        format: 'json',
        letters: 1000,
        population,
        afnemerOin: OIN,
        berichtType: 'VAIB',
        seed: 77,
      });
      for (let b = 0; b < 4; b++) {
        const body = instantiate(t, (k) => burgers[(b * 1000 + k) % burgers.length]!);
        stampInstant(body, clock.now() - 60_000);
        const res = await pools[0]!.request({
          path: '/berichtenbox/afleveren',
          method: 'POST',
          headers: { 'content-type': t.contentType, 'x-afnemer-oin': OIN },
          body: body.buf,
        });
        if (res.statusCode !== 202) throw new Error(`seeding: ${res.statusCode} ${await res.body.text()}`);
        await res.body.dump();
      }
      // Parked at 45/s sim (speed 60: 2,700/s wall) and processed 2 s sim later.
      await new Promise((r) => setTimeout(r, 3000));
      const tokens: string[] = [];
      for (const bsn of burgers) {
        const res = await pools[tokens.length % pools.length]!.request({
          path: '/dev/token',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bsn, ttlSeconds: 86_400 }),
        });
        tokens.push(((await res.body.json()) as { token: string }).token);
      }
      const listReq = (i: number): Req => ({
        path: '/api/v1/berichten?pageSize=20',
        method: 'GET',
        headers: { authorization: `Bearer ${tokens[i % tokens.length]!}` },
      });
      await openLoop({ pool: rr, rate: PRESENT_RATE, durationMs: 1500, make: listReq });
      const p = await openLoop({ pool: rr, rate: PRESENT_RATE, durationMs: PRESENT_MS, make: listReq });
      log(
        `${c.name}, presentation at ${PRESENT_RATE}/s: p50 ${p.latency.p50Ms.toFixed(1)} ms, p99 ${p.latency.p99Ms.toFixed(1)} ms, p99.9 ${p.latency.p999Ms.toFixed(1)} ms (${p.ok} ok of ${p.intended}, ${p.achievedRate.toFixed(0)}/s; statuses ${JSON.stringify(p.statuses)})`,
      );
      results.push({
        part: 'presentation',
        config: c.name,
        rate: PRESENT_RATE,
        latency: p.latency,
        ok: p.ok,
        intended: p.intended,
        statuses: p.statuses,
      });
      await close();
      await stopInstances(instances);
    }

    if (!SKIP_REHEARSAL) {
      const instances = await start({ name: 'rehearsal', store: 'postgres', instances: 3 }, 600);
      const t0 = performance.now();
      const out = await new Promise<string>((res) => {
        const child = spawn(
          process.execPath,
          [
            'bin/bbsim.js',
            'rehearse',
            '--json',
            '--generate',
            String(REHEARSAL_LETTERS),
            '--attachments',
            '0.05',
            '--invalid',
            '0.01',
            '--concurrency',
            '8',
            '--ledger',
            join(work, 'rehearsal.ledger.db'),
            ...instances.flatMap((i) => ['--target', i.url]),
          ],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let s = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          s += c;
        });
        child.once('exit', () => res(s));
      });
      const rec = out
        .split('\n')
        .filter((l) => l.includes('"reconciliation"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
      log(
        `rehearsal of ${REHEARSAL_LETTERS.toLocaleString('en')} letters over 3 PostgreSQL instances: reconciled ${String(rec?.reconciled)}, processed ${String(rec?.processed)}, duplicates ${String(rec?.duplicates)}, open ${String(rec?.open)}, ${Math.round(performance.now() - t0)} ms wall`,
      );
      results.push({
        part: 'rehearsal',
        letters: REHEARSAL_LETTERS,
        reconciled: rec?.reconciled,
        processed: rec?.processed,
        duplicates: rec?.duplicates,
        open: rec?.open,
        wallMs: performance.now() - t0,
      });
      await stopInstances(instances);
    }
  } finally {
    if (clusterDir !== undefined)
      execFileSync('bash', [join(ROOT, 'scripts/postgres-test-cluster'), 'stop', clusterDir]);
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  const file = join(ROOT, 'results', `bench-postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ quick: QUICK, cores: cpus().length, loadavg: loadavg(), results }, null, 2));
  log(`written ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
