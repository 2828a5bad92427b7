/**
 * The bulk-delivery rehearsal end to end, the hard way: 20,000 generated letters (1 % with a
 * mistake of every kind an afnemer can make) delivered by `bbsim rehearse` (a child process) to the
 * mock (another child process, its own SQLite file, sim speed 600) with faults injected:
 *  - TechnischProbleem for 1 % of letters per attempt (redelivered with the same IDs);
 *  - an error rate of 2 % (HTTP 500, no Retry-After) on every intake request, polls and acks too;
 *  - an outage window at 10:00–10:20 sim (503 with Retry-After until it ends): the third hour, which
 *    the delivery reaches whatever the machine's speed, since two hours admit only 12,000 letters;
 *  - a 429 storm: the hourly capacity set to 6,000 letters (the norm says 150,000), so each sim hour
 *    (6 s wall) the intake refuses with Retry-After until the next hour;
 * and two crashes: SIGKILL of the rehearse process (restarted: resumes from its ledger) and later
 * of the mock (restarted on the same port and file, its clock resumed where it was).
 * The reconciliation must balance exactly, the leveranciersportaal must agree, the mock's store
 * must hold exactly the letters the ledger says were processed, each once, and no request may have
 * gone out before a Retry-After had passed. The reconciliation's figures add up exactly, each to
 * what the mock and the ledger hold: letters (processed + rejected + refused + open = offered),
 * batches (held by the target + refused + not delivered) and requests (accepted + busy + unknown +
 * refused), the mock's deliveries being the accepted requests plus the unknown ones it stored.
 * All traffic stays on 127.0.0.1; every wait is bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { INVALID_KINDS } from '../src/rehearse/generate-letters.ts';
import { letterFromJson } from '../src/rehearse/letter-json.ts';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';
import {
  killRehearse,
  startRehearseProcess,
  type RehearseEvent,
  type RehearseProcess,
} from './helpers/rehearse-process.ts';

const OIN = DEFAULT_AFNEMERS[0]!.oin;
const LETTERS = 20_000;
const SPEED = 600;
const START = '2027-03-02T08:00:00+01:00';
const HOUR_LIMIT = 6_000;
/** Kill the rehearse process once this many letters are final; the mock once this many are. */
const KILL_REHEARSE_AT = 4_000;
// 12,000 letters fill the first two hours, and the third admits nothing before its outage ends
// (10:00–10:20): killed at 12,000 the mock's restart (a few wall seconds on a loaded machine) could
// swallow the outage's 2 wall seconds, and no 503 would be seen; at 13,000 the outage is over, and
// 7,000 letters remain, across an hour boundary, so the run cannot end while the mock is down.
const KILL_MOCK_AT = 13_000;
const PHASE_DEADLINE_MS = 90_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Reconciliation {
  reconciled: boolean;
  balanced: boolean;
  offered: number;
  processed: number;
  open: number;
  duplicates: number;
  rejected: Record<string, number>;
  refused: Record<string, number>;
  answers: Record<string, number>;
  portal: { status: string; mismatches?: string[] };
  stats: Record<string, number>;
  delivery: Record<string, number>;
  counters: Record<string, number>;
  wallMs: number;
  end: { kind: string };
}

