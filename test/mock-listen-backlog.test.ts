import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOCK_LISTEN_BACKLOG } from '../src/mock/app.ts';
import { startMockProcess, stopMock } from './helpers/mock-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-backlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The accept queue a listening socket on 127.0.0.1:port was given: ss's Send-Q of a LISTEN socket. */
function listenBacklog(port: number): number {
  const out = execFileSync('ss', ['-ltnH', 'sport', '=', `:${port}`], { encoding: 'utf8' }).trim();
  // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
  const sendQ = out.split(/\s+/)[2];
  if (sendQ === undefined) throw new Error(`no listening socket on port ${port}: ${JSON.stringify(out)}`);
  return Number(sendQ);
}

describe('bbsim mock listen backlog', () => {
  // Node's default of 511 overflowed under a peak's burst of connections (each overflowing SYN
  // retried after 1, 3, 7 … s); `bbsim mock` now listens as the runner's mock does.
  it('bbsim mock listens with the accept queue of the runner’s mock (4,096), not Node’s 511', async () => {
    const somaxconn = Number(execFileSync('cat', ['/proc/sys/net/core/somaxconn'], { encoding: 'utf8' }).trim());
    const mock = await startMockProcess(['--db', join(dir, 'mock.db')]);
    try {
      const port = Number(new URL(mock.url).port);
      expect(listenBacklog(port)).toBe(Math.min(MOCK_LISTEN_BACKLOG, somaxconn));
      expect(Math.min(MOCK_LISTEN_BACKLOG, somaxconn)).toBeGreaterThan(511);
    } finally {
      await stopMock(mock);
    }
  });
});
