/**
 * bench/engine: the highest request rate each load generator sustains without dropping requests
 * against a bare Fastify hello-world (bench/mock-intake/hello-server.ts, GET /, in a child process),
 * all measured in the same run and printed as ratios:
 *
 * - the native engine (src/engine, open model, constant arrival rate, in this process);
 * - k6 (.tools/bin/k6, constant-arrival-rate executor, script written to a temp dir);
 * - wrk (Debian's package) — closed-loop: it has no arrival rate, so its figure is its maximum
 *   throughput with a fixed number of connections, not a rate sustained on schedule.
 *
 *   node bin/run-ts.js bench/engine/run.ts [--quick]
 *
 * A probe at rate R runs R/s for a few seconds and passes when nothing was dropped (the native
 * engine's and k6's dropped_iterations are 0), nothing failed, and at least 99 % of the asked
 * iterations ran. Both open-model tools get the same cap on requests in flight (k6 VUs = native
 * maxInFlight) and otherwise their defaults: k6 drops an iteration when no VU is free, the native
 * engine when it cannot start one within its default 1 s of the intended time. The native engine's
 * send lag (how late it sent) is printed too, since its p99 counts it and k6's does not.
 * The search goes up 1.6× at a time from a start rate until a probe fails, then bisects; a probe
 * that fails while other jobs used the cores (the `other` figure) is tried once more. Every probe
 * is bounded in count and time; load goes to 127.0.0.1 only. Goal: the native engine at or above k6.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildServer } from '../lib/child.ts';
import { meterCpu, meterSelf, meterSystem } from '../lib/proc.ts';
import { num, ratio, table } from '../lib/table.ts';
import { createClient, ENGINE_DEFAULTS, NativeEngine, type LoadPlan } from '../../src/engine/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.argv.includes('--quick');
const PROBE_MS = QUICK ? 2_000 : 5_000;
const START_RATE = 4_000;
const MAX_RATE = 100_000;
const BISECT_STEPS = QUICK ? 1 : 3;
/** In-flight cap for both open-model tools (k6 VUs, native maxInFlight). */
const IN_FLIGHT = 1_000;
/** The engine's default bound (1 s): like k6, it then drops only when it really cannot start an iteration. */
const NATIVE_DROP_AFTER_MS = ENGINE_DEFAULTS.dropAfterMs;
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const WRK_CONFIGS = [
  { threads: 1, connections: 64 },
  { threads: 2, connections: 128 },
] as const;
const WRK_SECONDS = QUICK ? 2 : 5;
/** A send lag p99 at or under this counts as keeping to the schedule. */
const ON_TIME_LAG_MS = 10;
/** Above this many cores used by other processes a probe is flagged as disturbed (as in bench/README.md). */
const OTHER_FLAG = 0.25;

interface Probe {
  readonly tool: string;
  readonly rate: number;
  readonly ok: boolean;
  /** Iterations (requests) run, per second of the probe. */
  readonly achieved: number;
  readonly dropped: number;
  readonly failed: number;
  /** p99 ms as the tool reports it (native: from the intended time; k6: raw). */
  readonly p99Ms: number;
  readonly rawP99Ms?: number;
  /** Native only: p99 of how late requests went out, ms. */
  readonly lagP99Ms?: number;
  /** Cores used by the load generator and by the server. */
  readonly clientCpu: number | undefined;
  readonly serverCpu: number | undefined;
  /** Cores busy with anything else on the machine (other jobs competing for the 2 cores). */
  readonly otherCpu: number | undefined;
  readonly note?: string;
}

const CORES = 2;

/** CPU the rest of the machine used over a probe: busy cores less the load generator's and the server's. */
function other(
  system: ReturnType<typeof meterSystem>,
  client: number | undefined,
  server: number | undefined,
): number | undefined {
  const s = system.stop();
  return s && client !== undefined && server !== undefined ? Math.max(0, s.busyCores - client - server) : undefined;
}

function verdict(rate: number, ran: number, dropped: number, failed: number): { ok: boolean; achieved: number } {
  const asked = (rate * PROBE_MS) / 1000;
  return { ok: dropped === 0 && failed === 0 && ran >= asked * 0.99, achieved: ran / (PROBE_MS / 1000) };
}

