import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (installed by scripts/setup); CHROMIUM_PATH overrides. No browser download. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'results', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no chromium at ${CHROMIUM}: run scripts/setup (it installs Debian's chromium) or set CHROMIUM_PATH`,
    );
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Flags: run as root in a sandbox-less container, and keep the browser off the (closed) network.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
