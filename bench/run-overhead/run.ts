/**
 * What bbsim adds around k6, and how fast k6 can drive the mock here (issue 5's "measure" part).
 *
 * 1. Generator: ms to compile each shipped scenario to its k6 script (in-process).
 * 2. Runner: `bbsim run` of a 5-second scenario — command to first request and results writing, as
 *    the runner reports them — against bare `k6 run` of the same script on an already running mock
 *    (the reference: k6's own start-up, measured the same way).
 * 3. k6 against the mock: the highest constant arrival rate k6 sustains without dropped iterations
 *    on GET /berichtenbox/verwerkingsberichten (a store read), beside k6 on a bare Fastify
 *    hello-world at the same rates.
 * Loopback only; every probe is bounded (8 s of load each).
 *   node bin/run-ts.js bench/run-overhead/run.ts [--quick]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadScenarios } from '../../src/cli/load-scenarios.ts';
import { generateDefaultK6Script } from '../../src/run/mock-defaults.ts';
import { startChild } from '../lib/child.ts';
import { num, ratio, table } from '../lib/table.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const quick = process.argv.includes('--quick');
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-bench-overhead-'));
const log = (s: string): void => console.log(s);

async function generator(): Promise<void> {
  const scenarios = await loadScenarios(join(ROOT, 'scenarios'), []);
  const rows: string[][] = [];
  for (const s of scenarios) {
    const t0 = performance.now();
    const script = generateDefaultK6Script(s);
    rows.push([s.name, num(performance.now() - t0, 1), num(script.length / 1024, 0)]);
  }
  log('\n1. generator (in-process, first call includes the population)');
  log(table(['scenario', 'ms', 'script kB'], rows));
}

async function runner(): Promise<void> {
  const out = join(tmp, 'runs');
  const t0 = performance.now();
  const { stdout } = await run(
    process.execPath,
    ['bin/bbsim.js', 'run', 'overhead', '--scenarios', 'bench/run-overhead/scenarios', '--out', out],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
  ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  const total = (performance.now() - t0) / 1000;
  const m = /command to first request ([\d.]+) s, results written in (\d+) ms/.exec(stdout);
  const bbsimFirst = Number(m?.[1] ?? Number.NaN);
  const write = Number(m?.[2] ?? Number.NaN);

  // Reference: bare k6 on the same script against a mock that is already up.
  const mock = await startChild({
    name: 'mock',
    cwd: ROOT,
    nodeArgs: [
      'bin/bbsim.js',
      'mock',
      '--port',
      '0',
      '--db',
      join(tmp, 'ref.db'),
      '--speed',
      '6',
      '--start',
      '2026-11-16T10:00:00+01:00',
    ],
  });
  const scripts = await loadScenarios(join(ROOT, 'bench/run-overhead/scenarios'), ['overhead']);
  const script = join(tmp, 'overhead.js');
  writeFileSync(script, generateDefaultK6Script(scripts[0]!));
  const summary = join(tmp, 'ref-summary.json');
  const k0 = Date.now();
  await run(
    K6,
    [
      'run',
      '--no-usage-report',
      '-q',
      '-e',
      `BASE_URL=${mock.url}`,
      '-e',
      `SUMMARY_PATH=${summary}`,
      '-e',
      `BBSIM_T0=${k0}`,
      script,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  await mock.stop();
  const k6First =
    (
      JSON.parse(readFileSync(summary, 'utf8')) as {
        k6: { metrics: Record<string, { values: Record<string, number> }> };
      }
    ).k6.metrics['bbsim_first_request_ms']?.values['value'] ?? Number.NaN;
  log('\n2. runner overhead (a 5 s scenario)');
  log(
    table(
      ['figure', 'bbsim run', 'bare k6 run (mock already up)', 'ratio'],
      [
        [
          'command → first request (s)',
          num(bbsimFirst, 2),
          num(k6First / 1000, 2),
          ratio(bbsimFirst / (k6First / 1000)),
        ],
        ['results written (ms)', num(write, 0), '—', '—'],
        ['whole command (s)', num(total, 1), '—', '—'],
      ],
    ),
  );
}

function arrivalScript(path: string, rate: number, seconds: number, headers: Record<string, string>): string {
  return `import http from 'k6/http';
export const options = { scenarios: { probe: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: ${Math.ceil(rate / 10)}, maxVUs: ${Math.ceil(rate / 2)} } }, summaryTrendStats: ['med', 'p(99)', 'max'] };
export default function () { http.get(__ENV.BASE_URL + '${path}', { headers: ${JSON.stringify(headers)} }); }
export function handleSummary(d) { return { [__ENV.OUT]: JSON.stringify(d) }; }
`;
}

interface Probe {
  rate: number;
  achieved: number;
  dropped: number;
  p99: number;
}

async function probe(
  base: string,
  path: string,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
): Promise<Probe> {
  const script = join(tmp, `probe-${rate}.js`);
  const outFile = join(tmp, `probe-${rate}.json`);
  writeFileSync(script, arrivalScript(path, rate, seconds, headers));
  await run(K6, ['run', '--no-usage-report', '-q', '-e', `BASE_URL=${base}`, '-e', `OUT=${outFile}`, script], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: (seconds + 60) * 1000,
  });
  const m = (
    JSON.parse(readFileSync(outFile, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
  ).metrics;
  return {
    rate,
    achieved: m['http_reqs']?.values['rate'] ?? 0,
    dropped: m['dropped_iterations']?.values['count'] ?? 0,
    p99: m['http_req_duration']?.values['p(99)'] ?? 0,
  };
}

async function k6Ceiling(): Promise<void> {
  const rates = quick ? [1000, 3000] : [2000, 4000, 6000, 8000, 10_000, 12_000];
  const seconds = quick ? 4 : 8;
  const mock = await startChild({
    name: 'mock',
    cwd: ROOT,
    nodeArgs: ['bin/bbsim.js', 'mock', '--port', '0', '--db', join(tmp, 'ceiling.db')],
  });
  const hello = await startChild({
    name: 'hello',
    cwd: ROOT,
    nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts'],
  });
  const rows: string[][] = [];
  let bestMock = 0;
  let bestHello = 0;
  try {
    for (const rate of rates) {
      const a = await probe(
        mock.url,
        '/berichtenbox/verwerkingsberichten?limit=10',
        { 'x-afnemer-oin': '00000001003214345000' },
        rate,
        seconds,
      );
      const b = await probe(hello.url, '/', {}, rate, seconds);
      if (a.dropped === 0) bestMock = rate;
      if (b.dropped === 0) bestHello = rate;
      rows.push([
        num(rate),
        num(a.achieved),
        num(a.dropped),
        num(a.p99, 1),
        num(b.achieved),
        num(b.dropped),
        num(b.p99, 1),
      ]);
      log(
        `  ${rate}/s: mock ${num(a.achieved)}/s dropped ${a.dropped}; hello ${num(b.achieved)}/s dropped ${b.dropped}`,
      );
    }
  } finally {
    await mock.stop();
    await hello.stop();
  }
  log(`\n3. k6 constant-arrival-rate, ${seconds} s per probe (mock and hello-world each in their own process)`);
  log(
    table(
      ['asked/s', 'mock req/s', 'mock dropped', 'mock p99 ms', 'hello req/s', 'hello dropped', 'hello p99 ms'],
      rows,
    ),
  );
  log(
    `highest rate without dropped iterations: mock ${num(bestMock)}/s, hello-world ${num(bestHello)}/s (ratio ${ratio(bestMock / Math.max(1, bestHello))})`,
  );
  // bbsim run --max-wall-rate's default on this machine (src/cli/run-command.ts measuredMaxWallRate).
  if (!quick && bestMock > 0) {
    mkdirSync(join(ROOT, 'results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'results', 'generator-ceiling.json'),
      JSON.stringify(
        { k6: { mock: bestMock, hello: bestHello }, probeSeconds: seconds, measuredAt: new Date().toISOString() },
        null,
        2,
      ),
    );
    log(
      `written results/generator-ceiling.json: bbsim run --max-wall-rate defaults to ${num(bestMock)}/s on this machine`,
    );
  }
}

try {
  await generator();
  await runner();
  await k6Ceiling();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
