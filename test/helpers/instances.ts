import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killMock, startMockProcess, type MockProcess } from './mock-process.ts';

export const OPERATOR_TOKEN = 'operator-token-for-the-instances-test';

/** Starts `n` mock processes on one database (config written to `dir`), in parallel. */
export async function startInstances(
  n: number,
  dir: string,
  config: Record<string, unknown>,
  args: readonly string[] = [],
): Promise<MockProcess[]> {
  const path = join(dir, `mock-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ auth: { operatorToken: OPERATOR_TOKEN }, ...config }));
  const started = await Promise.allSettled(
    Array.from({ length: n }, () => startMockProcess(['--config', path, ...args], 45_000)),
  );
  const ok = started
    .filter((s): s is PromiseFulfilledResult<MockProcess> => s.status === 'fulfilled')
    .map((s) => s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const p of ok) killMock(p);
    throw failed.reason;
  }
  return ok;
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
