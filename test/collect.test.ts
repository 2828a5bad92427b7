import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { generateDefaultK6Script } from '../src/run/mock-defaults.ts';
import { buildMock } from '../src/mock/app.ts';
import type { RunSummary } from '../src/results/summary.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'segments');
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-collect-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = promisify(execFile);

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}
async function bbsim(...args: string[]): Promise<Cli> {
  try {
    const r = await run(process.execPath, ['bin/bbsim.js', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** What the k6-operator's runners leave on the results volume: <pod>.k6-summary.json and <pod>.k6-samples.csv.gz. */
const volume = join(tmp, 'volume');
let base = '';
let mock: Awaited<ReturnType<typeof buildMock>> | undefined;

beforeAll(async () => {
  const [pair] = await loadScenarios(FIXTURES, ['segments-pair']);
  const script = join(tmp, 'segments-pair.js');
  writeFileSync(script, generateDefaultK6Script(pair!));
  mkdirSync(volume);
  mock = await buildMock({ db: join(tmp, 'mock.db'), clock: { speed: pair!.clock.speed, start: pair!.clock.start! } });
  base = await mock.listen({ port: 0, host: '127.0.0.1' });
  // Two runners as the k6-operator starts them for parallelism 2 (pkg/segmentation: 0:1/2 and 1/2:1).
  await Promise.all(
    ['0:1/2', '1/2:1'].map((segment, i) =>
      run(
        K6,
        [
          'run',
          '--quiet',
          '--no-usage-report',
          `--execution-segment=${segment}`,
          '--execution-segment-sequence=0,1/2,1',
          '--tag',
          `instance_id=${i + 1}`,
          '--out',
          `csv=${join(volume, `runner-${i + 1}.k6-samples.csv.gz`)}`,
          '-e',
          `BASE_URL=${base}`,
          '-e',
          `SUMMARY_PATH=${join(volume, `runner-${i + 1}.k6-summary.json`)}`,
          script,
        ],
        { encoding: 'utf8', maxBuffer: 16 << 20 },
      ),
    ),
  );
}, 90_000);
afterAll(async () => {
  await mock?.close();
});

/** A copy of the volume with `edit` applied to it. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of readdirSync(volume)) copyFileSync(join(volume, f), join(dir, f));
  edit(dir);
  return dir;
}
const editJson = (file: string, f: (j: Record<string, unknown>) => void): void => {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  f(j);
  writeFileSync(file, JSON.stringify(j));
};

describe('bbsim collect', () => {
  it("merges the runners' files into one run folder with its verdict, reading the server figures once", async () => {
    const out = join(tmp, 'results');
    const r = await bbsim(
      'collect',
      volume,
      '--target',
      base,
      '--scenarios',
      FIXTURES,
      '--out',
      out,
      '--run-id',
      'cluster',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/collecting 2 segments of segments-pair/);
    expect(r.stdout).toMatch(/every checked norm holds/);
    const s = JSON.parse(readFileSync(join(out, 'cluster', 'summary.json'), 'utf8')) as RunSummary;
    expect(s.segments?.map((x) => x.segment)).toEqual(['0:1/2', '1/2:1']);
    const requests = s.segments!.reduce((a, x) => a + x.requests, 0);
    expect(requests).toBe(Object.values(s.histograms!.service).reduce((a, h) => a + h.count, 0));
    expect(requests).toBeGreaterThan(400);
    expect(
      (s.server as { digid?: { capacity?: { windows: readonly { peakOffered: number }[] } } }).digid?.capacity
        ?.windows[0]?.peakOffered,
    ).toBeGreaterThan(300);
    for (const f of ['verdict.json', 'junit.xml', 'report.html', 'segments/1/summary.json', 'segments/2/summary.json'])
      expect(existsSync(join(out, 'cluster', f)), f).toBe(true);
    // compare and report read it as any run.
    expect((await bbsim('report', join(out, 'cluster'))).code).toBe(0);
    // Without --target the server-side norms cannot be judged: exit 3, named, like bbsim run.
    const bare = await bbsim(
      'collect',
      join(out, 'cluster', 'segments'),
      '--scenarios',
      FIXTURES,
      '--out',
      out,
      '--run-id',
      'bare',
    );
    expect(bare.code, bare.stdout + bare.stderr).toBe(3);
    expect(bare.stdout).toMatch(/NOT JUDGED: digid\.authentications-per-minute/);
    expect(bare.stdout).not.toMatch(/norm breached/);
    const again = await bbsim(
      'collect',
      join(out, 'cluster', 'segments'),
      '--target',
      base,
      '--scenarios',
      FIXTURES,
      '--out',
      out,
      '--run-id',
      'again',
    );
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const saved = await bbsim(
      'baseline',
      'save',
      join(out, 'cluster'),
      '--name',
      'pair',
      '--dir',
      join(tmp, 'baselines'),
    );
    expect(saved.code, saved.stderr).toBe(0);
    const cmp = await bbsim('compare', join(tmp, 'baselines', 'pair'), join(out, 'again'), '--out', join(tmp, 'cmp'));
    expect(cmp.code, cmp.stderr).not.toBe(2);
    // The same samples merged twice: the same percentiles, so no regression.
    expect(cmp.code, cmp.stdout).toBe(0);
  }, 90_000);

  it('checks --target with the one URL rule of every command: a scheme, on this machine', async () => {
    const noScheme = await bbsim(
      'collect',
      volume,
      '--target',
      '127.0.0.1:8080',
      '--scenarios',
      FIXTURES,
      '--out',
      join(tmp, 'bad-target'),
    );
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toMatch(/--target: "127\.0\.0\.1:8080" has no scheme; write http:\/\/127\.0\.0\.1:8080/);
    const remote = await bbsim(
      'collect',
      volume,
      '--target',
      'http://192.0.2.1:8080',
      '--scenarios',
      FIXTURES,
      '--out',
      join(tmp, 'bad-target'),
    );
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/this machine/);
    expect(existsSync(join(tmp, 'bad-target'))).toBe(false);
  });

  const refused = async (inputs: string[], message: RegExp): Promise<void> => {
    const out = join(tmp, `refused-${Math.random().toString(36).slice(2)}`);
    const r = await bbsim('collect', ...inputs, '--scenarios', FIXTURES, '--out', out, '--run-id', 'x');
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/nothing written/);
    expect(existsSync(join(out, 'x'))).toBe(false);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  };

  it('a missing samples file: exit 2, nothing written', async () => {
    const dir = variant('no-csv', (d) => rmSync(join(d, 'runner-2.k6-samples.csv.gz')));
    await refused([dir], /runner-2\.k6-summary\.json: its samples file .*runner-2\.k6-samples\.csv\.gz is missing/);
  });

  it('a missing segment or file: exit 2, nothing written', async () => {
    await refused([join(volume, 'runner-1.k6-summary.json')], /missing segment 1\/2:1 of the sequence 0,1\/2,1/);
    await refused(
      [join(volume, 'runner-1.k6-summary.json'), join(tmp, 'nowhere.k6-summary.json')],
      /nowhere\.k6-summary\.json: no such file/,
    );
    await refused(
      [join(volume, 'runner-1.k6-summary.json'), join(volume, 'runner-1.k6-summary.json')],
      /segment 0:1\/2 given twice/,
    );
  });

  it('segments of different scenarios or scripts: exit 2, nothing written', async () => {
    const scen = variant('other-scenario', (d) =>
      editJson(join(d, 'runner-2.k6-summary.json'), (j) => {
        j['scenario'] = 'segments-tiny';
      }),
    );
    await refused(
      [scen],
      /scenarios differ: .*runner-1\.k6-summary\.json: segments-pair, .*runner-2\.k6-summary\.json: segments-tiny/,
    );
    const hash = variant('other-script', (d) =>
      editJson(join(d, 'runner-1.k6-summary.json'), (j) => {
        j['scriptHash'] = '0000000000000000';
      }),
    );
    await refused([hash], /script hashes \(SCRIPT_HASH: the segments ran different scripts\) differ/);
    const both = variant('stale-script', (d) => {
      for (const f of ['runner-1.k6-summary.json', 'runner-2.k6-summary.json'])
        editJson(join(d, f), (j) => {
          j['scriptHash'] = '1111111111111111';
        });
    });
    await refused(
      [both],
      /the segments ran script 1111111111111111, but scenario segments-pair now generates [0-9a-f]{16}/,
    );
  });
});
