/**
 * A full disk under the mock: its SQLite file on a real 24 MiB tmpfs (mounted here; we run as root
 * in CI, `.ci/run`), filled to the last byte by a filler file while the mock process runs. Then:
 *  - a delivery that cannot commit answers 503 BBSIM_STORAGE_FULL (problem+json, Retry-After, the
 *    cause named), never a 500 and never a 202;
 *  - /status does not answer 500, /ready answers 503 naming the cause, /health stays 200;
 *  - once the filler is removed the mock is ready again by itself, and the refused batch is admitted;
 *  - every batch answered 202 is in the database, every letter once.
 * Skipped with the reason when the tmpfs cannot be mounted (not root, no mount permission).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBatch, renderBerichtenXml, type BatchInput } from '../src/berichten/index.ts';
import { BELASTINGDIENST } from './helpers/mock.ts';
import { POPULATION } from './helpers/batches.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const TMPFS_BYTES = 24 * 1024 * 1024;
const RETRY_AFTER_S = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes zeros into `path` until the file system refuses (ENOSPC); returns the bytes written. */
function fillUp(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < TMPFS_BYTES / size + 1; i++) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('a full disk under the database', () => {
  const base = mkdtempSync(join(tmpdir(), 'bbsim-full-disk-'));
  const mnt = join(base, 'mnt');
  let mounted = false;
  let skipReason = '';
  let proc: MockProcess | undefined;

  beforeAll(() => {
    mkdirSync(mnt);
    if (process.getuid?.() !== 0) {
      skipReason = 'needs root to mount a tmpfs (CI runs as root)';
      return;
    }
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mnt], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      skipReason = `cannot mount a tmpfs: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}`;
    }
  });

  afterAll(async () => {
    killMock(proc);
    if (proc) await proc.exited;
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(base, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while writes fail, says so on /ready, recovers by itself, loses nothing acknowledged', async (ctx) => {
    if (!mounted) ctx.skip(skipReason);
    const db = join(mnt, 'mock.db');
    const configPath = join(base, 'mock.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        capacity: { messagesPerHour: 1_000_000_000, messagesPerDay: 1_000_000_000 },
        storage: { minFreeBytes: 2 * 1024 * 1024, retryAfterS: RETRY_AFTER_S },
      }),
    );
    proc = await startMockProcess(['--db', db, '--config', configPath, '--speed', '60']);
    const url = proc.url;
    const acked: BatchInput[] = [];
    const statuses: number[] = [];
    let seed = 1;
    const now = async (): Promise<number> => {
      const res = await fetch(`${url}/status`);
      expect(res.status).toBe(200);
      return Date.parse(((await res.json()) as { now: string }).now);
    };
    const deliver = async (b: BatchInput): Promise<Response> => {
      const res = await fetch(`${url}/berichtenbox/afleveren`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', 'x-afnemer-oin': BELASTINGDIENST.oin },
        body: renderBerichtenXml(b),
      });
      statuses.push(res.status);
      if (res.status === 202) acked.push(b);
      return res;
    };
    const batchOf = async (letters: number): Promise<BatchInput> =>
      generateBatch({
        seed: seed++,
        afnemerOin: BELASTINGDIENST.oin,
        berichtType: 'VAIB',
        letters,
        now: await now(),
        population: POPULATION,
        attachmentShare: 0.5,
        attachmentBytes: 60_000,
      });

    expect((await deliver(await batchOf(20))).status).toBe(202);
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const filler = join(mnt, 'filler');
    fillUp(filler);

    // Bounded: WAL pages already allocated may take a small batch or two; a batch of 200 letters
    // with 100 attachments of 60 kB (6 MB) cannot fit on a full disk.
    let refused: { res: Response; batch: BatchInput } | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const b = await batchOf(200);
      const res = await deliver(b);
      if (res.status !== 202) refused = { res, batch: b };
    }
    expect(refused, `statuses ${statuses.join(',')}`).toBeDefined();
    const { res, batch } = refused!;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_S));
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 503,
      code: 'BBSIM_STORAGE_FULL',
      cause: 'SQLITE_FULL',
      retryAfter: RETRY_AFTER_S,
    });
    expect(String(problem['detail'])).toMatch(/full.*nothing of this request was committed/);

    // The figures stay available (read from what is committed), with the storage state.
    const status = await fetch(`${url}/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      storage: { ok: false, fault: 'full', code: 'SQLITE_FULL' },
      intake: { lettersAdmitted: expect.any(Number) as number },
    });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', storage: { ok: false } });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(statuses).not.toContain(500);

    rmSync(filler);
    let readyAgain = false;
    for (let i = 0; i < 30 && !readyAgain; i++) {
      readyAgain = (await fetch(`${url}/ready`)).status === 200;
      if (!readyAgain) await sleep(500);
    }
    expect(readyAgain).toBe(true);
    expect((await deliver(batch)).status).toBe(202);
    expect((await fetch(`${url}/status`)).status).toBe(200);

    await stopMock(proc);
    const check = new Database(db, { readonly: true });
    try {
      const count = check.prepare('SELECT count(*) FROM letters WHERE bericht_id = ?').pluck();
      for (const b of acked) {
        for (const l of b.Bericht) expect(count.get(l.BerichtInformatie.BerichtID.toLowerCase())).toBe(1);
      }
      const [letters, distinct] = check
        .prepare('SELECT count(*), count(DISTINCT bericht_id) FROM letters')
        .raw()
        .get() as [number, number];
      expect(letters).toBe(distinct);
      expect(letters).toBe(acked.reduce((n, b) => n + b.Bericht.length, 0));
    } finally {
      check.close();
    }
  }, 120_000);
});
