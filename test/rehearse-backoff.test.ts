/**
 * Back-off and pacing, with injected clocks: Retry-After is honoured in full (delta-seconds and
 * HTTP-date), exponential back-off is jittered and capped, the pacer spreads letters over the hour
 * and stops at the hourly and daily limits of the afnemer's share. And a whole rehearsal against a
 * scripted target in virtual time: a 429 with Retry-After 7 s and a 503 with Retry-After 2 s must
 * delay the next offer by at least that long.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOUR, ManualClock, fromLocal } from '../src/clock/index.ts';
import type { ClientRequest, ClientResponse, HttpClient } from '../src/engine/client.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { DEFAULT_BACKOFF, backoffDelay, parseRetryAfter } from '../src/rehearse/backoff.ts';
import { Pacer } from '../src/rehearse/pacer.ts';
import { runRehearsal } from '../src/rehearse/rehearse.ts';

describe('Retry-After and back-off', () => {
  it('reads Retry-After as seconds or an HTTP-date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(' 0 ', 0)).toBe(0);
    const now = Date.parse('2027-03-02T08:00:00Z');
    expect(parseRetryAfter('Tue, 02 Mar 2027 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 02 Mar 2027 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('never waits less than Retry-After, and adds at most a little jitter', () => {
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffDelay(1, 7000, () => r);
      expect(d).toBeGreaterThanOrEqual(7000);
      expect(d).toBeLessThanOrEqual(7000 + DEFAULT_BACKOFF.retryAfterJitterMs);
    }
    expect(backoffDelay(1, 1000, () => 0.999)).toBeLessThanOrEqual(1100);
    // Repeated failures: the back-off may ask for longer than the Retry-After, never shorter.
    expect(backoffDelay(10, 1000, () => 0)).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.capMs / 2);
  });

  it('backs off exponentially with jitter, capped', () => {
    const lo = (f: number): number => backoffDelay(f, undefined, () => 0);
    const hi = (f: number): number => backoffDelay(f, undefined, () => 0.999_999);
    expect(lo(1)).toBe(DEFAULT_BACKOFF.baseMs / 2);
    expect(hi(1)).toBeCloseTo(DEFAULT_BACKOFF.baseMs, 0);
    expect(lo(3)).toBe(DEFAULT_BACKOFF.baseMs * 2);
    expect(hi(40)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(lo(40)).toBe(DEFAULT_BACKOFF.capMs / 2);
  });
});

describe('pacer', () => {
  const make = (clock: ManualClock, used: Record<string, number>, perHour = 3600, perDay = 50_000) => {
    const sleeps: number[] = [];
    const pacer = new Pacer({
      perHour,
      perDay,
      burst: 100,
      clock,
      used: (kind, key) => used[`${kind}:${key}`] ?? 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(clock.toSimMs(ms));
      },
      stopped: () => false,
    });
    return { pacer, sleeps };
  };

  it('spreads letters over the hour at the share of the norm (token bucket on the target clock)', async () => {
    const clock = new ManualClock(fromLocal(2027, 3, 2, 10, 0, 0), 60);
    const { pacer, sleeps } = make(clock, {});
    await pacer.acquire(100); // the bucket starts full
    expect(sleeps).toEqual([]);
    const r = await pacer.acquire(100); // 100 letters at 1 letter/s sim: 100 s sim = 1.67 s wall at speed 60
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeCloseTo(100_000 / 60 + 1, 0);
    expect(r?.hourKey).toBeDefined();
  });

  it('waits for the next clock hour when the hour is used, and for the next day at the daily limit', async () => {
    const start = fromLocal(2027, 3, 2, 10, 59, 0);
    const clock = new ManualClock(start, 1);
    const { pacer } = make(clock, { 'hour:2027-03-02T10': 3550 });
    const r = await pacer.acquire(100);
    expect(clock.now()).toBeGreaterThanOrEqual(fromLocal(2027, 3, 2, 11, 0, 0));
    expect(r?.hourKey).not.toBe('2027-03-02T10');

    const clock2 = new ManualClock(fromLocal(2027, 3, 2, 22, 0, 0), 1);
    const { pacer: p2 } = make(clock2, { 'day:2027-03-02': 49_950 });
    await p2.acquire(100);
    expect(clock2.now()).toBeGreaterThanOrEqual(fromLocal(2027, 3, 3, 0, 0, 0));
    expect(clock2.now()).toBeLessThan(fromLocal(2027, 3, 3, 0, 0, 0) + HOUR);
  });

  it('refuses a batch larger than the share allows per hour', () => {
    expect(() => make(new ManualClock(0), {}, 50)).toThrow(/smaller --batch-size/);
  });
});

/** Timers in virtual time: a sleep resolves when the driver advances the clock to it. */
function virtualTime() {
  let now = 1_000;
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + ms, resolve });
      }),
    /** Runs until `until` settles: whenever nothing else can run, jump to the next timer. */
    async drive<T>(until: Promise<T>): Promise<T> {
      let done = false;
      void until.finally(() => {
        done = true;
      });
      for (let steps = 0; !done && steps < 1_000_000; steps++) {
        await new Promise((r) => setImmediate(r));
        if (done) break;
        timers.sort((a, b) => a.at - b.at);
        const t = timers.shift();
        if (!t) continue;
        now = Math.max(now, t.at);
        t.resolve();
      }
      return until;
    },
  };
}

