import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../src/clock/index.ts';
import { buildMock } from '../../src/mock/app.ts';
import type { MockConfigInput } from '../../src/mock/config.ts';
import { DEFAULT_AFNEMERS } from '../../src/mock/afnemers.ts';

export const BELASTINGDIENST = DEFAULT_AFNEMERS[0]!;
export const UWV = DEFAULT_AFNEMERS[1]!;

/** A fixed sim start inside a normal working day (Amsterdam 10:00). */
export const T0 = Date.UTC(2026, 10, 17, 9, 0, 0);

export interface TestMock {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly dir: string;
  readonly dbPath: string;
  close(): Promise<void>;
}

/** The real app on a real SQLite file in a temp dir, with a manual clock. */
export async function startTestMock(config: MockConfigInput = {}, start = T0): Promise<TestMock> {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-test-'));
  const dbPath = join(dir, 'mock.db');
  const clock = new ManualClock(start, config.clock?.speed ?? 1);
  const app = await buildMock({ db: dbPath, workerIntervalMs: 60_000, ...config }, { clock });
  await app.ready();
  return {
    app,
    clock,
    dir,
    dbPath,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function deliverXml(
  app: FastifyInstance,
  xml: string,
  oin: string = BELASTINGDIENST.oin,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/berichtenbox/afleveren',
    headers: { 'content-type': 'application/xml', 'x-afnemer-oin': oin },
    payload: xml,
  });
}

export function deliverJson(
  app: FastifyInstance,
  body: unknown,
  oin: string = BELASTINGDIENST.oin,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/berichtenbox/afleveren',
    headers: { 'content-type': 'application/json', 'x-afnemer-oin': oin },
    payload: JSON.stringify(body),
  });
}

interface VbLetter {
  BerichtID: string;
  BerichtType: string;
  VerwerkingsCode: string;
  Stadium: string;
  Toelichting: string;
}
export interface VbItem {
  id: number;
  attempt: number;
  BerichtVerwerkResponse: { BatchInformatie: Record<string, unknown>; Berichten: { Bericht: VbLetter[] } };
}

/** Processes what is due and returns (and acknowledges) every pending verwerkingsbericht of an afnemer. */
export async function drainVerwerkingsberichten(
  app: FastifyInstance,
  oin: string = BELASTINGDIENST.oin,
  ack = true,
): Promise<VbItem[]> {
  await app.bbsim.processDue();
  const all: VbItem[] = [];
  let after: number | undefined;
  for (;;) {
    const res = await app.inject({
      method: 'GET',
      url: `/berichtenbox/verwerkingsberichten?limit=100${after !== undefined ? `&after=${after}` : ''}`,
      headers: { 'x-afnemer-oin': oin },
    });
    if (res.statusCode !== 200) throw new Error(`verwerkingsberichten: ${res.statusCode} ${res.body}`);
    const page = res.json<{ items: VbItem[]; nextCursor: number | null }>();
    all.push(...page.items);
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  if (ack && all.length > 0) {
    const res = await app.inject({
      method: 'POST',
      url: '/berichtenbox/verwerkingsberichten/ack',
      headers: { 'x-afnemer-oin': oin },
      payload: { ids: all.map((i) => i.id) },
    });
    if (res.statusCode !== 200) throw new Error(`ack: ${res.statusCode} ${res.body}`);
  }
  return all;
}

export async function devToken(app: FastifyInstance, bsn: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/dev/token', payload: { bsn } });
  if (res.statusCode !== 200) throw new Error(`dev token: ${res.statusCode} ${res.body}`);
  return res.json<{ token: string }>().token;
}
