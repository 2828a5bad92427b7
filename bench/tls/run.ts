/**
 * TLS versus plain HTTP, in one run, on the same machine: two mock children (same config, each its
 * own SQLite file), one plain and one `--tls` with client certificates. Measured alternately, so a
 * disturbance from other jobs on the (shared, 2-core) machine falls on both:
 *
 *  1. intake letters/s: POST /berichtenbox/afleveren, JSON batches of 100 letters, 4 keep-alive
 *     connections back to back (the TLS client presents the afnemer's certificate);
 *  2. presentation: GET /api/v1/berichten?pageSize=20 at a constant 1,000/s (open model, latency
 *     from the intended send time), 8 keep-alive connections (server-authenticated TLS: burgers
 *     have no client certificate).
 *
 * Handshakes are reused through keep-alive (one per connection), which is what a load test over
 * Digikoppeling sees. `--quick` shortens every window (rough figures); BENCH_TLS_FIRST=1 measures the
 * TLS side of the presentation first (to see an order effect).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, Pool } from 'undici';
import { createPopulation } from '../../src/population/index.ts';
import { loadMockConfig } from '../../src/mock/config.ts';
import { writeTestPki } from '../../src/mock/test-pki.ts';
import { instantiate, makeTemplate, stampInstant, type Body } from '../lib/bodies.ts';
import { startChild, type ChildServer } from '../lib/child.ts';
import { closedLoop, openLoop, type LatencySummary, type Verdict } from '../lib/load.ts';
import { calibrateSimClock, type SimClockEstimate } from '../lib/sim-clock.ts';
import { ms, num, ratio, table } from '../lib/table.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const QUICK = process.argv.includes('--quick');
const S = QUICK
  ? { warmMs: 1000, intakeMs: 3000, presentWarmMs: 1000, presentMs: 4000, burgers: 200 }
  : { warmMs: 2000, intakeMs: 8000, presentWarmMs: 2000, presentMs: 12_000, burgers: 400 };
const PRESENT_RATE = 1000;
/** One speed for both parts: at 1,000 the hourly intake norm is 41,667 letters per wall s (does not bind) and a 1-day token lasts 86 wall s. */
const SPEED = 1000;
const OIN = '00000009999999990000';
const SEED = 1;
const AANMAAK_MARGIN_SIM_MS = 3 * 86_400_000;
const POPULATION_CONFIG = { ...loadMockConfig({}).population, mutationRatePerDay: 0 };
const population = createPopulation({ seed: SEED, ...POPULATION_CONFIG });
const log = (s: string): void => console.log(`[bench:tls] ${s}`);

