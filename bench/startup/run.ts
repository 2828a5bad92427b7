/**
 * bench/startup: wall time from spawning `bbsim` to its exit, hyperfine style (warm-up runs, then
 * interleaved repeated runs, median and spread), for `--version` and `--help` from the compiled
 * dist/ and (for comparison) the TypeScript sources through tsx, beside `node -e 0` measured in the
 * same rounds; and from spawning `bbsim mock --port 0` until it prints `listening on` (then it is
 * stopped), beside a bare Fastify server from spawn to listening. Target: ≤ 0.2 s.
 *
 *   npm run bench:startup [-- --quick] [-- --runs 30]
 *
 * Builds dist/ first when it is stale (`npm run build`). Each round runs every command once, in the
 * same order, so a burst of load from another job hits all of them alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../lib/build.ts';
import { num, ratio, table } from '../lib/table.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const runsArg = argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(argv[runsArg + 1]) : QUICK ? 8 : 30;
const WARMUP = 3;
const TARGET_S = 0.2;

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A server: timed from spawn until it prints `listening on`, then stopped (SIGTERM). */
  readonly server?: boolean;
}
const DB_DIR = mkdtempSync(join(tmpdir(), 'bbsim-bench-startup-'));
/** The reference for a server's start: Fastify itself, one route, listening on a free port. */
const BARE_FASTIFY = `import('fastify').then(async ({ default: F }) => { const a = F(); a.get('/', () => 'hi'); console.log('listening on ' + (await a.listen({ port: 0, host: '127.0.0.1' }))); process.on('SIGTERM', () => process.exit(0)); })`;
let dbSeq = 0;
const CASES: readonly Case[] = [
  { name: 'node -e 0 (reference)', args: ['-e', '0'] },
  { name: 'bbsim --version', args: ['bin/bbsim.js', '--version'] },
  { name: 'bbsim --help', args: ['bin/bbsim.js', '--help'] },
  { name: 'bbsim --version (tsx, no dist)', args: ['bin/bbsim.js', '--version'], env: { BBSIM_NO_DIST: '1' } },
  { name: 'bare Fastify, spawn to listening', args: ['-e', BARE_FASTIFY], server: true },
  { name: 'bbsim mock, spawn to listening', args: ['bin/bbsim.js', 'mock', '--port', '0', '--db'], server: true },
];

/** CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat (clock ticks of 10 ms). */
function childrenCpuS(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, cutime 16 and cstime 17 (1-based), so indices 13 and 14 here.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** CPU seconds (user + system) of a live process, from /proc/<pid>/stat. */
function processCpuS(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A server from spawn until it says it listens (its CPU until then), then SIGTERM and wait for its exit. */
function serverOnce(c: Case): Promise<Sample> {
  const args = c.args.at(-1) === '--db' ? [...c.args, join(DB_DIR, `mock-${dbSeq++}.db`)] : [...c.args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...c.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let sample: Sample | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (sample === undefined && out.includes('listening on')) {
        sample = { wallMs: performance.now() - t0, cpuMs: processCpuS(child.pid!) * 1000 };
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (sample) resolve(sample);
      else reject(new Error(`${c.name}: exit ${code ?? signal} before listening: ${out.slice(0, 500)}`));
    });
  });
}

async function once(c: Case): Promise<Sample> {
  if (c.server) return serverOnce(c);
  const cpu0 = childrenCpuS();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...c.args], {
    cwd: ROOT,
    env: { ...process.env, ...c.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 500)}`);
  return { wallMs, cpuMs: (childrenCpuS() - cpu0) * 1000 };
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? Number.NaN;
};

async function main(): Promise<void> {
  ensureBuilt(ROOT);
  const load0 = loadavg()[0] ?? 0;
  for (let i = 0; i < WARMUP; i++) for (const c of CASES) await once(c);
  const samples = CASES.map(() => [] as Sample[]);
  for (let i = 0; i < RUNS; i++) for (const [k, c] of CASES.entries()) samples[k]!.push(await once(c));
  rmSync(DB_DIR, { recursive: true, force: true });
  const times = samples.map((s) => s.map((x) => x.wallMs));
  const cpuMean = samples.map((s) => s.reduce((a, x) => a + x.cpuMs, 0) / s.length);
  const load1 = loadavg()[0] ?? 0;
  const ref = quantile(times[0]!, 0.5);
  console.log(
    `\n=== bbsim start-up: spawn to exit, ${RUNS} interleaved rounds after ${WARMUP} warm-up (load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${availableParallelism()} cores) ===`,
  );
  // CPU (user + system, mean) is what the machine's other jobs disturb least: wall time on a loaded
  // 2-core machine waits for a core as well.
  console.log(
    table(
      ['command', 'median', 'min', 'p90', 'minus node -e 0', '÷ node -e 0', 'CPU (mean)', 'CPU ÷ node -e 0'],
      CASES.map((c, k) => {
        const t = times[k]!;
        const med = quantile(t, 0.5);
        return [
          c.name,
          `${num(med, 0)} ms`,
          `${num(Math.min(...t), 0)} ms`,
          `${num(quantile(t, 0.9), 0)} ms`,
          k === 0 ? '' : `${num(med - ref, 0)} ms`,
          k === 0 ? '' : ratio(med / ref),
          `${num(cpuMean[k]!, 0)} ms`,
          k === 0 ? '' : ratio(cpuMean[k]! / cpuMean[0]!),
        ];
      }),
    ),
  );
  const version = quantile(times[1]!, 0.5) / 1000;
  const help = quantile(times[2]!, 0.5) / 1000;
  const mock = quantile(times[5]!, 0.5) / 1000;
  const verdict = (x: number): string => `${x.toFixed(3)} s ${x <= TARGET_S ? 'OK' : 'MISSED'}`;
  console.log(
    `target ≤ ${TARGET_S} s: --version ${verdict(version)}, --help ${verdict(help)}, mock until listening ${verdict(mock)} (bare Fastify ${(quantile(times[4]!, 0.5) / 1000).toFixed(3)} s)`,
  );
  const out = join(ROOT, 'results', `bench-startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        bench: 'startup',
        runs: RUNS,
        loadAverage: [load0, load1],
        cases: CASES.map((c, k) => ({ name: c.name, args: c.args, wallMs: times[k], cpuMeanMs: cpuMean[k] })),
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${out}`);
}

await main();
