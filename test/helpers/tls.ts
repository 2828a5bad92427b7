import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/clock/index.ts';
import { buildMock } from '../../src/mock/app.ts';
import type { MockConfigInput } from '../../src/mock/config.ts';
import { TestCa, type KeyAndCertificate } from '../../src/mock/test-pki.ts';
import { BELASTINGDIENST, T0, UWV } from './mock.ts';

export interface TestPki {
  readonly dir: string;
  readonly ca: TestCa;
  /** PEM file paths of the mock's side. */
  readonly files: { readonly key: string; readonly cert: string; readonly ca: string };
  readonly a: KeyAndCertificate;
  readonly b: KeyAndCertificate;
}

/** A CA, the mock's server certificate, and client certificates for the Belastingdienst (a) and UWV (b). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-pki-'));
  const ca = new TestCa();
  const server = ca.server();
  const files = { key: join(dir, 'server.key'), cert: join(dir, 'server.crt'), ca: join(dir, 'ca.crt') };
  writeFileSync(files.key, server.keyPem);
  writeFileSync(files.cert, server.certPem);
  writeFileSync(files.ca, ca.certPem);
  return { dir, ca, files, a: ca.client(BELASTINGDIENST), b: ca.client(UWV) };
}

export interface TlsMock {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly url: string;
  close(): Promise<void>;
}

/** The real app over a real TLS socket on 127.0.0.1, with client certificates, a manual clock and its own SQLite file. */
export async function startTlsMock(pki: TestPki, config: MockConfigInput = {}): Promise<TlsMock> {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-tls-'));
  const clock = new ManualClock(T0, 1);
  const app = await buildMock(
    { db: join(dir, 'mock.db'), workerIntervalMs: 60_000, tls: pki.files, ...config },
    { clock },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    clock,
    url,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** One request over TLS as a client holding `cert` (or none), trusting the test CA. */
export async function tlsRequest(
  url: string,
  pki: TestPki,
  cert: KeyAndCertificate | undefined,
  opts: { method?: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  const agent = new Agent({
    connect: { ca: pki.ca.certPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) },
  });
  try {
    const res = await request(url + opts.path, {
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      dispatcher: agent,
    });
    const body = await res.body.text();
    return { status: res.statusCode, body, json: <T>() => JSON.parse(body) as T };
  } finally {
    await agent.close();
  }
}
