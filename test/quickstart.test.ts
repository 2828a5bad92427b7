import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OIN = '00000001003214345000';
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Resolves with the mock's base URL from its first output line. */
function waitForListening(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`mock did not start in ${timeoutMs} ms:\n${out}\n${err}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mock exited with ${String(code)}:\n${out}\n${err}`));
    });
  });
}

describe('README quick start', () => {
  it('the set-up installed k6 v1.8.1 at .tools/bin/k6', () => {
    const out = execFileSync(join(ROOT, '.tools', 'bin', 'k6'), ['version'], { encoding: 'utf8' });
    expect(out).toMatch(/k6 v1\.8\.1/);
  });

  it('`npm start` starts the mock, which accepts an example batch and answers its verwerkingsbericht', async () => {
    const child = spawn('npm', ['start', '--silent', '--', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    const base = await waitForListening(child);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const xml = execFileSync(process.execPath, [join(ROOT, 'bin', 'bbsim.js'), 'example-batch', '--letters', '20'], {
      encoding: 'utf8',
    });
    const res = await fetch(`${base}/berichtenbox/afleveren`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'x-afnemer-oin': OIN },
      body: xml,
    });
    expect(res.status).toBe(202);

    // Sim speed 1: 20 letters park in under half a second and are processed 2 s later.
    let codes: string[] = [];
    const deadline = Date.now() + 15_000;
    while (codes.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const page = (await (
        await fetch(`${base}/berichtenbox/verwerkingsberichten`, { headers: { 'x-afnemer-oin': OIN } })
      ).json()) as { items: { BerichtVerwerkResponse: { Berichten: { Bericht: { VerwerkingsCode: string }[] } } }[] };
      codes = page.items.flatMap((i) => i.BerichtVerwerkResponse.Berichten.Bericht.map((b) => b.VerwerkingsCode));
    }
    expect(codes).toEqual(Array(20).fill('Verwerkt'));

    // Ctrl-C (SIGINT to the process group, as a terminal does) closes it cleanly.
    process.kill(-child.pid!, 'SIGINT');
    const [code] = await once(child, 'exit');
    expect(code === 0 || code === null).toBe(true);
  });

  it('bad flags get a clear message and exit code 2', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'bin', 'bbsim.js'), 'mock', '--speed', 'fast'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      const e = err as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/--speed must be a number > 0, got 'fast'/);
  });
});