describe('a rehearsal against a scripted target, in virtual time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-backoff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the Retry-After of a 429 and of a 503 before offering the batch again', async () => {
    const vt = virtualTime();
    const input = join(dir, 'brieven.ndjson');
    const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    writeFileSync(
      input,
      ids
        .map((id) =>
          JSON.stringify({
            BerichtInformatie: {
              BerichtID: id,
              BerichtType: 'VAIB',
              Onderwerp: 'Test',
              BerichtTekst: 'Tekst',
              GebruikerID: '999990019',
              SoortGebruiker: 'Burger',
            },
          }),
        )
        .join('\n'),
    );
    const posts: { at: number; body: string }[] = [];
    let batchId = '';
    let vbServed = false;
    const answers: ClientResponse[] = [
      { status: 429, headers: { 'retry-after': '7' }, body: '{"code":"BBSIM_CAPACITY_HOUR"}', serviceMs: 1 },
      { status: 503, headers: { 'retry-after': '2' }, body: '{"code":"BBSIM_OUTAGE"}', serviceMs: 1 },
    ];
    const json = (status: number, body: unknown): ClientResponse => ({
      status,
      headers: {},
      body: JSON.stringify(body),
      serviceMs: 1,
    });
    const client: HttpClient = {
      async request(req: ClientRequest): Promise<ClientResponse> {
        if (req.path === '/status')
          return json(200, {
            now: new Date(Date.UTC(2027, 2, 2, 9) + vt.now()).toISOString(),
            speed: 1,
            intake: { hourLimit: 150_000, dayLimit: 2_500_000 },
          });
        if (req.method === 'POST' && req.path === '/berichtenbox/afleveren') {
          const body = String(req.body);
          batchId = /<BatchID>([^<]+)<\/BatchID>/.exec(body)?.[1] ?? '';
          posts.push({ at: vt.now(), body });
          return answers.shift() ?? json(202, { BatchID: batchId, attempt: 1, letters: 2 });
        }
        if (req.path.startsWith('/berichtenbox/verwerkingsberichten?')) {
          const ready = posts.length === 3 && !vbServed;
          return json(200, {
            items: ready
              ? [
                  {
                    id: 1,
                    attempt: 1,
                    BerichtVerwerkResponse: {
                      BatchInformatie: { BatchID: batchId },
                      Berichten: { Bericht: ids.map((id) => ({ BerichtID: id, VerwerkingsCode: 'Verwerkt' })) },
                    },
                  },
                ]
              : [],
          });
        }
        if (req.path === '/berichtenbox/verwerkingsberichten/ack') {
          vbServed = true;
          return json(200, { acknowledged: [1] });
        }
        return json(404, { code: 'BBSIM_NOT_FOUND' });
      },
      async close() {},
    };
    const events: Record<string, unknown>[] = [];
    const result = await vt.drive(
      runRehearsal(
        {
          input: { kind: 'ndjson', path: input },
          target: 'http://127.0.0.1:1',
          allowRemote: false,
          afnemerOin: undefined,
          mockConfig: loadMockConfig({}),
          share: 1,
          batchSize: 1000,
          format: 'xml',
          concurrency: 2,
          ledgerPath: join(dir, 'brieven.ledger.db'),
          rejectsPath: join(dir, 'brieven.rejects.ndjson'),
          rejectsFull: true,
          quarantine: false,
          maxRejectShare: 1,
          dryRun: false,
          json: true,
          requestTimeoutMs: 1000,
          stallTimeoutMs: 600_000,
          pollIntervalMs: 100,
        },
        {
          client,
          sleep: vt.sleep,
          wallNow: vt.now,
          random: () => 0.5,
          output: {
            stdout: (s) => {
              for (const l of s.trim().split('\n')) events.push(JSON.parse(l) as Record<string, unknown>);
            },
            stderr: () => undefined,
            isTTY: false,
          },
        },
      ),
    );
    expect(result.exitCode, JSON.stringify(events.filter((e) => e['type'] !== 'progress'))).toBe(0);
    expect(posts).toHaveLength(3);
    // The same batch each time, and never before the Retry-After had passed.
    expect(new Set(posts.map((p) => /<BatchID>([^<]+)</.exec(p.body)?.[1])).size).toBe(1);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(7000);
    expect(posts[1]!.at - posts[0]!.at).toBeLessThanOrEqual(7000 + DEFAULT_BACKOFF.retryAfterJitterMs);
    expect(posts[2]!.at - posts[1]!.at).toBeGreaterThanOrEqual(2000);
    const waits = events.filter((e) => e['type'] === 'wait');
    expect(waits.map((w) => [w['status'], w['retryAfterMs']])).toEqual([
      [429, 7000],
      [503, 2000],
    ]);
    expect(result.reconciliation).toMatchObject({
      reconciled: true,
      processed: 2,
      open: 0,
      portal: { status: 'skipped' },
    });
  });
});
