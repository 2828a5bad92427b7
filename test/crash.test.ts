/**
 * Crash safety of the intake (RPO 0): the mock runs as a child process on a real SQLite file on
 * disk (os.tmpdir(), not tmpfs), eight concurrent clients deliver batches of 50–200 letters, and
 * the process is killed with SIGKILL in the middle of it. After a restart on the same file:
 *  - every letter of every acknowledged (202) batch is stored exactly once, with its delivery row;
 *  - a batch whose request was cut off is stored whole or not at all (the delivery is one transaction);
 *  - redelivering everything that was sent, with the same BatchIDs and BerichtIDs, is admitted and
 *    coded BerichtBestaatAl for what was stored and Verwerkt for what was not, so that in the end
 *    the letters table holds every letter exactly once.
 * All traffic goes to 127.0.0.1; every loop is bounded in count and time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berichtenJson, generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { createPopulation } from '../src/population/index.ts';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;
const LOOPS = 8;
/** Upper bound per client loop; the kill comes long before it. */
const MAX_BATCHES_PER_LOOP = 400;
/** Kill once this many batches are acknowledged (and requests are in flight). */
const KILL_AFTER_ACKS = 40;
/** Wall-clock bound of the load phase: if the kill condition is not met by then, kill anyway. */
const LOAD_DEADLINE_MS = 20_000;
const PROCESSING_DEADLINE_MS = 60_000;
const SEED = 1;
// No mutations over sim time: at speed 1000 hours pass in seconds, and a toggled subscription would code a letter
// NietActiefOfGeabonneerd (not stored), which this durability test would read as a lost letter.
const POPULATION = { activeShare: 0.9, subscribedShare: 0.95, mutationRatePerDay: 0 } as const;

interface SentBatch {
  readonly batchId: string;
  readonly ids: readonly string[];
  readonly body: string;
  readonly contentType: string;
  state: 'unsent' | 'in-flight' | 'acked' | 'failed' | 'refused';
  error?: string;
  /** performance.now() when the request ended (answered or failed). */
  endedAt?: number;
  /** Found in the store after the restart (always for acked; all-or-nothing for the rest). */
  stored?: boolean;
}

interface VbLetter {
  BerichtID: string;
  VerwerkingsCode: string;
}
interface VbItem {
  id: number;
  attempt: number;
  BerichtVerwerkResponse: { BatchInformatie: Record<string, unknown>; Berichten: { Bericht: VbLetter[] } };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  return String(e.code ?? e.cause?.code ?? e.name ?? e.message ?? err);
}