function getPlan(rate: number, durationMs: number): LoadPlan {
  return {
    flows: [
      {
        name: 'hello',
        services: ['hello'],
        rate: { startRate: rate, stages: [{ target: rate, durationMs }] },
        async iterate(ctx) {
          await ctx.request({ service: 'hello', flow: 'hello' }, { method: 'GET', path: '/' });
        },
      },
    ],
  };
}

async function nativeProbe(hello: ChildServer, rate: number, durationMs = PROBE_MS): Promise<Probe> {
  const client = createClient({ base: hello.url, connections: IN_FLIGHT, timeoutMs: 10_000 });
  const server = meterCpu(hello.pid);
  const self = meterSelf();
  const system = meterSystem(CORES);
  const t0 = performance.now();
  try {
    const r = await new NativeEngine({
      client,
      plan: getPlan(rate, durationMs),
      maxInFlight: IN_FLIGHT,
      dropAfterMs: NATIVE_DROP_AFTER_MS,
      gracefulStopMs: 10_000,
      timeoutMs: 10_000,
    }).run();
    const wall = performance.now() - t0;
    const v = verdict(rate, r.iterations, r.dropped, r.failed);
    const clientCpu = self.stop(wall);
    const serverCpu = server.stop(wall)?.total;
    return {
      tool: 'native',
      rate,
      ...v,
      dropped: r.dropped,
      failed: r.failed,
      p99Ms: r.k6.metrics['http_req_duration']?.values['p(99)'] ?? Number.NaN,
      rawP99Ms: r.k6.metrics['http_req_service_time']?.values['p(99)'] ?? Number.NaN,
      lagP99Ms: r.sendLag['p(99)'],
      clientCpu,
      serverCpu,
      otherCpu: other(system, clientCpu, serverCpu),
    };
  } finally {
    await client.close();
  }
}

function k6Script(url: string, rate: number, summaryPath: string): string {
  return `import http from 'k6/http';
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['med', 'p(99)', 'max'],
  scenarios: { hello: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${PROBE_MS}ms', preAllocatedVUs: ${IN_FLIGHT}, maxVUs: ${IN_FLIGHT}, gracefulStop: '10s' } },
};
export default function () { http.get('${url}/'); }
export function handleSummary(data) { return { ${JSON.stringify(summaryPath)}: JSON.stringify(data) }; }
`;
}