interface Side {
  readonly label: 'plain' | 'tls';
  readonly child: ChildServer;
  /** Intake: the afnemer (with its client certificate under TLS). */
  readonly afnemer: Pool;
  /** Presentation: burgers (no client certificate). */
  readonly burger: Pool;
  clock: SimClockEstimate;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-tls-'));
  const sides: Side[] = [];
  try {
    const pki = writeTestPki({ dir: join(dir, 'pki'), afnemers: loadMockConfig({}).afnemers });
    const cfgFile = join(dir, 'mock.json');
    writeFileSync(cfgFile, JSON.stringify({ population: POPULATION_CONFIG }));
    const client = pki.clients.find((c) => c.oin === OIN)!;
    const ca = readFileSync(pki.ca);
    const tlsClient = { ca, cert: readFileSync(client.cert), key: readFileSync(client.key) };
    for (const label of ['plain', 'tls'] as const) {
      const args = [
        'bin/bbsim.js',
        'mock',
        '--port',
        '0',
        '--db',
        join(dir, `${label}.db`),
        '--speed',
        String(SPEED),
        '--seed',
        String(SEED),
        '--config',
        cfgFile,
        ...(label === 'tls' ? ['--tls', join(dir, 'pki')] : []),
      ];
      const child = await startChild({ name: `mock-${label}`, cwd: ROOT, nodeArgs: args, timeoutMs: 30_000 });
      const afnemer = new Pool(child.url, { connections: 4, ...(label === 'tls' ? { connect: tlsClient } : {}) });
      const burger = new Pool(child.url, { connections: 8, ...(label === 'tls' ? { connect: { ca } } : {}) });
      const clock = await calibrateSimClock(
        child.url,
        SPEED,
        5,
        label === 'tls' ? new Agent({ connect: { ca } }) : undefined,
      );
      sides.push({ label, child, afnemer, burger, clock });
      log(`${label}: ${child.url} (pid ${child.pid})`);
    }

    // ---- intake ----
    const burgers = population.recipients(OIN, S.burgers, 100_000);
    const t = makeTemplate({ format: 'json', letters: 100, population, afnemerOin: OIN, berichtType: 'TEST', seed: 7 });
    let r = 0;
    const next = (): string => burgers[r++ % burgers.length] ?? '';
    const intake = async (side: Side, durationMs: number) => {
      const bodies: Body[] = Array.from({ length: Math.ceil((durationMs / 1000) * 200) + 50 }, () =>
        instantiate(t, next),
      );
      const check = (status: number, text: string): Verdict =>
        status === 202 ? { ok: true, units: t.letters } : { ok: false, note: `${status} ${text.slice(0, 200)}` };
      return closedLoop({
        pool: side.afnemer,
        concurrency: 4,
        durationMs,
        maxRequests: bodies.length,
        check,
        make: (i) => {
          const body = bodies[i]!;
          stampInstant(body, side.clock.now() - AANMAAK_MARGIN_SIM_MS);
          // Under TLS the certificate names the afnemer; the header (the same OIN) is what the plain mock needs.
          return {
            path: '/berichtenbox/afleveren',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-afnemer-oin': OIN },
            body: body.buf,
          };
        },
      });
    };
    for (const s of sides) await intake(s, S.warmMs);
    const intakeRates: Record<string, number> = {};
    for (const s of sides) {
      const res = await intake(s, S.intakeMs);
      if (res.errors > 0) log(`${s.label} intake: ${res.errors} not ok: ${res.samples.slice(0, 3).join(' | ')}`);
      intakeRates[s.label] = res.okUnits / (res.wallMs / 1000);
      log(
        `${s.label} intake: ${num(intakeRates[s.label]!)} letters/s (${num(res.ok)} batches in ${num(res.wallMs)} ms)`,
      );
    }

    // ---- presentation (the intake's letters are in the inboxes once processed) ----
    await new Promise((res) => setTimeout(res, 1500));
    const present: Record<string, LatencySummary & { rate: number; statuses: Record<string, number> }> = {};
    const tokensOf = new Map<string, string[]>();
    for (const s of sides) {
      const tokens: string[] = [];
      for (const bsn of burgers) {
        const res = await s.burger.request({
          path: '/dev/token',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bsn, ttlSeconds: 86_400 }),
        });
        const body = (await res.body.json()) as { token?: string };
        if (!body.token) throw new Error(`${s.label}: POST /dev/token answered ${res.statusCode}`);
        tokens.push(body.token);
      }
      tokensOf.set(s.label, tokens);
    }
    const list = (s: Side, durationMs: number) => {
      const tokens = tokensOf.get(s.label)!;
      return openLoop({
        pool: s.burger,
        rate: PRESENT_RATE,
        durationMs,
        make: (i) => ({
          path: '/api/v1/berichten?pageSize=20',
          method: 'GET',
          headers: { authorization: `Bearer ${tokens[i % tokens.length] ?? ''}` },
        }),
      });
    };
    for (const s of sides) await list(s, S.presentWarmMs);
    for (const s of process.env['BENCH_TLS_FIRST'] ? [...sides].reverse() : sides) {
      const res = await list(s, S.presentMs);
      present[s.label] = { ...res.latency, rate: res.achievedRate, statuses: res.statuses };
      log(
        `${s.label} presentation: p50 ${ms(res.latency.p50Ms)} p99 ${ms(res.latency.p99Ms)} p99.9 ${ms(res.latency.p999Ms)} max ${ms(res.latency.maxMs)} at ${num(res.achievedRate)}/s ${JSON.stringify(res.statuses)}; service time p50 ${ms(res.service.p50Ms)} p99.9 ${ms(res.service.p999Ms)}, send lag p99.9 ${ms(res.sendLag.p999Ms)}; worst ms per second ${res.timeline.map((b) => Math.round(b.maxMs)).join(' ')}`,
      );
    }

    const p = present['plain']!;
    const q = present['tls']!;
    console.log(
      `\n=== TLS vs plain HTTP, keep-alive, one run (shared 2-core machine: other jobs may disturb both sides) ===`,
    );
    console.log(
      table(
        ['figure', 'plain HTTP (reference)', 'TLS + client cert', 'TLS / plain'],
        [
          [
            'intake letters/s (JSON, 100/batch, 4 conn.)',
            num(intakeRates['plain']!),
            num(intakeRates['tls']!),
            ratio(intakeRates['tls']! / intakeRates['plain']!),
          ],
          [`presentation p50 at ${PRESENT_RATE}/s`, ms(p.p50Ms), ms(q.p50Ms), ratio(q.p50Ms / p.p50Ms)],
          ['presentation p99', ms(p.p99Ms), ms(q.p99Ms), ratio(q.p99Ms / p.p99Ms)],
          ['presentation p99.9', ms(p.p999Ms), ms(q.p999Ms), ratio(q.p999Ms / p.p999Ms)],
          ['presentation max', ms(p.maxMs), ms(q.maxMs), ratio(q.maxMs / p.maxMs)],
        ],
      ),
    );
    mkdirSync(join(ROOT, 'results'), { recursive: true });
    const out = join(ROOT, 'results', `bench-tls-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      out,
      JSON.stringify(
        { quick: QUICK, speed: SPEED, intakeLettersPerSecond: intakeRates, presentation: present },
        null,
        2,
      ),
    );
    log(`figures: ${out}`);
  } finally {
    for (const s of sides) {
      await s.afnemer.close().catch(() => undefined);
      await s.burger.close().catch(() => undefined);
      await s.child.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
