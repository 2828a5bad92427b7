/**
 * Intake and presentation bench of the bbsim mock, each figure next to a bare-Fastify reference
 * measured in the same run on the same machine.
 *
 *   npm run bench:intake [-- --quick] [-- --cpu-prof] [-- --keep-db] [-- --only intake,attachments,presentation]
 *
 * 1. Reference: bench/mock-intake/hello-server.ts (GET / and POST /echo), a child process.
 * 2. Durable intake: the mock (a child, SQLite WAL synchronous=FULL in os.tmpdir()) at a sim speed
 *    where the capacity model does not bind; batches of 100 and 1000 ~1 kB letters, JSON and XML,
 *    bodies pre-generated; only 202s count, and the letters are verified Verwerkt afterwards
 *    (leveranciersportaal counters, a sample of /berichtenbox/batches/:id).
 * 3. Attachments: letters with 400 kB PDFs.
 * 4. Presentation: GET /api/v1/berichten?pageSize=20 at a constant 1,000 requests/s (open model,
 *    latency from the intended send time), and hello GET / at the same rate.
 * 5. Summary table, results/bench-mock-intake-<timestamp>.json. Exit 0 also when a target is missed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { createPopulation } from '../../src/population/index.ts';
import { instantiate, makeTemplate, stampInstant, type Body, type BodyFormat, type BodyTemplate } from '../lib/bodies.ts';
import { startChild, type ChildServer } from '../lib/child.ts';
import { formatProfile, srcInclusive, summariseProfile, type ProfileSummary } from '../lib/cpuprofile.ts';
import { closedLoop, openLoop, type ClosedLoopResult, type LatencySummary, type OpenLoopResult, type Verdict } from '../lib/load.ts';
import { meterCpu, meterSelf } from '../lib/proc.ts';
import { calibrateSimClock, type SimClockEstimate } from '../lib/sim-clock.ts';
import { ms, num, ratio, table } from '../lib/table.ts';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(`usage: node bin/run-ts.js bench/mock-intake/run.ts [--quick] [--cpu-prof] [--keep-db] [--only intake,attachments,presentation]
  --quick     about 30 s: fewer configurations, shorter windows (smoke use; figures are rough)
  --cpu-prof  profile every mock child (node --cpu-prof) and print its hot spots (figures are perturbed a little)
  --keep-db   keep the SQLite files in ${tmpdir()}
  --only      run only these parts`);
  process.exit(0);
}
const QUICK = argv.includes('--quick');
const CPU_PROF = argv.includes('--cpu-prof');
const KEEP_DB = argv.includes('--keep-db');
const onlyArg = argv.indexOf('--only');
const ONLY = new Set((onlyArg >= 0 ? (argv[onlyArg + 1] ?? '') : 'intake,attachments,presentation').split(',').map((s) => s.trim()).filter(Boolean));

/** The test afnemer of the default config; its BerichtTypes are TEST and BRIEF. */
const OIN = '00000009999999990000';
const BERICHT_TYPE = 'TEST';
/** Population of the mock's default config (the mock is started with --seed 1). */
const SEED = 1;
const population = createPopulation({ seed: SEED, activeShare: 0.9, subscribedShare: 0.95 });

/** Sim speed for intake: 150,000 letters/h and 45/s parking scaled by it are far above what one core can take. */
const INTAKE_SPEED = 100_000;
/**
 * Sim speed for presentation: session tokens live at most 86,400 sim s (POST /dev/token ttlSeconds),
 * i.e. 86 wall s at speed 1000, longer than the latency run; parking 45,000 letters per wall s seeds quickly.
 */
const PRESENTATION_SPEED = 1000;
/** AanmaakDatum is stamped this far (sim) before the mock's estimated now: well inside 13 days, well clear of the 5-minute future skew. */
const AANMAAK_MARGIN_SIM_MS = 3 * 86_400_000;

const S = QUICK
  ? { warmupMs: 700, echoMs: 1000, intakeMs: 2500, attachMs: 2500, presentWarmMs: 1000, presentMs: 4000, burgers: 200, lettersPerBurger: 30 }
  : { warmupMs: 2000, echoMs: 4000, intakeMs: 10_000, attachMs: 10_000, presentWarmMs: 2000, presentMs: 15_000, burgers: 500, lettersPerBurger: 40 };
