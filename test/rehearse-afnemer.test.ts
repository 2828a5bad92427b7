/**
 * `bbsim rehearse` tried as an afnemer would, with real processes (the mock and rehearse are child
 * processes; the mock runs in 2027 at speed 600 on its own SQLite file):
 *  - `bbsim example-batch --target` dates batches on the mock's clock (without it, against a mock
 *    in 2027, every letter is AanmaakDatumLigtTeVerInHetVerleden);
 *  - a file added to the batch folder after a run is taken in as new work on the next run;
 *  - a batch dated ahead of the target's clock is caught before the first request (file and line),
 *    and `--quarantine` sets it (and an unreadable file) aside, sends the rest and exits 1;
 *  - `--max-reject-share` exits 1 above it; the reject file is small unless `--rejects-full`;
 *  - identical attachments are stored once: the mock's database stays small.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const OIN = DEFAULT_AFNEMERS[0]!.oin;
const START = '2027-03-02T08:00:00+01:00';
const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-afnemer-'));
const dbPath = join(dir, 'mock.db');
let mock: MockProcess;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/bbsim.js …` as a child process, bounded in time. */
function bbsim(args: readonly string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/bbsim.js'), ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function exampleBatch(path: string, args: readonly string[]): Promise<void> {
  const r = await bbsim(['example-batch', '--letters', '20', ...args]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(path, r.stdout);
}

/** Batches (POSTs) the mock has answered, by outcome (its Prometheus counter). */
async function batchCounts(): Promise<Record<string, number>> {
  const text = await (await fetch(`${mock.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^bbsim_batches_total\{outcome="([^"]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

const common = (): string[] => ['--target', mock.url, '--timeout', '10', '--stall-timeout', '60'];

beforeAll(async () => {
  mock = await startMockProcess(['--db', dbPath, '--start', START, '--speed', '600', '--seed', '1']);
}, 60_000);
afterAll(async () => {
  killMock(mock);
  await mock.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("bbsim example-batch on the target's clock", () => {
  it("dates the batch on the mock's clock with --target (or --at); without, a mock in 2027 rejects every letter as too old", async () => {
    const onClock = join(dir, 'on-clock.xml');
    const today = join(dir, 'today.xml');
    const at = join(dir, 'at.xml');
    await exampleBatch(onClock, ['--target', mock.url, '--seed', '1']);
    await exampleBatch(today, ['--seed', '2']);
    await exampleBatch(at, ['--at', '2027-03-02T08:30:00+01:00', '--seed', '3']);
    const aanmaak = (p: string): number => Date.parse(/<AanmaakDatum>([^<]+)</.exec(readFileSync(p, 'utf8'))![1]!);
    const status = (await (await fetch(`${mock.url}/status`)).json()) as { now: string };
    expect(Math.abs(aanmaak(onClock) - Date.parse(status.now))).toBeLessThan(3 * 3_600_000);
    expect(aanmaak(at)).toBe(Date.parse('2027-03-02T08:30:00+01:00'));

    const codes = async (file: string): Promise<Record<string, number>> => {
      const ledger = join(dir, `${file}.ledger.db`);
      const r = await bbsim(['rehearse', join(dir, file), ...common(), '--ledger', ledger, '--json']);
      const rec = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e['type'] === 'reconciliation');
      expect(rec, r.stderr + r.stdout.slice(-2000)).toBeDefined();
      return { processed: rec!['processed'] as number, ...(rec!['rejected'] as Record<string, number>) };
    };
    expect(await codes('on-clock.xml')).toEqual({ processed: 20 });
    expect(await codes('today.xml')).toEqual({ processed: 0, AanmaakDatumLigtTeVerInHetVerleden: 20 });
  }, 120_000);
});

describe('a folder of batches', () => {
  it('takes in a file added after a run as new work on the next run, and sends it', async () => {
    const folder = join(dir, 'batches');
    mkdirSync(folder);
    await exampleBatch(join(folder, 'batch-1.xml'), ['--target', mock.url, '--seed', '11']);
    await exampleBatch(join(folder, 'batch-2.xml'), ['--target', mock.url, '--seed', '12']);
    const first = await bbsim(['rehearse', folder, ...common()]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('RECONCILED');

    await exampleBatch(join(folder, 'batch-7.xml'), ['--target', mock.url, '--seed', '17']);
    const batchId = /<BatchID>([^<]+)</.exec(readFileSync(join(folder, 'batch-7.xml'), 'utf8'))![1]!;
    const second = await bbsim(['rehearse', folder, ...common()]);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stderr).toContain('1 file added to');
    expect(second.stderr).toContain('batch-7.xml');
    expect(second.stderr).toContain('taken in as new work');
    expect(second.stdout).toMatch(/letters\s+60 {2}in the input/);
    const seen = await fetch(`${mock.url}/berichtenbox/batches/${batchId}`, { headers: { 'x-afnemer-oin': OIN } });
    expect(seen.status).toBe(200);

    // A file that changed since it was read is refused, naming it.
    writeFileSync(join(folder, 'batch-1.xml'), `${readFileSync(join(folder, 'batch-1.xml'), 'utf8')}\n`);
    const third = await bbsim(['rehearse', folder, ...common()]);
    expect(third.code).toBe(2);
    expect(third.stderr).toContain('batch-1.xml: size');
  }, 180_000);

  it("catches a batch dated ahead of the target's clock before the first request, with file and line; --quarantine sends the rest and exits 1", async () => {
    const folder = join(dir, 'future');
    mkdirSync(folder);
    await exampleBatch(join(folder, 'a-good.xml'), ['--target', mock.url, '--seed', '21']);
    await exampleBatch(join(folder, 'b-future.xml'), ['--at', '2027-06-01T09:00:00+02:00', '--seed', '22']);
    writeFileSync(join(folder, 'c-kapot.xml'), '<?xml version="1.0"?>\n<Berichten><BatchInformatie>');
    const before = await batchCounts();
    const refused = await bbsim(['rehearse', folder, ...common()]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(
      /b-future\.xml:\d+: BatchInformatie\.AanmaakDatum .* lies \d+ d( \d+ h)? after (the target's clock|the time of receipt)/,
    );
    expect(refused.stderr).not.toMatch(/\d\.\d+ ms/);
    expect(refused.stderr).toContain('c-kapot.xml');
    expect(refused.stderr).toContain('nothing was sent');
    expect(await batchCounts(), 'no request reached the mock').toEqual(before);

    const q = await bbsim(['rehearse', folder, ...common(), '--quarantine']);
    expect(q.code, q.stderr + q.stdout).toBe(1);
    expect(q.stderr).toContain('set aside 2 input problems');
    expect(q.stdout).toContain('RECONCILED');
    expect(q.stdout).toMatch(/set aside: +2 input problems before sending, 2 files not sent/);
    expect(q.stdout).toContain('exit 1:      2 input problems set aside, not sent');
    const after = await batchCounts();
    expect((after['admitted'] ?? 0) - (before['admitted'] ?? 0)).toBe(1);
    expect(after['rejected'] ?? 0).toBe(before['rejected'] ?? 0);
  }, 120_000);
});

describe('generated letters', () => {
  it('exits 1 above --max-reject-share; the reject file is small by default, whole letters with --rejects-full; attachments stored once', async () => {
    const LETTERS = 3000;
    const args = [
      'rehearse',
      '--generate',
      String(LETTERS),
      '--seed',
      '5',
      '--invalid',
      '0.05',
      '--attachments',
      '0.3',
      ...common(),
      '--concurrency',
      '4',
    ];
    const small = join(dir, 'gen.rejects.ndjson');
    const r = await bbsim([
      ...args,
      '--ledger',
      join(dir, 'gen.ledger.db'),
      '--rejects',
      small,
      '--max-reject-share',
      '0.02',
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toContain('RECONCILED');
    expect(r.stdout).toMatch(/exit 1: +\d\.\d+ % of the letters rejected, above --max-reject-share 2 %/);
    const lines = readFileSync(small, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(LETTERS * 0.05);
    expect(Object.keys(lines[0]!).sort()).toEqual(['BatchID', 'BerichtID', 'Bron', 'Toelichting', 'VerwerkingsCode']);
    expect(String(lines[0]!['Bron'])).toMatch(/^generated letter #\d+$/);
    // IDs and codes only: well under a kilobyte a reject (the whole letters with PDFs are ~100 kB).
    expect(statSync(small).size / lines.length).toBeLessThan(600);

    // The same rehearsal again (a reconciled ledger) with --rejects-full: whole letters, to fix and feed back.
    const full = join(dir, 'gen-full.rejects.ndjson');
    const again = await bbsim([...args, '--ledger', join(dir, 'gen.ledger.db'), '--rejects', full, '--rejects-full']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const first = JSON.parse(readFileSync(full, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(first).toHaveProperty('BerichtInformatie');
    expect(first).toHaveProperty('Verwerking');

    // The generator's PDFs repeat (a few sizes): the mock keeps each content once.
    await stopMock(mock);
    const db = new Database(dbPath, { readonly: true });
    try {
      const bijlagen = db.prepare('SELECT count(*) AS n, sum(bytes) AS bytes FROM bijlagen').get() as {
        n: number;
        bytes: number;
      };
      const contents = db.prepare('SELECT count(*) AS n, sum(bytes) AS bytes FROM attachment_contents').get() as {
        n: number;
        bytes: number;
      };
      expect(bijlagen.n).toBeGreaterThan(LETTERS * 0.2);
      expect(contents.n).toBeLessThanOrEqual(10);
      const fileBytes = statSync(dbPath).size + (statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      // Every copy kept would be the attachments' bytes and more; once each, a fraction of it.
      expect(fileBytes).toBeLessThan(bijlagen.bytes / 4);
      console.log(
        `attachments: ${bijlagen.n} in letters (${(bijlagen.bytes / 1e6).toFixed(1)} MB), ${contents.n} stored (${(contents.bytes / 1e6).toFixed(2)} MB); database ${(fileBytes / 1e6).toFixed(1)} MB`,
      );
    } finally {
      db.close();
    }
    mock = await startMockProcess(['--db', dbPath, '--speed', '600', '--seed', '1']);
  }, 240_000);
});
