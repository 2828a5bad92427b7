/**
 * The load side over mutual TLS, end to end against the mock's real TLS socket: a generated k6
 * script (tlsAuth from -e TLS_CERT/TLS_KEY, the test CA through SSL_CERT_FILE), the native engine
 * (undici connect options) and `bbsim rehearse --cert/--key/--ca` each deliver as the afnemer whose
 * OIN is in the certificate.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNative } from '../src/engine/index.ts';
import { runScenario } from '../src/run/index.ts';
import type { RunSummary } from '../src/results/index.ts';
import { generateK6Script } from '../src/k6gen/index.ts';
import { defaultDataOptions } from '../src/run/mock-defaults.ts';
import { buildMock } from '../src/mock/app.ts';
import { perMinute } from '../src/norms/index.ts';
import { defineScenario } from '../src/scenario/index.ts';
import { BELASTINGDIENST } from './helpers/mock.ts';
import { makeTestPki, tlsRequest, type TestPki } from './helpers/tls.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-tls-clients-'));
let pki: TestPki;
let app: FastifyInstance;
let base: string;
const certFile = join(dir, 'a.crt');
const keyFile = join(dir, 'a.key');

beforeAll(async () => {
  pki = makeTestPki();
  writeFileSync(certFile, pki.a.certPem);
  writeFileSync(keyFile, pki.a.keyPem);
  app = await buildMock({
    db: join(dir, 'mock.db'),
    clock: { speed: 60, start: '2027-03-02T10:00:00+01:00' },
    maintenance: { enabled: false },
    workerIntervalMs: 20,
    tls: pki.files,
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

/** The afnemer's own portal totals, read with its certificate. */
async function offered(): Promise<number> {
  const rows = (await tlsRequest(base, pki, pki.a, { path: '/berichtenbox/portaal.json' })).json<{
    rows: { offered: number }[];
  }>().rows;
  return rows.reduce((n, r) => n + r.offered, 0);
}

const scenario = defineScenario({
  name: 'tls-delivery',
  description: 'Deliveries and verwerkingsberichten over mutual TLS',
  clock: { speed: 60 },
  flows: [{ flow: 'deliver-batch', weight: 3 }, { flow: 'fetch-verwerkingsberichten' }],
  load: { kind: 'constant', rate: perMinute(600), duration: '5m' }, // 5 sim minutes = 5 wall s at speed 60
  data: { batchSize: 20 },
});

describe('load over mutual TLS', () => {
  it('a generated k6 script delivers with tlsAuth from the environment; without the certificate every afnemer request is refused', async () => {
    const script = join(dir, 'tls-delivery.js');
    writeFileSync(script, generateK6Script(scenario, defaultDataOptions(scenario)));
    const k6 = async (
      env: string[],
    ): Promise<{
      code: number;
      out: string;
      summary: { metrics: Record<string, { values: Record<string, number> }> };
    }> => {
      const summaryPath = join(dir, `summary-${env.length}.json`);
      let code = 0;
      let out = '';
      try {
        const r = await promisify(execFile)(
          K6,
          [
            'run',
            '--quiet',
            '--no-usage-report',
            '-e',
            `BASE_URL=${base}`,
            '-e',
            `SUMMARY_PATH=${summaryPath}`,
            ...env,
            script,
          ],
          { encoding: 'utf8', timeout: 90_000, env: { ...process.env, SSL_CERT_FILE: pki.files.ca } },
        );
        out = `${r.stdout}\n${r.stderr}`;
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        code = e.code ?? -1;
        out = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
      }
      return {
        code,
        out,
        summary: (
          JSON.parse(readFileSync(summaryPath, 'utf8')) as {
            k6: { metrics: Record<string, { values: Record<string, number> }> };
          }
        ).k6,
      };
    };
    const before = await offered();
    const withCert = await k6(['-e', `TLS_CERT=${certFile}`, '-e', `TLS_KEY=${keyFile}`]);
    expect(withCert.code, withCert.out).toBe(0);
    const m = withCert.summary.metrics;
    expect(m['checks']!.values['rate'], withCert.out).toBe(1);
    const admitted = m['bbsim_letters_admitted']!.values['count']!;
    expect(admitted).toBeGreaterThan(0);
    // The mock counted them for the afnemer of the certificate.
    expect((await offered()) - before).toBe(admitted);

    const without = await k6([]);
    expect(without.summary.metrics['bbsim_letters_admitted']?.values['count'] ?? 0).toBe(0);
    expect(without.summary.metrics['checks']!.values['rate']).toBe(0);
  }, 120_000);

  it('the native engine delivers over mutual TLS (undici connect options)', async () => {
    const before = await offered();
    const result = await runNative(scenario, {
      base,
      data: defaultDataOptions(scenario),
      connections: 16,
      tls: { cert: pki.a.certPem, key: pki.a.keyPem, ca: pki.ca.certPem },
    });
    expect(result.failures.byStatus, JSON.stringify(result.failures)).toEqual({});
    const m = result.k6.metrics;
    expect(m['checks']?.values['rate']).toBe(1);
    const admitted = m['bbsim_letters_admitted']!.values['count']!;
    expect(admitted).toBeGreaterThan(0);
    expect((await offered()) - before).toBe(admitted);
  }, 60_000);

  it('bbsim rehearse --cert/--key/--ca delivers and reconciles as the afnemer of the certificate', async () => {
    const before = await offered();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'bbsim.js'),
        'rehearse',
        '--generate',
        '300',
        '--batch-size',
        '100',
        '--target',
        base,
        '--cert',
        certFile,
        '--key',
        keyFile,
        '--ca',
        pki.files.ca,
        '--ledger',
        join(dir, 'rehearse.ledger.db'),
        '--stall-timeout',
        '60',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/leveranciersportaal: matches/);
    expect((await offered()) - before).toBe(300);
    // The OIN came from the certificate: an --afnemer that differs is a usage error before anything is sent.
    const wrong = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'bbsim.js'),
        'rehearse',
        '--generate',
        '10',
        '--target',
        base,
        '--cert',
        certFile,
        '--key',
        keyFile,
        '--afnemer',
        '00000001005401014000',
        '--dry-run',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    wrong.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    expect(await new Promise<number | null>((resolve) => wrong.once('exit', resolve))).toBe(2);
    expect(err).toMatch(new RegExp(`differs from the OIN ${BELASTINGDIENST.oin}`));
  }, 90_000);

  it('bbsim run against an https target: k6 and the native engine over mutual TLS, the server figures read trusting the test CA', async () => {
    for (const engine of ['k6', 'native'] as const) {
      const before = await offered();
      // A bounded pool for the native engine: each new connection costs an RSA-2048 handshake, and one
      // per iteration in flight (the default) opened at once timed out at connect on a loaded 2-core machine.
      const result = await runScenario({
        scenario,
        target: base,
        tls: { cert: certFile, key: keyFile, ca: pki.files.ca },
        engine,
        native: { connections: 16 },
        outDir: dir,
        k6Path: K6,
        runId: `run-${engine}`,
        log: () => undefined,
      });
      expect(result.exitCode, `${engine}: ${result.error ?? ''}`).not.toBe(2);
      const summary = JSON.parse(readFileSync(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.server?.status, engine).toBeDefined();
      expect(summary.errors?.byStatus ?? {}, `${engine}: ${JSON.stringify(summary.errors)}`).toEqual({});
      expect((await offered()) - before, engine).toBe(summary.k6.metrics['bbsim_letters_admitted']?.values['count']);
    }
  }, 120_000);
});
