/**
 * Dev shortcuts off when exposed: a mock whose config listens beyond loopback hands out no session
 * without a password and trusts no X-Afnemer-OIN, unless the config turns each on explicitly.
 * (The policy is decided from config.host; inject, so nothing listens on a shared interface.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accessPolicy, describeAccess, isLoopbackHost } from '../src/mock/access-policy.ts';
import { loadMockConfig, type MockConfigInput } from '../src/mock/config.ts';
import { BELASTINGDIENST, startTestMock, type TestMock } from './helpers/mock.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const BSN = '111222333';
const oin = { 'x-afnemer-oin': BELASTINGDIENST.oin };

async function shortcuts(config: MockConfigInput): Promise<{
  devToken: number;
  passwordless: number;
  withPassword: string;
  afnemer: number;
  body: Record<string, unknown>;
}> {
  mock = await startTestMock(config);
  const devToken = await mock.app.inject({ method: 'POST', url: '/dev/token', payload: { bsn: BSN } });
  const passwordless = await mock.app.inject({ method: 'POST', url: '/digid/authenticate', payload: { bsn: BSN } });
  const withPassword = await mock.app.inject({
    method: 'POST',
    url: '/digid/authenticate',
    payload: { bsn: BSN, password: 'bbsim' },
  });
  const afnemer = await mock.app.inject({ url: '/berichtenbox/verwerkingsberichten', headers: oin });
  return {
    devToken: devToken.statusCode,
    passwordless: passwordless.statusCode,
    withPassword: withPassword.json<{ status: string }>().status,
    afnemer: afnemer.statusCode,
    body: { devToken: devToken.json(), passwordless: passwordless.json(), afnemer: afnemer.json() },
  };
}

describe('dev shortcuts and header identity when the mock is exposed', () => {
  it('on loopback (the quick start) everything stays on', async () => {
    expect(await shortcuts({})).toMatchObject({
      devToken: 200,
      passwordless: 200,
      withPassword: 'Success',
      afnemer: 200,
    });
  });

  it('listening on 0.0.0.0: /dev/token, password-less DigiD and the OIN header are off; a password still logs in', async () => {
    const r = await shortcuts({ host: '0.0.0.0' });
    expect(r).toMatchObject({ devToken: 403, passwordless: 400, withPassword: 'Success', afnemer: 401 });
    expect(r.body['devToken']).toMatchObject({
      code: 'BBSIM_DEV_TOKENS_DISABLED',
      detail: expect.stringContaining('beyond loopback'),
    });
    expect(r.body['passwordless']).toMatchObject({ field: 'password', rule: 'required' });
    expect(r.body['afnemer']).toMatchObject({ code: 'BBSIM_NO_AFNEMER_IDENTITY' });
  });

  it('explicit config turns each one on again', async () => {
    expect(
      await shortcuts({ host: '0.0.0.0', auth: { devTokens: true, passwordlessLogin: true, trustOinHeader: true } }),
    ).toMatchObject({ devToken: 200, passwordless: 200, afnemer: 200 });
    await mock?.close();
    mock = undefined;
    // ... and off on loopback.
    expect(await shortcuts({ auth: { devTokens: false, passwordlessLogin: false } })).toMatchObject({
      devToken: 403,
      passwordless: 400,
      afnemer: 200,
    });
  });

  it('the banner says how afnemers are identified and which shortcuts are on', () => {
    const exposed = describeAccess(accessPolicy(loadMockConfig({ host: '0.0.0.0' })), '0.0.0.0').join('\n');
    expect(exposed).toMatch(/access: exposed/);
    expect(exposed).toMatch(/POST \/dev\/token off, password-less POST \/digid\/authenticate off/);
    expect(exposed).toMatch(/afnemer identity: none/);
    const local = describeAccess(accessPolicy(loadMockConfig({})), '127.0.0.1').join('\n');
    expect(local).toMatch(/access: loopback only/);
    expect(local).toMatch(/POST \/dev\/token ON, password-less POST \/digid\/authenticate ON/);
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.nl', '128.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
