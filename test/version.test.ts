import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BBSIM_VERSION } from '../src/version.ts';
import { startTestMock } from './helpers/mock.ts';

const ROOT = join(import.meta.dirname, '..');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('one version string, read from package.json', () => {
  it('is the package version', () => {
    expect(BBSIM_VERSION).toBe(PACKAGE_VERSION);
  });

  it('is what `bbsim --version` prints', () => {
    expect(execFileSync(process.execPath, ['bin/bbsim.js', '--version'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(
      PACKAGE_VERSION,
    );
  });

  it("is what the mock's OpenAPI document declares", async () => {
    const mock = await startTestMock();
    try {
      const doc = (await mock.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        info: { version: string };
      }>();
      expect(doc.info.version).toBe(PACKAGE_VERSION);
    } finally {
      await mock.close();
    }
  });
});