async function k6Probe(hello: ChildServer, dir: string, rate: number): Promise<Probe> {
  const script = join(dir, `k6-${rate}.js`);
  const summaryPath = join(dir, `k6-${rate}.json`);
  writeFileSync(script, k6Script(hello.url, rate, summaryPath));
  const server = meterCpu(hello.pid);
  const system = meterSystem(CORES);
  const t0 = performance.now();
  const child = spawn(K6, ['run', '--no-usage-report', '-q', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const k6Cpu = child.pid !== undefined ? meterCpu(child.pid) : undefined;
  let cpu: number | undefined;
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  });
  child.stderr.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  });
  // Bounded: the probe, k6's start and its gracefulStop, then it is killed.
  const kill = setTimeout(() => child.kill('SIGKILL'), PROBE_MS + 40_000);
  const code = await new Promise<number>((res) => {
    const timer = setInterval(() => {
      cpu = k6Cpu?.stop(performance.now() - t0)?.total ?? cpu;
    }, 250);
    child.on('exit', (c) => {
      clearInterval(timer);
      res(c ?? -1);
    });
  });
  clearTimeout(kill);
  const wall = performance.now() - t0;
  const serverCpu = server.stop(wall)?.total;
  const otherCpu = other(system, cpu, serverCpu);
  if (!existsSync(summaryPath)) {
    return {
      tool: 'k6',
      rate,
      ok: false,
      achieved: 0,
      dropped: Number.NaN,
      failed: Number.NaN,
      p99Ms: Number.NaN,
      clientCpu: cpu,
      serverCpu,
      otherCpu,
      note: `k6 exited ${code} without a summary: ${out.slice(-300)}`,
    };
  }
  const m = (
    JSON.parse(readFileSync(summaryPath, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
  ).metrics;
  const ran = m['iterations']?.values['count'] ?? 0;
  const dropped = m['dropped_iterations']?.values['count'] ?? 0;
  const failed = m['http_req_failed']?.values['passes'] ?? 0;
  return {
    tool: 'k6',
    rate,
    ...verdict(rate, ran, dropped, failed),
    dropped,
    failed,
    p99Ms: m['http_req_duration']?.values['p(99)'] ?? Number.NaN,
    clientCpu: cpu,
    serverCpu,
    otherCpu,
  };
}

/** Up from START_RATE by 1.6× until a probe fails (or down by halves if the first fails), then bisects. */
async function findMax(
  tool: string,
  probe: (rate: number) => Promise<Probe>,
  probes: Probe[],
): Promise<Probe | undefined> {
  const run = async (rate: number, retry = true): Promise<Probe> => {
    const p = await probe(rate);
    probes.push(p);
    console.log(
      `  ${tool.padEnd(6)} ${num(rate, 0).padStart(7)}/s  ${p.ok ? 'ok     ' : 'DROPPED'}  ran ${num(p.achieved, 0)}/s, dropped ${p.dropped}, failed ${p.failed}, p99 ${p.p99Ms.toFixed(1)} ms${p.lagP99Ms !== undefined ? ` (send lag p99 ${p.lagP99Ms.toFixed(1)} ms)` : ''}` +
        `${p.clientCpu !== undefined ? `, client ${p.clientCpu.toFixed(2)} cores` : ''}${p.serverCpu !== undefined ? `, server ${p.serverCpu.toFixed(2)}` : ''}` +
        `${p.otherCpu !== undefined ? `, other ${p.otherCpu.toFixed(2)}${p.otherCpu > OTHER_FLAG ? ' (DISTURBED: another job competed for the cores)' : ''}` : ''}${p.note ? ` (${p.note})` : ''}`,
    );
    // A failure while other jobs took the cores gets one more try (the same for every tool).
    if (!p.ok && retry && (p.otherCpu ?? 0) > OTHER_FLAG) return run(rate, false);
    return p;
  };
  let best: Probe | undefined;
  let failedAt: number | undefined;
  for (let rate = START_RATE; rate <= MAX_RATE; rate = Math.round((rate * 1.6) / 100) * 100) {
    const p = await run(rate);
    if (!p.ok) {
      failedAt = rate;
      break;
    }
    best = p;
  }
  for (let rate = START_RATE / 2; best === undefined && rate >= 250; rate /= 2) {
    const p = await run(rate);
    if (p.ok) best = p;
    else failedAt = rate;
  }
  for (let i = 0; i < BISECT_STEPS && best && failedAt !== undefined && failedAt / best.rate > 1.08; i++) {
    const mid = Math.round(Math.sqrt(best.rate * failedAt) / 100) * 100;
    const p = await run(mid);
    if (p.ok) best = p;
    else failedAt = mid;
  }
  return best;
}

function wrkRun(url: string, threads: number, connections: number): { perS: number; p99Ms: number } | undefined {
  const r = spawnSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${WRK_SECONDS}s`, '--latency', `${url}/`], {
    encoding: 'utf8',
    timeout: (WRK_SECONDS + 20) * 1000,
  });
  if (r.status !== 0) return undefined;
  const perS = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const p99Ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : Number.NaN;
  return Number.isFinite(perS) ? { perS, p99Ms } : undefined;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-engine-'));
  const children: ChildServer[] = [];
  const probes: Probe[] = [];
  try {
    const hello = await startChild({
      name: 'hello',
      cwd: ROOT,
      nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts', '--port', '0'],
    });
    children.push(hello);
    console.log(`hello-world at ${hello.url}; probes of ${PROBE_MS / 1000} s, ${IN_FLIGHT} in flight at most`);

    // Warm-up: JIT on both sides and a pool of connections.
    await nativeProbe(hello, 3_000, 1_500);

    console.log('\nnative engine (in this process, one thread):');
    const native = await findMax('native', (rate) => nativeProbe(hello, rate), probes);

    let k6: Probe | undefined;
    let k6Note = '';
    if (existsSync(K6)) {
      console.log(`\nk6 (${K6}, constant-arrival-rate, ${IN_FLIGHT} VUs):`);
      k6 = await findMax('k6', (rate) => k6Probe(hello, dir, rate), probes);
    } else {
      k6Note = `k6 not found at ${K6}: run bash scripts/setup (it builds k6) — k6 skipped`;
      console.log(`\n${k6Note}`);
    }

    let wrk: { perS: number; p99Ms: number; threads: number; connections: number } | undefined;
    let wrkNote = '';
    if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) {
      wrkNote = 'wrk not installed (apt-get install -y wrk) — wrk skipped';
      console.log(`\n${wrkNote}`);
    } else {
      console.log(`\nwrk (closed loop, ${WRK_SECONDS} s per configuration):`);
      for (const c of WRK_CONFIGS) {
        const r = wrkRun(hello.url, c.threads, c.connections);
        console.log(
          `  wrk -t${c.threads} -c${c.connections}: ${r ? `${num(r.perS, 0)}/s, p99 ${r.p99Ms.toFixed(2)} ms` : 'failed'}`,
        );
        if (r && (!wrk || r.perS > wrk.perS)) wrk = { ...r, ...c };
      }
    }

    const nativeRate = native?.rate ?? Number.NaN;
    console.log('\n=== highest rate without dropped requests, GET / on a bare Fastify hello-world ===');
    console.log(
      table(
        ['tool', 'model', 'rate/s', 'p99 at that rate', 'native ÷ tool'],
        [
          [
            'native engine',
            'open, constant arrival rate',
            native ? num(native.rate, 0) : '–',
            native ? `${native.p99Ms.toFixed(1)} ms (raw ${native.rawP99Ms?.toFixed(1) ?? '–'} ms)` : '–',
            '1.00×',
          ],
          [
            'k6',
            'open, constant-arrival-rate',
            k6 ? num(k6.rate, 0) : '–',
            k6 ? `${k6.p99Ms.toFixed(1)} ms (raw)` : '–',
            k6 ? ratio(nativeRate / k6.rate) : '–',
          ],
          [
            'wrk',
            'closed loop: max throughput',
            wrk ? num(wrk.perS, 0) : '–',
            wrk ? `${wrk.p99Ms.toFixed(2)} ms (-t${wrk.threads} -c${wrk.connections})` : '–',
            wrk ? ratio(nativeRate / wrk.perS) : '–',
          ],
        ],
      ),
    );
    console.log(
      'wrk is closed-loop: it sends when an answer came back, so its figure is throughput, not a rate kept on schedule (stalls slow it down instead of showing as latency).',
    );
    if (k6Note) console.log(k6Note);
    if (wrkNote) console.log(wrkNote);
    // Without drops is not the same as on time: the native engine also says how late it sent.
    const onTime = probes
      .filter((p) => p.tool === 'native' && p.ok && (p.lagP99Ms ?? Number.POSITIVE_INFINITY) <= ON_TIME_LAG_MS)
      .sort((a, b) => b.rate - a.rate)[0];
    console.log(
      `native engine on schedule (send lag p99 ≤ ${ON_TIME_LAG_MS} ms): ${onTime ? `${num(onTime.rate, 0)}/s` : '–'}; k6 does not report its own lateness.`,
    );
    if (k6 && native)
      console.log(`goal: native ≥ k6: ${native.rate >= k6.rate ? 'OK' : 'MISSED'} (${ratio(native.rate / k6.rate)})`);
    console.log(`bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const out = join(ROOT, 'results', `bench-engine-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          bench: 'engine',
          quick: QUICK,
          probeMs: PROBE_MS,
          inFlight: IN_FLIGHT,
          nativeDropAfterMs: NATIVE_DROP_AFTER_MS,
          native,
          nativeOnTime: onTime,
          k6,
          wrk,
          probes,
          notes: [k6Note, wrkNote].filter(Boolean),
        },
        null,
        2,
      ),
    );
    console.log(`wrote ${out}`);
  } finally {
    for (const c of children) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
