/**
 * The README's TLS commands, run as written: `bbsim pki init`, `bbsim mock --tls pki`, and curl
 * with the afnemer's certificate (without one: 401).
 */
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bbsim-pki-cmd-'));
let mock: MockProcess | undefined;
afterAll(() => {
  killMock(mock);
  rmSync(dir, { recursive: true, force: true });
});

const bbsim = (args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'bbsim.js'), ...args], { cwd: dir, encoding: 'utf8' });

describe('bbsim pki init and bbsim mock --tls', () => {
  it('writes a CA, the server certificate and one client certificate per afnemer with its OIN in the subject serialNumber', () => {
    const r = bbsim(['pki', 'init']);
    expect(r.status, r.stderr).toBe(0);
    const ca = new X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt')));
    expect(ca.ca).toBe(true);
    const server = new X509Certificate(readFileSync(join(dir, 'pki', 'server.crt')));
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.subjectAltName).toMatch(/DNS:localhost.*IP Address:127\.0\.0\.1/);
    for (const a of DEFAULT_AFNEMERS) {
      const c = new X509Certificate(readFileSync(join(dir, 'pki', 'clients', `${a.oin}.crt`)));
      expect(c.subject).toContain(`serialNumber=${a.oin}`);
      expect(c.checkIssued(ca)).toBe(true);
      expect(c.verify(ca.publicKey)).toBe(true);
      expect(statSync(join(dir, 'pki', 'clients', `${a.oin}.key`)).mode & 0o077).toBe(0);
    }
    expect(readFileSync(join(dir, 'pki', 'README.md'), 'utf8')).toMatch(/--cert .*--key .*--ca/);
    // Not over an existing PKI without --force (the certificates it signed would stop working).
    const again = bbsim(['pki', 'init']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/--force/);
    expect(existsSync(join(dir, 'pki', 'ca.key'))).toBe(true);
  });

  it('bbsim mock --tls pki serves https; curl with the afnemer certificate reads its verwerkingsberichten, without one gets 401', async () => {
    mock = await startMockProcess(['--tls', join(dir, 'pki')]);
    expect(mock.url).toMatch(/^https:/);
    expect(mock.output()).toMatch(/afnemer identity: client certificate/);
    const port = new URL(mock.url).port;
    const oin = DEFAULT_AFNEMERS[0]!.oin;
    const curl = (extra: string[]) =>
      spawnSync(
        'curl',
        [
          '-s',
          '-w',
          '\n%{http_code}',
          '--cacert',
          'pki/ca.crt',
          ...extra,
          `https://localhost:${port}/berichtenbox/verwerkingsberichten`,
        ],
        { cwd: dir, encoding: 'utf8' },
      );
    const withCert = curl(['--cert', `pki/clients/${oin}.crt`, '--key', `pki/clients/${oin}.key`]);
    expect(withCert.stdout.trim().split('\n').at(-1), withCert.stdout + withCert.stderr).toBe('200');
    expect(withCert.stdout).toMatch(/"items":\[\]/);
    const without = curl([]);
    expect(without.stdout).toMatch(/BBSIM_CLIENT_CERTIFICATE_REQUIRED/);
    expect(without.stdout.trim().split('\n').at(-1)).toBe('401');
    expect((await stopMock(mock)).code).toBe(0);
  }, 60_000);

  it('bbsim mock --tls with a folder without a PKI exits 2 naming the file', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'bbsim.js'), 'mock', '--port', '0', '--tls', join(dir, 'nothing')],
      { cwd: dir, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tls\.key: cannot read .*server\.key.*bbsim pki init/);
  });
});
