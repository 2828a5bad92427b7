/**
 * The sim clock's horizon is committed by a worker thread (src/store/clock-writer.ts), so its fsync
 * does not stall the event loop: saveSimTime returns before the commit, resolves once the row is
 * on disk, and a failed write rejects with the driver's code (what storageFaultOf classifies).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { startClockWriter } from '../src/store/clock-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-clock-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saving the sim time', () => {
  it('is committed off the event loop: pending after a turn of microtasks, then on disk', async () => {
    const path = join(dir, 'a.db');
    const store = openSqliteStore({ path });
    try {
      let settled = false;
      const saved = store.saveSimTime(1_800_000_000_123.4).then(() => {
        settled = true;
      });
      // On the main thread the commit (and its fsync) would be done before the promise is returned.
      await Promise.resolve();
      await Promise.resolve();
      expect(settled).toBe(false);
      await saved;
      const other = new Database(path, { readonly: true });
      expect(other.prepare("SELECT value FROM state WHERE key = 'simClock'").pluck().get()).toBe('1800000000123');
      other.close();
      expect(await store.lastSimTime()).toBe(1_800_000_000_123);
    } finally {
      await store.close();
    }
  });

  it("a write that fails rejects with the driver's error code", async () => {
    const path = join(dir, 'b.db');
    const store = openSqliteStore({ path });
    await store.close();
    // A directory where the database file should be: SQLite cannot open it (SQLITE_CANTOPEN).
    const writer = startClockWriter(dir);
    try {
      await expect(writer.save('1')).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_/) });
    } finally {
      await writer.stop();
    }
    if (process.getuid?.() !== 0) {
      chmodSync(path, 0o444);
      const ro = startClockWriter(path);
      await expect(ro.save('2')).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_READONLY/) });
      await ro.stop();
    }
  });
});
