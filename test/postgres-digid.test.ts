/**
 * DigiD's SAML artifact flow over several instances on one PostgreSQL database: the pending
 * AuthnRequest and the artifact are kept in the database (store.transients), so the login page of
 * instance A, the form posted to instance B and the SP's ArtifactResolve at instance C work
 * together without sticky sessions; an artifact is still used once (also when two instances are
 * asked for it at the same moment) and expires on the sim clock. Real processes, real PostgreSQL;
 * fails (never skips) when PostgreSQL cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMock, stopMock, type MockProcess } from './helpers/mock-process.ts';
import { startTestCluster, type TestCluster } from './helpers/postgres.ts';
import { getJson, startInstances } from './helpers/instances.ts';
import {
  artifactResolveXml,
  authnRequestXml,
  encodeRedirect,
  handleOf,
  parseArtifactResponse,
} from './helpers/digid-sp.ts';

let cluster: TestCluster;
let dir: string;
let mocks: MockProcess[] = [];

beforeAll(() => {
  cluster = startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-digid-'));
});
afterAll(async () => {
  for (const m of mocks) killMock(m);
  await Promise.all(mocks.map((m) => m.exited));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function loginPage(base: string, id: string): Promise<string> {
  const r = await fetch(
    `${base}/digid/saml/idp/request_authentication?SAMLRequest=${encodeRedirect(authnRequestXml({ id }))}`,
  );
  expect(r.status).toBe(200);
  return handleOf(await r.text());
}

async function postLogin(base: string, handle: string, username: string): Promise<Response> {
  return fetch(`${base}/digid/saml/idp/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: handle, username, password: 'bbsim', action: 'login' }).toString(),
  });
}

function artifactOf(r: Response): string {
  expect(r.status).toBe(303);
  return new URL(r.headers.get('location')!).searchParams.get('SAMLart')!;
}

async function resolve(
  base: string,
  artifact: string,
  id = '_resolve',
): Promise<ReturnType<typeof parseArtifactResponse>> {
  const r = await fetch(`${base}/digid/saml/idp/resolve_artifact`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '' },
    body: artifactResolveXml(artifact, { id }),
  });
  expect(r.status).toBe(200);
  return parseArtifactResponse(await r.text());
}

describe('DigiD on three instances sharing one database', () => {
  it('a login started at one instance, posted to another and resolved at a third; artifacts are used once and expire on the sim clock', async () => {
    const url = await cluster.freshDatabase();
    // Speed 60: an artifact lives digid.artifactTtlMs = 60,000 sim ms, one wall second.
    mocks = await startInstances(3, dir, {
      db: url,
      clock: { start: '2027-03-02T10:00:00+01:00', speed: 60 },
      digid: { artifactTtlMs: 60_000 },
    });
    const [a, b, c] = mocks.map((m) => m.url) as [string, string, string];
    const users = await getJson<{ users: { username: string }[] }>(`${a}/digid/test-users?level=Basis&n=1`);
    const bsn = users.users[0]!.username;

    // The whole flow across instances: page at A, form at B, ArtifactResolve at C.
    const handle = await loginPage(a, '_cross-1');
    const artifact = artifactOf(await postLogin(b, handle, bsn));
    const first = await resolve(c, artifact, '_r1');
    expect(first.response?.inResponseTo).toBe('_cross-1');
    expect(first.response?.assertion?.nameId).toContain(bsn);
    // Once: a second resolve, at any instance, gets an ArtifactResponse without a message.
    expect((await resolve(a, artifact, '_r2')).response).toBeUndefined();
    expect((await resolve(c, artifact, '_r3')).response).toBeUndefined();
    // The login request was used too: posting it again (at another instance) is refused.
    expect((await postLogin(c, handle, bsn)).status).toBe(400);

    // Two instances asked for one artifact at the same moment: exactly one answers with the Assertion.
    for (let i = 0; i < 5; i++) {
      const art = artifactOf(await postLogin(a, await loginPage(b, `_race-${i}`), bsn));
      const answers = await Promise.all([resolve(b, art, `_x${i}`), resolve(c, art, `_y${i}`)]);
      expect(answers.filter((x) => x.response?.assertion !== undefined)).toHaveLength(1);
    }

    // Expiry on the sim clock: 1.5 wall s at speed 60 is 90 sim s, past the 60 s TTL.
    const late = artifactOf(await postLogin(c, await loginPage(a, '_late'), bsn));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await resolve(b, late, '_late-r')).response).toBeUndefined();

    // The figures are the service's: every instance counts the same live requests and artifacts.
    const live = await Promise.all(
      mocks.map((m) => getJson<{ pendingRequests: number; artifacts: { live: number } }>(`${m.url}/digid/stats`)),
    );
    for (const s of live) expect([s.pendingRequests, s.artifacts.live]).toEqual([0, 0]);
    await Promise.all(mocks.map((m) => stopMock(m)));
    mocks = [];
  }, 90_000);
});