const PRESENT_RATE = 1000;
/** Pre-generated bodies per configuration are sized from the warm-up rate, within this many bytes. */
const BODY_MEMORY_CAP = 1.5e9;

interface IntakeConfig {
  readonly label: string;
  readonly format: BodyFormat;
  readonly letters: number;
  readonly connections: number;
  readonly concurrency: number;
  readonly attachments?: { readonly share: number; readonly bytes: number };
}

const INTAKE_CONFIGS: readonly IntakeConfig[] = QUICK
  ? [
    { label: 'json-100', format: 'json', letters: 100, connections: 8, concurrency: 8 },
    { label: 'xml-1000', format: 'xml', letters: 1000, connections: 4, concurrency: 4 },
  ]
  : [
    { label: 'json-100', format: 'json', letters: 100, connections: 8, concurrency: 8 },
    { label: 'xml-100', format: 'xml', letters: 100, connections: 8, concurrency: 8 },
    { label: 'json-1000', format: 'json', letters: 1000, connections: 4, concurrency: 4 },
    { label: 'xml-1000', format: 'xml', letters: 1000, connections: 4, concurrency: 4 },
  ];
const ATTACHMENT_CONFIG: IntakeConfig = { label: 'json-20-pdf400k', format: 'json', letters: 20, connections: 4, concurrency: 4, attachments: { share: 0.95, bytes: 400_000 } };

const TARGET_LETTERS_PER_S = 20_000;
const TARGET_P999_MS = 5;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runId = `${stamp}-${randomBytes(2).toString('hex')}`;
const profDir = join(ROOT, 'results', `bench-mock-intake-${stamp}-prof`);
const dbFiles: string[] = [];
const t0Run = performance.now();

const log = (s: string): void => {
  console.log(`[${((performance.now() - t0Run) / 1000).toFixed(1).padStart(5)} s] ${s}`);
};

