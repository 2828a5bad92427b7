/**
 * Rehearsals against the real mock over a loopback socket (in this process, its own SQLite file,
 * sim speed 600): the afnemer's own XML batches (sent as they are; a quarter of the letters answered
 * TechnischProbleem each attempt, so partial redeliveries are rendered from the parsed files), an
 * NDJSON file sent as JSON, and its reject file fed back. Each must reconcile with the
 * leveranciersportaal. And a dry run plans on the mock's clock and limits from GET /status.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBatch, renderBerichtenXml } from '../src/berichten/index.ts';
import { buildMock } from '../src/mock/app.ts';
import { loadMockConfig, type MockConfigInput } from '../src/mock/config.ts';
import { createPopulation } from '../src/population/index.ts';
import { generatedLetter, type GenerateSpec } from '../src/rehearse/generate-letters.ts';
import { runRehearsal, type RehearseInput, type RehearseResult } from '../src/rehearse/rehearse.ts';

const CONFIG: MockConfigInput = {
  seed: 3,
  clock: { start: '2027-03-02T10:00:00+01:00', speed: 600 },
  faults: { technischProbleemRate: 0.25 },
  workerIntervalMs: 20,
};
const config = loadMockConfig(CONFIG);
const population = createPopulation({ seed: config.seed, ...config.population });
const OIN = config.afnemers[0]!.oin;

describe('rehearse against the mock over a socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-mock-'));
  let app: FastifyInstance;
  let target: string;

  beforeAll(async () => {
    app = await buildMock({ ...CONFIG, db: join(dir, 'mock.db') });
    target = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rehearse = (input: RehearseInput, name: string, over: { format?: 'xml' | 'json'; dryRun?: boolean } = {}) => {
    const out: string[] = [];
    const events: Record<string, unknown>[] = [];
    return runRehearsal(
      {
        input,
        target,
        allowRemote: false,
        afnemerOin: undefined,
        mockConfig: config,
        share: 1,
        batchSize: 50,
        format: over.format ?? 'xml',
        concurrency: 3,
        ledgerPath: join(dir, `${name}.ledger.db`),
        rejectsPath: join(dir, `${name}.rejects.ndjson`),
        rejectsFull: true,
        quarantine: false,
        maxRejectShare: 1,
        dryRun: over.dryRun ?? false,
        json: false,
        requestTimeoutMs: 10_000,
        stallTimeoutMs: 30_000,
        pollIntervalMs: 50,
      },
      { output: { stdout: (s) => out.push(s), stderr: () => undefined, isTTY: false } },
    ).then((r): RehearseResult & { text: string; events: typeof events } => ({ ...r, text: out.join(''), events }));
  };

  it("sends the afnemer's XML batches as they are, redelivers TechnischProbleem letters from them, and reconciles", async () => {
    const folder = join(dir, 'batches');
    mkdirSync(folder);
    const now = app.bbsim.clock.now();
    for (let k = 0; k < 3; k++) {
      const b = generateBatch({
        seed: 100 + k,
        afnemerOin: OIN,
        berichtType: 'AANSLAG',
        letters: 40,
        now,
        population,
        attachmentShare: k === 1 ? 0.5 : 0,
        attachmentBytes: 2_000,
      });
      // Prefixes and formatting of our own: the file goes out byte for byte.
      writeFileSync(
        join(folder, `batch-${k}.xml`),
        renderBerichtenXml(b)
          .replaceAll('ber:', 'b:')
          .replace('xmlns:ber=', 'xmlns:b=')
          .replaceAll('<b:Bericht>', '\n  <b:Bericht>'),
      );
    }
    const r = await rehearse({ kind: 'xml', path: folder }, 'xml');
    expect(r.exitCode, r.text).toBe(0);
    expect(r.reconciliation).toMatchObject({
      offered: 120,
      open: 0,
      duplicates: 0,
      reconciled: true,
      portal: { status: 'matches' },
    });
    expect(r.reconciliation?.answers['TechnischProbleem'] ?? 0).toBeGreaterThan(0);
    expect(r.stats?.redeliveries).toBeGreaterThan(0);
    expect(r.text).toContain('Reconciliation: RECONCILED');
  });

  it('sends an NDJSON file as JSON batches; its reject file, fed back, is rejected the same way', async () => {
    const spec: GenerateSpec = {
      seed: 9,
      count: 200,
      afnemerOin: OIN,
      berichtTypes: config.afnemers[0]!.berichtTypes,
      otherOin: config.afnemers[1]!.oin,
      population,
      at: app.bbsim.clock.now(),
      attachmentShare: 0.05,
      notSubscribedShare: 0.05,
      invalidShare: 0.1,
    };
    const path = join(dir, 'brieven.ndjson');
    writeFileSync(
      path,
      Array.from({ length: spec.count }, (_, i) => JSON.stringify(generatedLetter(spec, i).letter)).join('\n'),
    );
    const first = await rehearse({ kind: 'ndjson', path }, 'brieven', { format: 'json' });
    expect(first.exitCode, first.text).toBe(0);
    const rec = first.reconciliation!;
    const rejected = Object.values(rec.rejected).reduce((a, b) => a + b, 0);
    expect(rejected).toBeGreaterThanOrEqual(20);
    expect(rec.processed + rejected).toBe(200);
    expect(rec.portal.status).toBe('matches');

    const rejects = join(dir, 'brieven.rejects.ndjson');
    const lines = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            BerichtInformatie: Record<string, string>;
            Verwerking: { VerwerkingsCode: string; Bron: string };
          },
      );
    expect(lines).toHaveLength(rejected);
    expect(
      lines.every(
        (l) => l.BerichtInformatie['BatchID'] === undefined && /brieven\.ndjson:\d+$/.test(l.Verwerking.Bron),
      ),
    ).toBe(true);
    const again = await rehearse({ kind: 'ndjson', path: rejects }, 'again', { format: 'xml' });
    expect(again.exitCode, again.text).toBe(0);
    // Unfixed, every one is refused again for the same reason (a double stays a double: its original is stored).
    const before = Object.fromEntries(Object.entries(rec.rejected).sort());
    expect(Object.fromEntries(Object.entries(again.reconciliation!.rejected).sort())).toEqual(before);
  });

  it('a dry run plans on the target clock and limits from GET /status', async () => {
    const path = join(dir, 'drie.ndjson');
    writeFileSync(path, ['a', 'b', 'c'].map((x) => JSON.stringify({ BerichtInformatie: { BerichtID: x } })).join('\n'));
    const r = await rehearse({ kind: 'ndjson', path }, 'drie', { dryRun: true });
    expect(r.exitCode).toBe(0);
    expect(r.plan?.input).toMatchObject({ speed: 600, clockSource: 'status', targetHourLimit: 150_000, letters: 3 });
    expect(r.text).toMatch(/at speed 600 \(GET \/status\), limits 150,000\/h, 2,500,000\/day/);
  });
});