describe('crash safety: SIGKILL during concurrent intake on a real file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-crash-'));
  const dbPath = join(dir, 'mock.db');
  const configPath = join(dir, 'mock.json');
  const processes: MockProcess[] = [];
  const agents: Agent[] = [];

  beforeAll(() => {
    // The flags of the brief (--port 0 --db … --speed 1000) plus a config that lifts the intake
    // limits (at speed 1000 a sim hour lasts 3.6 s, and this test is about durability, not
    // capacity) and pins the population, so that the letters generated here all go to burgers who
    // want them (every letter of an admitted batch is then stored).
    writeFileSync(
      configPath,
      JSON.stringify({
        seed: SEED,
        population: POPULATION,
        capacity: { messagesPerHour: 1_000_000_000, messagesPerDay: 1_000_000_000 },
        faults: { technischProbleemRate: 0 },
      }),
    );
  });

  afterAll(async () => {
    for (const p of processes) killMock(p);
    await Promise.all(processes.map((p) => p.exited));
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<MockProcess> => {
    const p = await startMockProcess(['--db', dbPath, '--speed', '1000', '--config', configPath]);
    processes.push(p);
    return p;
  };

  it('acknowledged batches survive SIGKILL exactly once; redelivery completes the rest without duplicates', async () => {
    const population = createPopulation({ seed: SEED, ...POPULATION });
    const batches: SentBatch[] = [];
    const make = (loop: number, i: number): SentBatch => {
      const seed = 7_000_000 + loop * 10_000 + i;
      const letters = 50 + ((seed * 7919) % 151);
      const b = generateBatch({
        seed,
        afnemerOin: OIN,
        berichtType: 'VAIB',
        letters,
        now: Date.now(),
        population,
        recipientShare: 1,
        textChars: 200,
        ...(i % 5 === 0 ? { attachmentShare: 0.2, attachmentBytes: 5_000 } : {}),
      });
      const xml = (loop + i) % 2 === 0;
      return {
        batchId: b.BatchInformatie.BatchID,
        ids: b.Bericht.map((x) => x.BerichtInformatie.BerichtID),
        body: xml ? renderBerichtenXml(b) : JSON.stringify(berichtenJson(b)),
        contentType: xml ? 'application/xml' : 'application/json',
        state: 'unsent',
      };
    };
    const post = async (url: string, agent: Agent, b: SentBatch): Promise<{ status: number; body: string }> => {
      const res = await request(`${url}/berichtenbox/afleveren`, {
        method: 'POST',
        dispatcher: agent,
        body: b.body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
        headers: { 'content-type': b.contentType, 'x-afnemer-oin': OIN },
      });
      return { status: res.statusCode, body: await res.body.text() };
    };

    // ---- phase 1: load, then SIGKILL mid-stream ----
    const a = await start();
    const agentA = new Agent({ connections: LOOPS, pipelining: 1 });
    agents.push(agentA);
    const receiptProblems: string[] = [];
    let acked = 0;
    let inFlight = 0;
    let killedAt: number | undefined;
    let inFlightAtKill = 0;
    let ackedAtKill = 0;
    const loadStarted = performance.now();
    const kill = (): void => {
      if (killedAt !== undefined) return;
      inFlightAtKill = inFlight;
      ackedAtKill = acked;
      killedAt = performance.now();
      a.child.kill('SIGKILL');
    };
    const deadline = setTimeout(kill, LOAD_DEADLINE_MS);
    const loop = async (k: number): Promise<void> => {
      for (let i = 0; i < MAX_BATCHES_PER_LOOP && killedAt === undefined; i++) {
        const b = make(k, i);
        batches.push(b);
        b.state = 'in-flight';
        inFlight++;
        try {
          const res = await post(a.url, agentA, b);
          if (res.status === 202) {
            const receipt = JSON.parse(res.body) as { BatchID: string; letters: number; attempt: number };
            if (receipt.BatchID !== b.batchId || receipt.letters !== b.ids.length || receipt.attempt !== 1)
              receiptProblems.push(`${b.batchId}: ${res.body}`);
            b.state = 'acked';
            acked++;
          } else {
            b.state = 'refused';
            b.error = `${res.status} ${res.body.slice(0, 300)}`;
          }
        } catch (err) {
          b.state = 'failed';
          b.error = errorCode(err);
        } finally {
          b.endedAt = performance.now();
          inFlight--;
        }
        // Our own request has just ended; the other loops' requests are (normally) still in flight.
        if (acked >= KILL_AFTER_ACKS && inFlight >= 1) kill();
      }
    };
    await Promise.all(Array.from({ length: LOOPS }, (_, k) => loop(k)));
    clearTimeout(deadline);
    const killExit = await a.exited;
    const loadMs = (killedAt ?? performance.now()) - loadStarted;

    // The kill really happened mid-stream.
    expect(killExit.signal).toBe('SIGKILL');
    expect(batches.filter((b) => b.state === 'refused').map((b) => b.error)).toEqual([]);
    expect(receiptProblems).toEqual([]);
    expect(ackedAtKill).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(inFlightAtKill).toBeGreaterThanOrEqual(1);
    const failed = batches.filter((b) => b.state === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    // Nothing failed before the kill: every failure is the kill cutting a request off.
    for (const b of failed)
      expect(b.endedAt!, `${b.batchId} failed (${b.error}) before the kill`).toBeGreaterThanOrEqual(killedAt!);
    expect(batches.every((b) => b.state === 'acked' || b.state === 'failed')).toBe(true);
    const allIds = batches.flatMap((b) => b.ids);
    expect(new Set(allIds).size, 'generated BerichtIDs are unique').toBe(allIds.length);
    expect(new Set(batches.map((b) => b.batchId)).size, 'generated BatchIDs are unique').toBe(batches.length);

    // ---- phase 2: restart on the same file; what is stored? ----
    const b2 = await start();
    {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        const deliveriesOf = db.prepare(
          'SELECT id, attempt, letters FROM deliveries WHERE afnemer_oin = ? AND batch_id = ?',
        );
        const lettersOf = db.prepare('SELECT bericht_id FROM letters WHERE delivery_id = ? ORDER BY seq').pluck();
        const letterExists = db.prepare('SELECT count(*) FROM letters WHERE bericht_id = ?').pluck();
        const resultsOf = db.prepare('SELECT count(*) FROM results WHERE delivery_id = ?').pluck();
        let storedLetters = 0;
        for (const b of batches) {
          const rows = deliveriesOf.all(OIN, b.batchId) as { id: number; attempt: number; letters: number }[];
          if (b.state === 'acked') expect(rows, `acknowledged batch ${b.batchId} has its delivery row`).toHaveLength(1);
          expect(rows.length).toBeLessThanOrEqual(1);
          const row = rows[0];
          if (row) {
            expect(row).toMatchObject({ attempt: 1, letters: b.ids.length });
            expect(lettersOf.all(row.id), `letters of ${b.batchId} (${b.state})`).toEqual(b.ids);
            expect(resultsOf.get(row.id)).toBe(b.ids.length);
            storedLetters += b.ids.length;
          } else {
            // Cut off before its commit: none of it is stored.
            for (const id of b.ids) expect(letterExists.get(id), `${id} of unstored batch ${b.batchId}`).toBe(0);
          }
          b.stored = row !== undefined;
        }
        const [count, distinct] = db
          .prepare('SELECT count(*), count(DISTINCT bericht_id) FROM letters')
          .raw()
          .get() as [number, number];
        expect(distinct).toBe(count);
        expect(count, 'no letters besides those of stored batches').toBe(storedLetters);
        expect(db.prepare('SELECT count(*) FROM deliveries').pluck().get()).toBe(
          batches.filter((b) => b.stored).length,
        );
      } finally {
        db.close();
      }
    }
    const storedBefore = new Set(batches.filter((b) => b.stored).map((b) => b.batchId));
    const committedUnacked = batches.filter((b) => b.state === 'failed' && b.stored).length;

    // ---- phase 3: redeliver everything that was sent, same BatchIDs and BerichtIDs ----
    const agentB = new Agent({ connections: LOOPS, pipelining: 1 });
    agents.push(agentB);
    const queue = [...batches];
    const redeliveryProblems: string[] = [];
    await Promise.all(
      Array.from({ length: LOOPS }, async () => {
        for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
          const res = await post(b2.url, agentB, b);
          if (res.status !== 202) {
            redeliveryProblems.push(`${b.batchId}: ${res.status} ${res.body.slice(0, 300)}`);
            continue;
          }
          const receipt = JSON.parse(res.body) as { BatchID: string; letters: number; attempt: number };
          const want = { BatchID: b.batchId, letters: b.ids.length, attempt: storedBefore.has(b.batchId) ? 2 : 1 };
          if (
            receipt.BatchID !== want.BatchID ||
            receipt.letters !== want.letters ||
            receipt.attempt !== want.attempt
          ) {
            redeliveryProblems.push(`${b.batchId}: receipt ${res.body}, expected ${JSON.stringify(want)}`);
          }
        }
      }),
    );
    expect(redeliveryProblems).toEqual([]);

    // ---- phase 4: wait for every verwerkingsbericht (first deliveries and redeliveries) ----
    const expected = new Map<string, SentBatch>();
    for (const b of batches) {
      if (b.stored) expected.set(`${b.batchId}|1`, b);
      expected.set(`${b.batchId}|${b.stored ? 2 : 1}`, b);
    }
    const items = new Map<string, VbItem>();
    const waitUntil = performance.now() + PROCESSING_DEADLINE_MS;
    while (items.size < expected.size && performance.now() < waitUntil) {
      const res = await request(`${b2.url}/berichtenbox/verwerkingsberichten?limit=1000`, {
        dispatcher: agentB,
        headers: { 'x-afnemer-oin': OIN },
      });
      expect(res.statusCode).toBe(200);
      const page = (await res.body.json()) as { items: VbItem[] };
      for (const item of page.items) {
        const key = `${String(item.BerichtVerwerkResponse.BatchInformatie['BatchID'])}|${item.attempt}`;
        expect(items.has(key), `verwerkingsbericht for ${key} offered again after its ack`).toBe(false);
        items.set(key, item);
      }
      if (page.items.length > 0) {
        const ack = await request(`${b2.url}/berichtenbox/verwerkingsberichten/ack`, {
          method: 'POST',
          dispatcher: agentB,
          headers: { 'x-afnemer-oin': OIN, 'content-type': 'application/json' },
          body: JSON.stringify({ ids: page.items.map((i) => i.id) }),
        });
        expect(ack.statusCode).toBe(200);
        await ack.body.text();
      } else {
        await sleep(100);
      }
    }
    expect(
      [...expected.keys()].filter((k) => !items.has(k)),
      'verwerkingsberichten still missing',
    ).toEqual([]);
    expect(
      [...items.keys()].filter((k) => !expected.has(k)),
      'unexpected verwerkingsberichten',
    ).toEqual([]);
    const codes = new Map<string, number>();
    for (const [key, item] of items) {
      const b = expected.get(key)!;
      const redelivery = key.endsWith(b.stored ? '|2' : '|1');
      const letters = item.BerichtVerwerkResponse.Berichten.Bericht;
      expect(
        letters.map((l) => l.BerichtID),
        key,
      ).toEqual(b.ids);
      // The first delivery of a stored batch, and the redelivery of one that was not: Verwerkt.
      // The redelivery of a stored batch: BerichtBestaatAl for every letter.
      const want = redelivery && b.stored ? 'BerichtBestaatAl' : 'Verwerkt';
      for (const l of letters) {
        expect(['Verwerkt', 'BerichtBestaatAl']).toContain(l.VerwerkingsCode);
        codes.set(l.VerwerkingsCode, (codes.get(l.VerwerkingsCode) ?? 0) + 1);
      }
      expect(
        letters.filter((l) => l.VerwerkingsCode !== want),
        key,
      ).toEqual([]);
    }

    // ---- phase 5: stop, and count every letter exactly once ----
    const stopB = await stopMock(b2);
    expect(stopB.code).toBe(0);
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const stored = db.prepare('SELECT bericht_id FROM letters').pluck().all() as string[];
      expect(new Set(stored).size).toBe(stored.length);
      expect(new Set(stored)).toEqual(new Set(allIds));
      const twice = db
        .prepare("SELECT bericht_id FROM results WHERE code = 'Verwerkt' GROUP BY bericht_id HAVING count(*) > 1")
        .pluck()
        .all();
      expect(twice).toEqual([]);
      expect(db.prepare("SELECT count(*) FROM results WHERE code = 'Verwerkt'").pluck().get()).toBe(allIds.length);
      expect(db.prepare('SELECT count(*) FROM deliveries').pluck().get()).toBe(batches.length + storedBefore.size);
    } finally {
      db.close();
    }

    console.log(
      [
        `crash: ${batches.length} batches (${allIds.length} letters) sent by ${LOOPS} clients in ${loadMs.toFixed(0)} ms before SIGKILL;`,
        `  ${ackedAtKill} acknowledged when the kill was sent, ${inFlightAtKill} requests in flight, ${batches.filter((b) => b.state === 'acked').length} acknowledged in all,`,
        `  ${failed.length} cut off (${[...new Set(failed.map((b) => b.error))].join(', ')}), of which ${committedUnacked} were committed without their 202;`,
        `  after restart + redelivery: ${items.size} verwerkingsberichten, codes ${[...codes].map(([k, v]) => `${k}=${v}`).join(', ')}`,
      ].join('\n'),
    );
  }, 180_000);
});