async function startMock(label: string, speed: number, db: string, start?: number): Promise<ChildServer> {
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=mock-${label}.cpuprofile`] : [];
  return startChild({
    name: `mock(${label})`,
    cwd: ROOT,
    nodeArgs: [...prof, 'bin/bbsim.js', 'mock', '--port', '0', '--db', db, '--speed', String(speed), '--seed', String(SEED),
      ...(start !== undefined ? ['--start', new Date(start).toISOString()] : [])],
    timeoutMs: 30_000,
  });
}

function newDb(label: string): string {
  const f = join(tmpdir(), `bbsim-bench-${runId}-${label}.db`);
  dbFiles.push(f);
  return f;
}

function dbBytes(f: string): number {
  let n = 0;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(f + suffix)) n += statSync(f + suffix).size;
  return n;
}

async function getJson<T>(pool: Pool, path: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await pool.request({ path, method: 'GET', headers, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface PortalTotals { offered: number; processed: number; rejected: Record<string, number> }

/** Leveranciersportaal counters of the bench's afnemer, summed over days (the mock processes due work first). */
async function portalTotals(pool: Pool): Promise<PortalTotals> {
  const body = await getJson<{ rows: { offered: number; processed: number; rejected: Record<string, number> }[] }>(pool, `/berichtenbox/portaal.json?afnemer=${OIN}`);
  const t: PortalTotals = { offered: 0, processed: 0, rejected: {} };
  for (const r of body.rows) {
    t.offered += r.offered;
    t.processed += r.processed;
    for (const [code, n] of Object.entries(r.rejected)) t.rejected[code] = (t.rejected[code] ?? 0) + n;
  }
  return t;
}

const rejectedSum = (t: PortalTotals): number => Object.values(t.rejected).reduce((a, b) => a + b, 0);

/** Waits (bounded) until everything offered is processed; returns the last totals. */
async function waitProcessed(pool: Pool, maxMs: number): Promise<{ totals: PortalTotals; settled: boolean; waitedMs: number }> {
  const t0 = performance.now();
  for (;;) {
    const totals = await portalTotals(pool);
    const waitedMs = performance.now() - t0;
    if (totals.processed + rejectedSum(totals) >= totals.offered) return { totals, settled: true, waitedMs };
    if (waitedMs > maxMs) return { totals, settled: false, waitedMs };
    await new Promise((r) => setTimeout(r, 100));
  }
}

function intakeRequest(body: Body, clock: SimClockEstimate | undefined): { path: string; method: 'POST'; headers: Record<string, string>; body: Buffer } {
  if (clock) stampInstant(body, clock.now() - AANMAAK_MARGIN_SIM_MS);
  return { path: '/berichtenbox/afleveren', method: 'POST', headers: { 'content-type': body.template.contentType, 'x-afnemer-oin': OIN }, body: body.buf };
}

/** A 202 counts only with a receipt for all of the batch's letters on a first attempt. */
function checkReceipt(t: BodyTemplate) {
  return (status: number, text: string): Verdict => {
    if (status !== 202) return { ok: false, note: `${status} ${text.slice(0, 300)}` };
    try {
      const r = JSON.parse(text) as { letters?: number; attempt?: number; status?: string };
      if (r.letters !== t.letters || r.attempt !== 1 || r.status !== 'geaccepteerd') return { ok: false, note: `202 with an unexpected receipt: ${text.slice(0, 300)}` };
    } catch {
      return { ok: false, note: `202 without a JSON receipt: ${text.slice(0, 200)}` };
    }
    return { ok: true, units: t.letters, bytes: t.bytes };
  };
}

function checkEcho(t: BodyTemplate) {
  return (status: number, text: string): Verdict => (status === 202 ? { ok: true, units: t.letters, bytes: t.bytes } : { ok: false, note: `${status} ${text.slice(0, 200)}` });
}

// ---------------------------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------------------------

interface RateFigures {
  readonly requests: number;
  readonly ok: number;
  readonly wallS: number;
  readonly reqPerS: number;
  readonly lettersPerS: number;
  readonly mbPerS: number;
  readonly statuses: Record<string, number>;
  readonly samples: readonly string[];
  readonly stoppedBy: 'time' | 'count';
  readonly serviceLatency: LatencySummary;
  /** Server CPU as a share of one core (user+system), when known. */
  readonly serverCpu?: { total: number; user: number; system: number } | undefined;
  readonly clientCpu: number;
}

function figures(r: ClosedLoopResult, serverCpu: RateFigures['serverCpu'], clientCpu: number): RateFigures {
  const s = r.wallMs / 1000;
  return {
    requests: r.requests, ok: r.ok, wallS: s, reqPerS: r.ok / s, lettersPerS: r.okUnits / s, mbPerS: r.okBytes / 1e6 / s,
    statuses: r.statuses, samples: r.samples, stoppedBy: r.stoppedBy, serviceLatency: r.latency, serverCpu, clientCpu,
  };
}

interface IntakeResult {
  readonly label: string;
  readonly format: BodyFormat;
  readonly lettersPerBatch: number;
  readonly bodyBytes: number;
  readonly bodies: number;
  readonly connections: number;
  readonly concurrency: number;
  readonly echo: RateFigures;
  readonly intake: RateFigures;
  readonly ratio: { readonly reqPerS: number; readonly mbPerS: number };
  readonly pdf?: { readonly lettersWithAttachmentPerBatch: number; readonly pdfMbPerS: number };
  readonly verification: {
    readonly ok: boolean;
    readonly expectedVerwerkt: number;
    readonly verwerkt: number;
    readonly rejected: Record<string, number>;
    readonly settled: boolean;
    readonly waitedMs: number;
    readonly batchesChecked: number;
    readonly batchProblems: readonly string[];
  };
  readonly dbBytesAfter: number;
  readonly profile?: ProfileSummary | undefined;
  readonly db: string;
  readonly simEnd: number;
}

async function measureEcho(hello: ChildServer, bodies: readonly Body[], t: BodyTemplate, c: IntakeConfig): Promise<RateFigures> {
  const pool = new Pool(hello.url, { connections: c.connections, pipelining: 1 });
  try {
    const make = (i: number) => {
      const b = bodies[i % bodies.length];
      if (!b) throw new Error('no bodies');
      return { path: '/echo', method: 'POST' as const, headers: { 'content-type': t.contentType }, body: b.buf };
    };
    await closedLoop({ pool, concurrency: c.concurrency, durationMs: Math.min(1000, S.echoMs / 2), maxRequests: 1_000_000, make, check: checkEcho(t) });
    const cpu = meterCpu(hello.pid);
    const self = meterSelf();
    const w0 = performance.now();
    const r = await closedLoop({ pool, concurrency: c.concurrency, durationMs: S.echoMs, maxRequests: 10_000_000, make, check: checkEcho(t) });
    const wall = performance.now() - w0;
    return figures(r, cpu.stop(wall), self.stop(wall));
  } finally {
    await pool.close();
  }
}

async function runIntake(hello: ChildServer, c: IntakeConfig): Promise<IntakeResult> {
  const db = newDb(c.label);
  const mock = await startMock(c.label, INTAKE_SPEED, db);
  const pool = new Pool(mock.url, { connections: c.connections, pipelining: 1 });
  let profile: ProfileSummary | undefined;
  try {
    const t = makeTemplate({
      format: c.format, letters: c.letters, population, afnemerOin: OIN, berichtType: BERICHT_TYPE, seed: 1000 + c.letters,
      ...(c.attachments ? { attachmentShare: c.attachments.share, attachmentBytes: c.attachments.bytes } : {}),
    });
    const recipients = population.recipients(OIN, 50_000);
    let pick = 0;
    const randomRecipient = (): string => recipients[(pick = (pick + 7919) % recipients.length)] ?? '';
    const clock = await calibrateSimClock(mock.url, INTAKE_SPEED);
    log(`${c.label}: mock ${mock.url} (pid ${mock.pid}), body ${num(t.bytes / 1e3)} kB, sim clock ±${num(clock.uncertaintySimMs / 1000)} sim s`);

    // Warm-up, also the rate estimate that sizes the pre-generated bodies.
    const warmBodies = Array.from({ length: Math.max(8, Math.ceil(Math.min(60_000 / c.letters, 200e6 / t.bytes))) }, () => instantiate(t, randomRecipient));
    const warm = await closedLoop({
      pool, concurrency: c.concurrency, durationMs: S.warmupMs, maxRequests: warmBodies.length,
      make: (i) => intakeRequest(warmBodies[i] as Body, clock), check: checkReceipt(t),
    });
    if (warm.ok === 0) throw new Error(`${c.label}: no 202 during warm-up: ${JSON.stringify(warm.statuses)} ${warm.samples.join(' | ')}`);
    const warmRate = warm.ok / (warm.wallMs / 1000);
    const wanted = Math.ceil(warmRate * (S.intakeMs / 1000) * 2 + 2 * c.concurrency);
    const count = Math.max(2 * c.concurrency, Math.min(wanted, Math.floor(BODY_MEMORY_CAP / t.bytes)));
    warmBodies.length = 0;
    const g0 = performance.now();
    const bodies = Array.from({ length: count }, () => instantiate(t, randomRecipient));
    log(`${c.label}: warm-up ${num(warmRate)} batches/s; pre-generated ${num(count)} bodies (${num((count * t.bytes) / 1e6)} MB) in ${num(performance.now() - g0)} ms`);

    const echo = await measureEcho(hello, bodies, t, c);
    log(`${c.label}: hello POST /echo ${num(echo.reqPerS)} req/s, ${num(echo.mbPerS)} MB/s`);

    const before = await portalTotals(pool);
    const clock2 = await calibrateSimClock(mock.url, INTAKE_SPEED);
    const cpu = meterCpu(mock.pid);
    const self = meterSelf();
    const w0 = performance.now();
    const r = await closedLoop({
      pool, concurrency: c.concurrency, durationMs: S.intakeMs, maxRequests: bodies.length,
      make: (i) => intakeRequest(bodies[i] as Body, clock2), check: checkReceipt(t),
    });
    const wall = performance.now() - w0;
    const intake = figures(r, cpu.stop(wall), self.stop(wall));
    log(`${c.label}: intake ${num(intake.lettersPerS)} letters/s (${num(intake.reqPerS)} batches/s, ${num(intake.mbPerS)} MB/s), statuses ${JSON.stringify(r.statuses)}, stopped by ${r.stoppedBy}`);

    // Verification: every accepted letter processed as Verwerkt, nothing else.
    const after = await waitProcessed(pool, 60_000);
    const verwerkt = after.totals.processed - before.processed;
    const rejected: Record<string, number> = {};
    for (const [code, n] of Object.entries(after.totals.rejected)) {
      const d = n - (before.rejected[code] ?? 0);
      if (d !== 0) rejected[code] = d;
    }
    const expectedVerwerkt = r.okUnits;
    const sent = bodies.slice(0, r.requests);
    const sample = [sent[0], sent[Math.floor(sent.length / 2)], sent.at(-1)].filter((b): b is Body => b !== undefined);
    const batchProblems: string[] = [];
    for (const b of sample) {
      const d = await getJson<{ state?: string; counts?: Record<string, number> | null; letters?: number }>(pool, `/berichtenbox/batches/${b.batchId}`, { 'x-afnemer-oin': OIN })
        .catch((err: unknown) => ({ error: (err as Error).message }));
      if ('error' in d) batchProblems.push(`${b.batchId}: ${d.error}`);
      else if (d.state !== 'verwerkt' || d.counts?.['Verwerkt'] !== t.letters) batchProblems.push(`${b.batchId}: ${JSON.stringify(d)}`);
    }
    const verification = {
      ok: after.settled && verwerkt === expectedVerwerkt && Object.keys(rejected).length === 0 && batchProblems.length === 0 && r.ok === r.requests,
      expectedVerwerkt, verwerkt, rejected, settled: after.settled, waitedMs: after.waitedMs, batchesChecked: sample.length, batchProblems,
    };
    log(`${c.label}: verification ${verification.ok ? 'OK' : 'FAILED'}: ${num(verwerkt)} Verwerkt of ${num(expectedVerwerkt)} accepted${Object.keys(rejected).length ? `, rejected ${JSON.stringify(rejected)}` : ''}${batchProblems.length ? `, batches: ${batchProblems.join('; ')}` : ''}`);
    const simEnd = clock2.now();
    const pdf = c.attachments ? { lettersWithAttachmentPerBatch: t.lettersWithAttachment, pdfMbPerS: (intake.reqPerS * t.pdfBytes) / 1e6 } : undefined;
    await pool.close();
    await mock.stop();
    if (CPU_PROF) profile = readProfile(`mock-${c.label}`);
    return {
      label: c.label, format: c.format, lettersPerBatch: c.letters, bodyBytes: t.bytes, bodies: count, connections: c.connections, concurrency: c.concurrency,
      echo, intake, ratio: { reqPerS: intake.reqPerS / echo.reqPerS, mbPerS: intake.mbPerS / echo.mbPerS },
      ...(pdf ? { pdf } : {}), verification, dbBytesAfter: dbBytes(db), profile, db, simEnd,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await mock.stop();
  }
}

function readProfile(name: string): ProfileSummary | undefined {
  const f = join(profDir, `${name}.cpuprofile`);
  if (!existsSync(f)) {
    log(`no profile at ${f}`);
    return undefined;
  }
  const s = summariseProfile(f, ROOT, 40);
  console.log(formatProfile(s, 20));
  console.log('  src/ functions by inclusive time:');
  for (const h of srcInclusive(f, ROOT, 12)) console.log(`    ${(h.totalShare * 100).toFixed(1).padStart(5)} %  ${h.name}  ${h.where}`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Presentation latency
// ---------------------------------------------------------------------------------------------

interface LatencyFigures {
  readonly rate: number;
  readonly achievedRate: number;
  readonly intended: number;
  readonly ok: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statuses: Record<string, number>;
  readonly samples: readonly string[];
  readonly latency: LatencySummary;
  readonly service: LatencySummary;
  readonly sendLag: LatencySummary;
  readonly serverCpu?: { total: number; user: number; system: number } | undefined;
}

function latencyFigures(r: OpenLoopResult, serverCpu: LatencyFigures['serverCpu']): LatencyFigures {
  return {
    rate: r.rate, achievedRate: r.achievedRate, intended: r.intended, ok: r.ok, errors: r.errors, timeouts: r.timeouts,
    statuses: r.statuses, samples: r.samples, latency: r.latency, service: r.service, sendLag: r.sendLag, serverCpu,
  };
}

interface PresentationResult {
  readonly burgers: number;
  readonly seededLetters: number;
  readonly lettersInDb: number;
  readonly dbBytes: number;
  readonly mock: LatencyFigures;
  readonly hello: LatencyFigures;
  readonly ratio: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
  readonly profile?: ProfileSummary | undefined;
}

async function runPresentation(hello: ChildServer, reuse: { db: string; simEnd: number } | undefined): Promise<PresentationResult> {
  const db = reuse?.db ?? newDb('presentation');
  // Reusing the intake database gives a realistic table; the sim clock starts after all of it is visible.
  const start = reuse ? reuse.simEnd + 86_400_000 : undefined;
  const mock = await startMock('presentation', PRESENTATION_SPEED, db, start);
  const pool = new Pool(mock.url, { connections: 8, pipelining: 1 });
  const helloPool = new Pool(hello.url, { connections: 8, pipelining: 1 });
  let profile: ProfileSummary | undefined;
  try {
    const burgers = population.recipients(OIN, S.burgers, 100_000);
    const seeded = S.burgers * S.lettersPerBurger;
    const t = makeTemplate({ format: 'json', letters: 1000, population, afnemerOin: OIN, berichtType: BERICHT_TYPE, seed: 4242 });
    const bodies: Body[] = [];
    for (let b = 0; b * 1000 < seeded; b++) {
      bodies.push(instantiate(t, (k) => burgers[(b * 1000 + k) % burgers.length] ?? ''));
    }
    const clock = await calibrateSimClock(mock.url, PRESENTATION_SPEED);
    const before = await portalTotals(pool);
    const seed = await closedLoop({ pool, concurrency: 2, durationMs: 120_000, maxRequests: bodies.length, make: (i) => intakeRequest(bodies[i] as Body, clock), check: checkReceipt(t) });
    if (seed.ok !== bodies.length) throw new Error(`presentation seeding: ${seed.ok} of ${bodies.length} batches accepted: ${JSON.stringify(seed.statuses)} ${seed.samples.join(' | ')}`);
    const after = await waitProcessed(pool, 60_000);
    const verwerkt = after.totals.processed - before.processed;
    if (verwerkt !== seed.okUnits) throw new Error(`presentation seeding: ${verwerkt} of ${seed.okUnits} letters Verwerkt (settled ${after.settled})`);
    // processed_at is parking + 2 s sim; give the clock a moment past the last one.
    await new Promise((r) => setTimeout(r, 100));
    const tokens: string[] = [];
    for (const bsn of burgers) {
      const res = await pool.request({ path: '/dev/token', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bsn, ttlSeconds: 86_400 }) });
      const body = (await res.body.json()) as { token?: string };
      if (res.statusCode !== 200 || !body.token) throw new Error(`POST /dev/token ${bsn}: ${res.statusCode} ${JSON.stringify(body)}`);
      tokens.push(body.token);
    }
    const lettersInDb = (await getJson<{ intake?: { lettersAdmitted?: number } }>(pool, '/status')).intake?.lettersAdmitted ?? Number.NaN;
    log(`presentation: mock ${mock.url} (pid ${mock.pid}), ${num(seeded)} letters seeded for ${burgers.length} burgers in ${num(seed.wallMs)} ms; ${num(lettersInDb)} letters admitted in the database (${num(dbBytes(db) / 1e6)} MB)`);

    const minTotal = S.lettersPerBurger;
    const listReq = (i: number) => ({ path: '/api/v1/berichten?pageSize=20', method: 'GET' as const, headers: { authorization: `Bearer ${tokens[i % tokens.length] ?? ''}` } });
    const checkList = (status: number, text: string, i: number): Verdict => {
      if (status !== 200) return { ok: false, note: `${status} ${text.slice(0, 200)}` };
      if (i % 97 === 0) {
        const b = JSON.parse(text) as { total?: number; berichten?: unknown[] };
        if ((b.total ?? 0) < minTotal || b.berichten?.length !== 20) return { ok: false, note: `200 with total ${String(b.total)} and ${String(b.berichten?.length)} letters` };
      }
      return { ok: true };
    };
    const helloReq = () => ({ path: '/', method: 'GET' as const });

    // Warm-up (discarded), then the measured runs, one server at a time.
    await openLoop({ pool, rate: PRESENT_RATE, durationMs: S.presentWarmMs, make: listReq, check: checkList });
    await openLoop({ pool: helloPool, rate: PRESENT_RATE, durationMs: S.presentWarmMs, make: helloReq });
    let cpu = meterCpu(mock.pid);
    let w0 = performance.now();
    const m = await openLoop({ pool, rate: PRESENT_RATE, durationMs: S.presentMs, make: listReq, check: checkList });
    const mockFig = latencyFigures(m, cpu.stop(performance.now() - w0));
    log(`presentation: mock list p50 ${ms(m.latency.p50Ms)} p99 ${ms(m.latency.p99Ms)} p99.9 ${ms(m.latency.p999Ms)} max ${ms(m.latency.maxMs)} at ${num(m.achievedRate)}/s, statuses ${JSON.stringify(m.statuses)}`);
    cpu = meterCpu(hello.pid);
    w0 = performance.now();
    const h = await openLoop({ pool: helloPool, rate: PRESENT_RATE, durationMs: S.presentMs, make: helloReq });
    const helloFig = latencyFigures(h, cpu.stop(performance.now() - w0));
    log(`presentation: hello GET / p50 ${ms(h.latency.p50Ms)} p99 ${ms(h.latency.p99Ms)} p99.9 ${ms(h.latency.p999Ms)} max ${ms(h.latency.maxMs)} at ${num(h.achievedRate)}/s`);
    const sizeAfter = dbBytes(db);
    await pool.close();
    await mock.stop();
    if (CPU_PROF) profile = readProfile('mock-presentation');
    return {
      burgers: burgers.length, seededLetters: seeded, lettersInDb, dbBytes: sizeAfter, mock: mockFig, hello: helloFig,
      ratio: {
        p50: m.latency.p50Ms / h.latency.p50Ms, p99: m.latency.p99Ms / h.latency.p99Ms,
        p999: m.latency.p999Ms / h.latency.p999Ms, max: m.latency.maxMs / h.latency.maxMs,
      },
      profile,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await helloPool.close().catch(() => undefined);
    await mock.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Target { readonly name: string; readonly target: string; readonly measured: string; readonly ok: boolean }

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const cpu = cpus();
  log(`bench mock-intake${QUICK ? ' (quick)' : ''}: ${cpu.length} × ${cpu[0]?.model ?? '?'}, node ${process.version}, SQLite files in ${tmpdir()}${CPU_PROF ? `, CPU profiles in ${profDir}` : ''}`);
  if (CPU_PROF) mkdirSync(profDir, { recursive: true });

  const hello = await startChild({ name: 'hello', cwd: ROOT, nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts', '--port', '0'], timeoutMs: 30_000 });
  log(`hello-world reference ${hello.url} (pid ${hello.pid})`);
  const intake: IntakeResult[] = [];
  let attachments: IntakeResult | undefined;
  let presentation: PresentationResult | undefined;
  const failures: string[] = [];
  try {
    if (ONLY.has('intake')) {
      for (const c of INTAKE_CONFIGS) intake.push(await runIntake(hello, c));
    }
    if (ONLY.has('attachments')) attachments = await runIntake(hello, ATTACHMENT_CONFIG);
    if (ONLY.has('presentation')) {
      const last = intake.at(-1);
      presentation = await runPresentation(hello, last ? { db: last.db, simEnd: last.simEnd } : undefined);
    }
  } catch (err) {
    failures.push((err as Error).stack ?? String(err));
    console.error(`bench: ${(err as Error).message}`);
  } finally {
    await hello.stop();
  }

  // ----- summary -----
  console.log('\n=== Durable intake (SQLite WAL, synchronous=FULL; mock at sim speed 100,000 so capacity does not bind) ===');
  const rows = [...intake, ...(attachments ? [attachments] : [])].map((r) => [
    r.label, num(r.bodyBytes / 1e3), num(r.intake.lettersPerS), num(r.intake.reqPerS, 1), num(r.intake.mbPerS, 1),
    r.intake.serverCpu ? `${num(r.intake.serverCpu.total * 100)} %` : '–',
    ms(r.intake.serviceLatency.p50Ms), num(r.echo.reqPerS, 1), num(r.echo.mbPerS, 1), ratio(r.ratio.reqPerS), ratio(r.ratio.mbPerS),
    r.verification.ok ? 'OK' : 'FAILED',
  ]);
  console.log(table(['config', 'body kB', 'letters/s', 'batches/s', 'MB/s', 'srv CPU', 'p50', 'echo req/s', 'echo MB/s', 'ratio req/s', 'ratio MB/s', 'verified'], rows));
  if (attachments?.pdf) {
    console.log(`attachments: ${num(attachments.pdf.pdfMbPerS, 1)} MB/s of PDF accepted durably (${attachments.pdf.lettersWithAttachmentPerBatch} of ${attachments.lettersPerBatch} letters per batch with a 400 kB PDF), ${num(attachments.intake.lettersPerS)} letters/s`);
  }
  if (presentation) {
    const p = presentation;
    console.log(`\n=== Presentation: GET /api/v1/berichten?pageSize=20 at ${PRESENT_RATE}/s for ${S.presentMs / 1000} s (latency from the intended send time) ===`);
    console.log(`${p.burgers} burgers × ${S.lettersPerBurger} letters seeded; ${num(p.lettersInDb)} letters in a ${num(p.dbBytes / 1e6)} MB database`);
    const lrow = (name: string, f: LatencyFigures): string[] => [
      name, num(f.achievedRate), ms(f.latency.p50Ms), ms(f.latency.p99Ms), ms(f.latency.p999Ms), ms(f.latency.maxMs),
      ms(f.service.p999Ms), ms(f.sendLag.p999Ms), f.serverCpu ? `${num(f.serverCpu.total * 100)} %` : '–', `${f.ok}/${f.intended}`,
    ];
    console.log(table(['server', 'req/s', 'p50', 'p99', 'p99.9', 'max', 'svc p99.9', 'lag p99.9', 'srv CPU', 'ok'], [
      lrow('mock list', p.mock), lrow('hello GET /', p.hello),
      ['ratio', '', ratio(p.ratio.p50), ratio(p.ratio.p99), ratio(p.ratio.p999), ratio(p.ratio.max), '', '', '', ''],
    ]));
  }

  const targets: Target[] = [];
  for (const r of intake) {
    targets.push({
      name: `durable intake ${r.label}`, target: `≥ ${num(TARGET_LETTERS_PER_S)} letters/s`, measured: `${num(r.intake.lettersPerS)} letters/s`,
      ok: r.intake.lettersPerS >= TARGET_LETTERS_PER_S && r.verification.ok,
    });
  }
  if (presentation) {
    const f = presentation.mock;
    targets.push({
      name: `presentation list p99.9 at ${PRESENT_RATE}/s`, target: `< ${TARGET_P999_MS} ms`, measured: ms(f.latency.p999Ms),
      ok: f.latency.p999Ms < TARGET_P999_MS && f.ok === f.intended,
    });
  }
  console.log('\n=== Targets ===');
  console.log(table(['target', 'goal', 'measured', 'verdict'], targets.map((t) => [t.name, t.target, t.measured, t.ok ? 'OK' : 'MISSED'])));
  if (failures.length) console.log(`\nbench FAILED before finishing:\n${failures.join('\n')}`);

  const out = {
    bench: 'mock-intake', runId, quick: QUICK, cpuProf: CPU_PROF, startedAt, finishedAt: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model, node: process.version, platform: process.platform },
    settings: { ...S, intakeSpeed: INTAKE_SPEED, presentationSpeed: PRESENTATION_SPEED, presentRate: PRESENT_RATE },
    intake: intake.map(({ profile, ...r }) => ({ ...r, profile: profile && trimProfile(profile) })),
    attachments: attachments && { ...attachments, profile: attachments.profile && trimProfile(attachments.profile) },
    presentation: presentation && { ...presentation, profile: presentation.profile && trimProfile(presentation.profile) },
    targets, failures,
  };
  const file = join(ROOT, 'results', `bench-mock-intake-${stamp}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${file} (${((performance.now() - t0Run) / 1000).toFixed(0)} s in all)`);

  if (!KEEP_DB) {
    for (const f of dbFiles) for (const suffix of ['', '-wal', '-shm']) rmSync(f + suffix, { force: true });
  } else {
    console.log(`kept: ${dbFiles.join(', ')}`);
  }
  if (CPU_PROF) console.log(`profiles: ${readdirSync(profDir).map((f) => join(profDir, f)).join(', ')}`);
  process.exitCode = failures.length ? 1 : 0;
}

function trimProfile(p: ProfileSummary): object {
  return { ...p, functions: p.functions.slice(0, 25), files: p.files.slice(0, 15) };
}

await main();
