/**
 * bench/startup: wall time from spawning `bbsim` to its exit, hyperfine style (warm-up runs, then
 * interleaved repeated runs, median and spread), for `--version` and `--help` from the compiled
 * dist/ and (for comparison) the TypeScript sources through tsx, beside `node -e 0` measured in the
 * same rounds. Target: `bbsim --version` and `--help` ≤ 0.2 s.
 *
 *   npm run bench:startup [-- --quick] [-- --runs 30]
 *
 * Builds dist/ first when it is stale (`npm run build`). Each round runs every command once, in the
 * same order, so a burst of load from another job hits all of them alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
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
}
const CASES: readonly Case[] = [
  { name: 'node -e 0 (reference)', args: ['-e', '0'] },
  { name: 'bbsim --version', args: ['bin/bbsim.js', '--version'] },
  { name: 'bbsim --help', args: ['bin/bbsim.js', '--help'] },
  { name: 'bbsim --version (tsx, no dist)', args: ['bin/bbsim.js', '--version'], env: { BBSIM_NO_DIST: '1' } },
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

function once(c: Case): Sample {
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

function main(): void {
  ensureBuilt(ROOT);
  const load0 = loadavg()[0] ?? 0;
  for (let i = 0; i < WARMUP; i++) for (const c of CASES) once(c);
  const samples = CASES.map(() => [] as Sample[]);
  for (let i = 0; i < RUNS; i++) CASES.forEach((c, k) => samples[k]!.push(once(c)));
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
  console.log(
    `target ≤ ${TARGET_S} s: --version ${version.toFixed(3)} s ${version <= TARGET_S ? 'OK' : 'MISSED'}, --help ${help.toFixed(3)} s ${help <= TARGET_S ? 'OK' : 'MISSED'}`,
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

main();
