import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  BELASTINGDIENST,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { batch, xml } from './helpers/batches.ts';
import { authnRequestXml, encodeRedirect } from './helpers/digid-sp.ts';
import { SCREENSHOT_DIR, launchChromium } from './helpers/browser.ts';

let mock: TestMock;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mock = await startTestMock();
  base = await mock.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await mock?.close();
});

/** A page that records console errors and failed requests. */
async function watchedPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

describe('HTML pages in a real browser (Debian chromium)', () => {
  it('the leveranciersportaal shows the day row of an afnemer with its counts', async () => {
    const b = batch(5);
    b.Bericht[0]!.BerichtInformatie.BerichtType = 'ONBEKEND';
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    await drainVerwerkingsberichten(mock.app);

    const { page, errors } = await watchedPage();
    // The portal shows the caller's own rows: on loopback the afnemer is named by the header.
    await page.setExtraHTTPHeaders({ 'x-afnemer-oin': BELASTINGDIENST.oin });
    const res = await page.goto(`${base}/berichtenbox/portaal`);
    expect(res?.status()).toBe(200);
    await expect(page.title()).resolves.toMatch(/Leveranciersportaal/);
    const headers = (await page.locator('#portaal thead th').allTextContents()).map((h) => h.trim());
    expect(headers.slice(0, 5)).toEqual(['Dag', 'Afnemer', 'OIN', 'Aangeboden', 'Verwerkt']);
    const cells = await page.locator('#portaal tbody tr').first().locator('td').allTextContents();
    const col = (name: string): string => cells[headers.indexOf(name)] ?? '';
    expect(col('Afnemer')).toBe('Belastingdienst');
    expect(col('OIN')).toBe(BELASTINGDIENST.oin);
    expect(col('Aangeboden')).toBe('5');
    expect(col('Verwerkt')).toBe('4');
    expect(col('BerichtTypeNietOndersteund')).toBe('1');
    // Readable on a laptop screen: the table fits the viewport width.
    const width = await page.locator('#portaal').evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(1366);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'portaal.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the DigiD login page logs a test user in and sends the browser back with a SAMLart', async () => {
    const acs = `${base}/acs-test`;
    const { page, errors } = await watchedPage();
    const samlRequest = encodeRedirect(authnRequestXml({ acsUrl: acs, id: '_browser1' }));
    await page.goto(`${base}/digid/saml/idp/request_authentication?SAMLRequest=${samlRequest}&RelayState=terug`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'digid-login.png') });
    const users = (await (await fetch(`${base}/digid/test-users?n=1`)).json()) as
      | { users?: { bsn?: string; username?: string }[] }
      | { bsn?: string; username?: string }[];
    const list = Array.isArray(users) ? users : (users.users ?? []);
    const username = list[0]?.username ?? list[0]?.bsn;
    expect(username).toMatch(/^\d{9}$/);
    await page.fill('#username', username!);
    await page.fill('#password', 'bbsim');
    // The ACS is a path the mock does not serve: we only want the URL the browser was sent to.
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(acs)), page.click('#submit')]);
    const url = new URL(request.url());
    expect(url.searchParams.get('SAMLart')).toBeTruthy();
    expect(url.searchParams.get('RelayState')).toBe('terug');
    // The only failed load may be the ACS itself, which this mock does not serve.
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await page.close();
  });
});
