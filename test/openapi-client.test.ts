/**
 * The README's client: TypeScript types generated with openapi-typescript from the live
 * /openapi.json of a listening mock, the README's typed call compiled against them with tsc --strict
 * and run against the same mock. A call that uses a field the document does not have must not compile.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMock } from '../src/mock/app.ts';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const START = Date.parse('2027-03-04T14:00:00+01:00');
const OIN = '00000001003214345000';

/** The README's ```ts block of the OpenAPI section. */
function readmeClient(): string {
  const section = README.slice(README.indexOf('### The OpenAPI document'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error('no ```ts block in the README section "The OpenAPI document"');
  return m[1];
}

function tsc(dir: string, file: string): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--noUncheckedIndexedAccess',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--lib',
      'es2022,dom',
      join(dir, file),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('a TypeScript client from /openapi.json (openapi-typescript)', () => {
  let app: FastifyInstance;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    app = await buildMock({ logger: false, clock: { start: START } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'bbsim-client-'));
    // The README command, against this mock's port (asynchronously: the mock answers in this process).
    await promisify(execFile)(
      'npx',
      ['openapi-typescript', `${base}/openapi.json`, '-o', join(dir, 'bbsim-api.d.ts')],
      { cwd: ROOT, timeout: 45_000 },
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the README call compiles against the generated types and delivers a batch', async () => {
    writeFileSync(join(dir, 'client.ts'), readmeClient());
    const compiled = tsc(dir, 'client.ts');
    expect(compiled.status, compiled.out).toBe(0);

    const { deliver } = (await import(join(dir, 'client.ts'))) as {
      deliver: (base: string, oin: string, batch: unknown) => Promise<{ BatchID?: string; status?: string }>;
    };
    const batchId = 'c8d3b0a4-1f7e-4b8a-9a55-2d0f3e6b7c19';
    const receipt = await deliver(base, OIN, {
      Berichten: {
        BatchInformatie: { BatchID: batchId, AanmaakDatum: new Date(START).toISOString(), BerichtLeverancierID: OIN },
        Bericht: [
          {
            BerichtInformatie: {
              BerichtID: '5b0e7f0c-8f0e-4c59-9d5e-3f1a2b3c4d5e',
              BerichtType: 'VAIB',
              Onderwerp: 'Test',
              BerichtTekst: 'Hallo',
              GebruikerID: '111222333',
              SoortGebruiker: 'Burger',
            },
          },
        ],
      },
    });
    expect(receipt).toMatchObject({ BatchID: batchId, status: 'geaccepteerd' });
  }, 60_000);

  it('a call with a field the document does not have does not compile (so the types check something)', () => {
    writeFileSync(
      join(dir, 'wrong.ts'),
      `${readmeClient()}
export async function wrong(base: string, batch: Batch): Promise<string> {
  const receipt = await deliver(base, '${OIN}', batch);
  return receipt.BatchId ?? '';
}
`,
    );
    const compiled = tsc(dir, 'wrong.ts');
    expect(compiled.status).not.toBe(0);
    expect(compiled.out).toMatch(/BatchId/);
  }, 60_000);
});