describe('rehearse: 20,000 letters against a faulty mock, with SIGKILL of the client and of the mock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-'));
  const dbPath = join(dir, 'mock.db');
  const configPath = join(dir, 'mock.json');
  const ledgerPath = join(dir, 'brieven.ledger.db');
  const rejectsPath = join(dir, 'brieven.rejects.ndjson');
  const mocks: MockProcess[] = [];
  const clients: RehearseProcess[] = [];

  afterAll(async () => {
    for (const c of clients) killRehearse(c);
    for (const m of mocks) killMock(m);
    await Promise.all([...clients.map((c) => c.exited), ...mocks.map((m) => m.exited)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('balances exactly, agrees with the leveranciersportaal and the store, and keeps every Retry-After', async () => {
    const outageFrom = Date.parse(START) + 2 * 3_600_000;
    writeFileSync(
      configPath,
      JSON.stringify({
        seed: 1,
        clock: { start: START, speed: SPEED },
        capacity: { messagesPerHour: HOUR_LIMIT },
        faults: {
          technischProbleemRate: 0.01,
          services: {
            'berichtenbox-intake': {
              errorRate: 0.02,
              errorStatus: 500,
              outages: [{ from: outageFrom, to: outageFrom + 20 * 60_000 }],
            },
          },
        },
      }),
    );
    const t0 = performance.now();
    let mock = await startMockProcess(['--db', dbPath, '--config', configPath]);
    mocks.push(mock);
    const port = new URL(mock.url).port;
    const args = [
      '--generate',
      String(LETTERS),
      '--seed',
      '7',
      '--invalid',
      '0.01',
      '--attachments',
      '0.02',
      '--target',
      mock.url,
      '--ledger',
      ledgerPath,
      '--rejects',
      rejectsPath,
      '--mock-config',
      configPath,
      '--concurrency',
      '4',
      '--timeout',
      '10',
      '--stall-timeout',
      '60',
      '--rejects-full',
    ];
    const finalOf = (e: RehearseEvent): number =>
      e.type === 'progress' && typeof e['final'] === 'number' ? e['final'] : -1;

    // ---- phase 1: rehearse until a fifth is final, then SIGKILL it ----
    let killedAtFinal = -1;
    const r1 = startRehearseProcess(args, (e, p) => {
      if (killedAtFinal < 0 && finalOf(e) >= KILL_REHEARSE_AT) {
        killedAtFinal = finalOf(e);
        p.child.kill('SIGKILL');
      }
    });
    clients.push(r1);
    const guard1 = setTimeout(() => r1.child.kill('SIGKILL'), PHASE_DEADLINE_MS);
    const x1 = await r1.exited;
    clearTimeout(guard1);
    expect(x1.signal, r1.output()).toBe('SIGKILL');
    expect(killedAtFinal, `rehearse was killed by the guard, not mid-run:\n${r1.output()}`).toBeGreaterThanOrEqual(
      KILL_REHEARSE_AT,
    );
    expect(r1.events.some((e) => e.type === 'reconciliation')).toBe(false);

    // ---- phase 2: restart rehearse (resumes); SIGKILL the mock mid-run and restart it on the same port and file ----
    let mockKill: Promise<void> | undefined;
    let mockKilledAtFinal = -1;
    const restartMock = async (): Promise<void> => {
      // Where the mock's clock stands, so the restarted one resumes there (its clock is not stored).
      const res = await fetch(`${mock.url}/status`);
      const status = (await res.json()) as { now: string; speed: number };
      const at = performance.now();
      mock.child.kill('SIGKILL');
      const exit = await mock.exited;
      expect(exit.signal).toBe('SIGKILL');
      const simAtKill = Date.parse(status.now) + (performance.now() - at) * status.speed;
      await sleep(500);
      mock = await startMockProcess([
        '--db',
        dbPath,
        '--config',
        configPath,
        '--port',
        port,
        '--start',
        new Date(simAtKill + 1000).toISOString(),
      ]);
      mocks.push(mock);
    };
    const r2 = startRehearseProcess(args, (e) => {
      if (!mockKill && finalOf(e) >= KILL_MOCK_AT) {
        mockKilledAtFinal = finalOf(e);
        mockKill = restartMock();
      }
    });
    clients.push(r2);
    const guard2 = setTimeout(() => r2.child.kill('SIGKILL'), PHASE_DEADLINE_MS);
    const x2 = await r2.exited;
    clearTimeout(guard2);
    await mockKill;
    const wallMs = performance.now() - t0;
    expect(mockKilledAtFinal, `the mock was never killed:\n${r2.output()}`).toBeGreaterThanOrEqual(KILL_MOCK_AT);
    expect(
      r2.events.find((e) => e.type === 'resume'),
      'the second run resumed from the ledger',
    ).toBeDefined();
    const recEvent = r2.events.find((e) => e.type === 'reconciliation');
    expect(recEvent, r2.output()).toBeDefined();
    const rec = recEvent as unknown as Reconciliation;
    expect({ code: x2.code, end: rec.end.kind }, r2.output()).toEqual({ code: 0, end: 'done' });

    // ---- the reconciliation balances exactly ----
    expect(rec.reconciled).toBe(true);
    expect(rec.balanced).toBe(true);
    expect(rec.offered).toBe(LETTERS);
    expect(rec.open).toBe(0);
    expect(rec.duplicates).toBe(0);
    const rejected = Object.values(rec.rejected).reduce((a, b) => a + b, 0);
    expect(rec.refused, JSON.stringify(r2.events.filter((e) => e.type === 'refused').slice(0, 3))).toEqual({});
    expect(rec.processed + rejected).toBe(LETTERS);
    expect(rec.refused).toEqual({});
    expect(rec.portal.status, JSON.stringify(rec.portal)).toBe('matches');
    // Every code an afnemer can provoke was provoked, and TechnischProbleem was answered and redelivered.
    for (const code of new Set(Object.values(INVALID_KINDS))) expect(rec.rejected[code] ?? 0, code).toBeGreaterThan(0);
    expect(rec.rejected['TechnischProbleem']).toBeUndefined();
    expect(rec.answers['TechnischProbleem'] ?? 0).toBeGreaterThan(0);
    // The faults were met: 429 storms and the outage's 503s (the 500s and the mock's restart show as
    // unknown outcomes of sends and failed polls, how many depends on timing).
    expect(rec.counters['http429'] ?? 0).toBeGreaterThan(0);
    const waitsSeen = [...r1.events, ...r2.events]
      .filter((e) => e.type === 'wait')
      .map((e) => `${String(e['status'])}@${String(e['at'])}`);
    expect(
      rec.counters['http503'] ?? 0,
      `${JSON.stringify(rec.counters)}\n${waitsSeen.join(' ')}\nmock killed at ${mockKilledAtFinal}`,
    ).toBeGreaterThan(0);
    expect(rec.stats['vbPollFailures'] ?? 0).toBeGreaterThan(0);
    expect(rec.delivery['acceptedAgain']).toBeGreaterThan(0);
    // Each figure once, and the sums add up exactly.
    const d = rec.delivery as Record<string, number>;
    expect(d['requests']).toBe(d['accepted']! + d['busy']! + d['restamped']! + d['unknown']! + d['refused']!);
    expect(d['other']).toBe(0);
    expect(d['accepted']).toBe(d['acceptedFirst']! + d['acceptedAgain']!);
    expect(d['batches']).toBe(d['batchesStored']! + d['batchesRefused']! + d['batchesNotStored']!);
    expect(d['batchesNotStored']).toBe(0);
    expect(d['unknownStored']).toBeLessThanOrEqual(d['unknown']!);

    // ---- no request went out before a Retry-After had passed (within each process) ----
    for (const p of [r1, r2]) {
      const requests = p.events
        .filter((e) => typeof e['sentAt'] === 'string')
        .map((e) => ({ e, sent: Date.parse(e['sentAt'] as string) }));
      const waits = p.events.filter((e) => e.type === 'wait' && typeof e['retryAfterMs'] === 'number');
      for (const w of waits) {
        // The wait runs from the answer (the event itself is written after the ledger's fsync).
        const from = Date.parse(typeof w['answeredAt'] === 'string' ? w['answeredAt'] : w.at);
        const until = from + (w['retryAfterMs'] as number);
        const early = requests.filter((r) => r.sent > from && r.sent < until - 5);
        expect(
          early.map((r) => `${r.e.type} ${String(r.e['batch'])} sent ${String(r.e['sentAt'])}`),
          `requests during the Retry-After of ${w.at} (${String(w['retryAfterMs'])} ms)`,
        ).toEqual([]);
        expect(w['waitMs'] as number).toBeGreaterThanOrEqual(w['retryAfterMs'] as number);
      }
    }
    const retryAfterWaits = [...r1.events, ...r2.events].filter(
      (e) => e.type === 'wait' && typeof e['retryAfterMs'] === 'number',
    );
    expect(retryAfterWaits.some((e) => e['status'] === 429)).toBe(true);
    expect(retryAfterWaits.some((e) => e['status'] === 503)).toBe(true);

    // ---- the reject file: one line per rejected letter, each readable as input again ----
    const lines = readFileSync(rejectsPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(rejected);
    for (const line of lines) expect(letterFromJson(JSON.parse(line)).ok).toBe(true);

    // ---- the mock's store holds exactly what the ledger says was processed, each once ----
    const stop = await stopMock(mock);
    expect(stop.code).toBe(0);
    const store = new Database(dbPath, { readonly: true, fileMustExist: true });
    const ledger = new Database(ledgerPath, { readonly: true, fileMustExist: true });
    try {
      const stored = store.prepare('SELECT bericht_id FROM letters WHERE afnemer_oin = ?').pluck().all(OIN) as string[];
      expect(new Set(stored).size).toBe(stored.length);
      const processed = ledger
        .prepare(`SELECT lower(bericht_id) FROM letters WHERE state = 'processed'`)
        .pluck()
        .all() as string[];
      expect(processed).toHaveLength(rec.processed);
      expect(new Set(stored)).toEqual(new Set(processed));
      expect(
        store
          .prepare(`SELECT count(*) FROM results WHERE code = 'Verwerkt' GROUP BY bericht_id HAVING count(*) > 1`)
          .all(),
      ).toEqual([]);
      // Every delivery the mock holds is an attempt the ledger knows, under one of its BatchIDs: nothing went out as new twice.
      const attempts = new Map(
        ledger.prepare('SELECT batch_id, max_attempt FROM batches').raw().all() as [string, number][],
      );
      const deliveries = store
        .prepare('SELECT batch_id, max(attempt), count(*) FROM deliveries WHERE afnemer_oin = ? GROUP BY batch_id')
        .raw()
        .all(OIN) as [string, number, number][];
      expect(deliveries.length).toBe(attempts.size);
      // The reconciliation's figures are what the two databases hold.
      expect(d['batches']).toBe(attempts.size);
      expect(d['batchesStored']).toBe(deliveries.length);
      expect(ledger.prepare('SELECT count(*) FROM sends').pluck().get()).toBe(d['requests']);
      const storedAttempts = deliveries.reduce((a, [, , k]) => a + k, 0);
      expect(
        storedAttempts,
        'every delivery the mock holds is an accepted request or an unknown outcome it stored',
      ).toBe(d['accepted']! + d['unknownStored']!);
      for (const [batchId, maxAttempt, n] of deliveries)
        expect([batchId, maxAttempt, n]).toEqual([batchId, attempts.get(batchId), maxAttempt]);
    } finally {
      store.close();
      ledger.close();
    }

    const stats = rec.stats;
    console.log(
      [
        `rehearse: ${LETTERS} letters in ${(wallMs / 1000).toFixed(1)} s wall overall (two rehearse processes, two mock processes);`,
        `  the resumed run: ${(rec.wallMs / 1000).toFixed(1)} s, ${Math.round(stats['admittedLetters']! / (rec.wallMs / 1000))} letters admitted/s;`,
        `  killed rehearse at ${killedAtFinal} final letters, the mock at ${mockKilledAtFinal};`,
        `  requests: ${JSON.stringify(rec.delivery)}; counters ${JSON.stringify(rec.counters)};`,
        `  answers ${JSON.stringify(rec.answers)}; processed ${rec.processed}, rejected ${JSON.stringify(rec.rejected)}`,
      ].join('\n'),
    );
  }, 240_000);
});
