import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ManualClock, MINUTE } from '../src/clock/index.ts';
import { ProblemError } from '../src/errors/catalogue.ts';
import { createServiceMetrics } from '../src/mock/capacity/index.ts';
import { loadMockConfig, type MockConfigInput } from '../src/mock/config.ts';
import { DigidService, SpRefused, type PendingRequest } from '../src/mock/digid/digid-service.ts';
import { testUsers } from '../src/mock/digid/users.ts';
import { createSessionTokens } from '../src/mock/session-token.ts';
import { createPopulation } from '../src/population/index.ts';

const INSTANT = { serviceTime: { kind: 'fixed', ms: 0 } } as const;
const ACS = 'https://sp.example.test/saml/acs';

/** DigiD without Fastify: a manual clock, an in-memory keepOnce, its own metrics registry. */
function service(digid: MockConfigInput['digid'] = {}) {
  const config = loadMockConfig({ digid: { ...INSTANT, ...digid } });
  const clock = new ManualClock(Date.UTC(2026, 10, 17, 9));
  const registry = new Registry();
  const kept = new Map<string, string>();
  const svc = new DigidService({
    config,
    clock,
    tokens: createSessionTokens(undefined),
    serviceMetrics: createServiceMetrics(registry),
    metrics: { registry },
    store: { keepOnce: async (k, v) => kept.get(k) ?? (kept.set(k, v()), kept.get(k)!) },
    access: { passwordlessLogin: true },
    afnemers: new Map(config.afnemers.map((a) => [a.oin, a])),
  });
  const population = createPopulation({ seed: config.seed, ...config.population });
  const user = (level: 'Basis' | 'Hoog'): string =>
    testUsers(population, config.seed, config.digid.levelShares, { level, n: 1 }).users[0]!.username;
  return { svc, clock, user };
}

const pendingFor = (level: 'Basis' | 'Hoog' = 'Basis'): PendingRequest => ({
  info: { id: '_req1', acsUrl: ACS, acsIndex: undefined, issuer: 'urn:sp', level, denied: undefined },
  acsUrl: ACS,
  relayState: 'rs',
});

describe('DigidService (no Fastify)', () => {
  it('decides: Success with a session token, a wrong password, a level above the account', async () => {
    const { svc, user } = service();
    const ok = await svc.authenticate({
      username: user('Hoog'),
      password: 'bbsim',
      cancel: false,
      level: 'Hoog',
      denied: undefined,
    });
    expect(ok.decision.status).toBe('Success');
    expect(ok.decision.success?.token).toMatch(/./);
    expect(
      (
        await svc.authenticate({
          username: user('Hoog'),
          password: 'nope',
          cancel: false,
          level: 'Basis',
          denied: undefined,
        })
      ).decision.status,
    ).toBe('AuthnFailed');
    expect(
      (
        await svc.authenticate({
          username: user('Basis'),
          password: 'bbsim',
          cancel: false,
          level: 'Hoog',
          denied: undefined,
        })
      ).decision.status,
    ).toBe('NoAuthnContext');
    const stats = (await svc.stats()) as {
      authentications: Record<string, number>;
      successByLevel: Record<string, number>;
    };
    expect(stats.authentications).toEqual({
      Success: 1,
      AuthnFailed: 1,
      NoAuthnContext: 1,
      RequestDenied: 0,
      total: 3,
    });
    expect(stats.successByLevel['Hoog']).toBe(1);
    svc.close();
  });

  it('admits digid.perMinute per sim minute; over it a 503 with Retry-After, counted in the capacity figures', async () => {
    const { svc, clock, user } = service({ perMinute: 2 });
    const a = { username: user('Basis'), password: 'bbsim', cancel: false, level: 'Basis', denied: undefined } as const;
    await svc.authenticate(a);
    await svc.authenticate(a);
    const refused = await svc.authenticate(a).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).status).toBe(503);
    expect((refused as ProblemError).details.retryAfter).toBeGreaterThan(0);
    expect(((await svc.stats()) as { capacity: { refused: { total: number } } }).capacity.refused.total).toBe(1);
    clock.advance(MINUTE);
    expect((await svc.authenticate(a)).decision.status).toBe('Success');
    svc.close();
  });

  it('a login request is single use, but stays usable when refused for capacity', async () => {
    const { svc, clock, user } = service({ perMinute: 1 });
    await svc.authenticate({
      username: user('Basis'),
      password: 'bbsim',
      cancel: false,
      level: 'Basis',
      denied: undefined,
    });
    const handle = await svc.holdLogin(pendingFor());
    await expect(
      svc.login(handle, { username: user('Basis'), password: 'bbsim', cancel: false }),
    ).rejects.toMatchObject({ status: 503 });
    clock.advance(MINUTE);
    const { served } = await svc.login(handle, { username: user('Basis'), password: 'bbsim', cancel: false });
    expect(served.decision.status).toBe('Success');
    await expect(svc.login(handle, { cancel: true })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/already used/),
    });
    expect(((await svc.stats()) as { pendingRequests: number }).pendingRequests).toBe(0);
    svc.close();
  });

  it('an artifact resolves once, to the SP it was issued for; an unregistered SP is refused when a registry is given', async () => {
    const { svc, user } = service();
    const req = pendingFor();
    const d = (
      await svc.authenticate({
        username: user('Basis'),
        password: 'bbsim',
        cancel: false,
        level: 'Basis',
        denied: undefined,
      })
    ).decision;
    const url = new URL(await svc.issueArtifact(req, d));
    expect(url.searchParams.get('RelayState')).toBe('rs');
    const artifact = url.searchParams.get('SAMLart')!;
    const resolve = { soapNs: 'http://schemas.xmlsoap.org/soap/envelope/', id: '_r1', artifact, issuer: 'urn:sp' };
    expect(await svc.resolveArtifact({ ...resolve, issuer: 'urn:other' }, '')).not.toContain('Assertion');
    expect(await svc.resolveArtifact(resolve, '')).toContain('Assertion');
    expect(await svc.resolveArtifact(resolve, '')).not.toContain('Assertion');
    expect(((await svc.stats()) as { artifacts: unknown }).artifacts).toEqual({ live: 0, resolved: 1, denied: 2 });
    svc.close();
    const closed = service({ serviceProviders: [{ entityId: 'urn:known', acsUrls: [ACS] }] }).svc;
    expect(() => closed.acsFor(pendingFor().info)).toThrow(SpRefused);
    closed.close();
  });
});
