/**
 * Who may see what, over real TLS sockets: the afnemer is the OIN in its client certificate
 * (subject serialNumber, as PKIoverheid certificates carry it); a forged X-Afnemer-OIN never
 * reaches another afnemer's batches, verwerkingsberichten or portal rows.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BELASTINGDIENST, UWV } from './helpers/mock.ts';
import { batch, xml } from './helpers/batches.ts';
import { makeTestPki, startTlsMock, tlsRequest, type TestPki, type TlsMock } from './helpers/tls.ts';
import { TestCa } from '../src/mock/test-pki.ts';
import { SOAP_ACTION } from '../src/mock/validatieservice/soap.ts';
import { POPULATION } from './helpers/batches.ts';
import { soapFault, validateEnvelope } from './helpers/soap.ts';

let pki: TestPki;
let mock: TlsMock | undefined;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const XML = { 'content-type': 'application/xml' };
interface VbPage {
  items: {
    id: number;
    BerichtVerwerkResponse: {
      BatchInformatie: { BatchID: string };
      Berichten: { Bericht: { VerwerkingsCode: string }[] };
    };
  }[];
}

describe('mutual TLS: the afnemer is the OIN in its client certificate', () => {
  it("A's certificate delivers without a header; B's certificate cannot read, list, ack or see A's data, with or without a forged header", async () => {
    mock = await startTlsMock(pki);
    const { url } = mock;
    const b1 = batch(3);
    const id = b1.BatchInformatie.BatchID;
    const sent = await tlsRequest(url, pki, pki.a, {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      headers: XML,
      body: xml(b1),
    });
    expect(sent.status, sent.body).toBe(202);
    mock.clock.advance(60_000);
    await mock.app.bbsim.processDue();

    // B's own view: nothing of A's.
    expect((await tlsRequest(url, pki, pki.b, { path: `/berichtenbox/batches/${id}` })).json()).toMatchObject({
      status: 404,
    });
    expect(
      (await tlsRequest(url, pki, pki.b, { path: '/berichtenbox/verwerkingsberichten' })).json<VbPage>().items,
    ).toEqual([]);
    const bPortal = (await tlsRequest(url, pki, pki.b, { path: '/berichtenbox/portaal.json' })).json<{
      rows: unknown[];
    }>();
    expect(bPortal.rows).toEqual([]);
    // A forged header with B's certificate: refused before any data is read.
    const forged = { 'x-afnemer-oin': BELASTINGDIENST.oin };
    for (const path of [
      `/berichtenbox/batches/${id}`,
      '/berichtenbox/verwerkingsberichten',
      '/berichtenbox/portaal.json',
      '/berichtenbox/portaal',
    ]) {
      const r = await tlsRequest(url, pki, pki.b, { path, headers: forged });
      expect(r.json(), path).toMatchObject({
        status: 403,
        code: 'BBSIM_OIN_MISMATCH',
        field: 'X-Afnemer-OIN',
        serviceCode: 'OinInCPAKomtNietOvereenMetOinInBericht',
      });
    }
    // Asking for A's portal rows by query: refused, not silently emptied.
    expect(
      (await tlsRequest(url, pki, pki.b, { path: `/berichtenbox/portaal.json?afnemer=${BELASTINGDIENST.oin}` })).json(),
    ).toMatchObject({ status: 403, code: 'BBSIM_NOT_YOUR_DATA' });

    // A's verwerkingsbericht: B's ack of its id acknowledges nothing, A still gets it.
    const aPage = (await tlsRequest(url, pki, pki.a, { path: '/berichtenbox/verwerkingsberichten' })).json<VbPage>();
    expect(aPage.items.map((i) => i.BerichtVerwerkResponse.BatchInformatie.BatchID)).toEqual([id]);
    const vbId = aPage.items[0]!.id;
    const bAck = await tlsRequest(url, pki, pki.b, {
      method: 'POST',
      path: '/berichtenbox/verwerkingsberichten/ack',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [vbId] }),
    });
    expect(bAck.json()).toEqual({ acknowledged: [] });
    const bForgedAck = await tlsRequest(url, pki, pki.b, {
      method: 'POST',
      path: '/berichtenbox/verwerkingsberichten/ack',
      headers: { 'content-type': 'application/json', ...forged },
      body: JSON.stringify({ ids: [vbId] }),
    });
    expect(bForgedAck.status).toBe(403);
    expect(
      (await tlsRequest(url, pki, pki.a, { path: '/berichtenbox/verwerkingsberichten' }))
        .json<VbPage>()
        .items.map((i) => i.id),
    ).toEqual([vbId]);
    // A sees its own batch and portal row; its own OIN in the header is fine.
    expect(
      (
        await tlsRequest(url, pki, pki.a, {
          path: `/berichtenbox/batches/${id}`,
          headers: { 'x-afnemer-oin': BELASTINGDIENST.oin },
        })
      ).json(),
    ).toMatchObject({ BatchID: id, letters: 3 });
    const aRows = (await tlsRequest(url, pki, pki.a, { path: '/berichtenbox/portaal.json' })).json<{
      rows: { afnemerOin: string; offered: number }[];
    }>().rows;
    expect(aRows).toEqual([expect.objectContaining({ afnemerOin: BELASTINGDIENST.oin, offered: 3 })]);
  });

  it('a BerichtLeverancierID other than the certificate OIN is coded per letter (OinInCPAKomtNietOvereenMetOinInBericht); a forged header on delivery is refused whole', async () => {
    mock = await startTlsMock(pki);
    const b1 = batch(2, { afnemerOin: UWV.oin, berichtType: 'WW' });
    // UWV's letters (BerichtLeverancierID UWV) sent with the Belastingdienst's certificate:
    const sent = await tlsRequest(mock.url, pki, pki.a, {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      headers: XML,
      body: xml(b1),
    });
    expect(sent.status, sent.body).toBe(202);
    mock.clock.advance(60_000);
    const page = (
      await tlsRequest(mock.url, pki, pki.a, { path: '/berichtenbox/verwerkingsberichten' })
    ).json<VbPage>();
    expect(page.items[0]!.BerichtVerwerkResponse.Berichten.Bericht.map((l) => l.VerwerkingsCode)).toEqual([
      'OinInCPAKomtNietOvereenMetOinInBericht',
      'OinInCPAKomtNietOvereenMetOinInBericht',
    ]);
    const forged = await tlsRequest(mock.url, pki, pki.b, {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      headers: { ...XML, 'x-afnemer-oin': BELASTINGDIENST.oin },
      body: xml(batch(1)),
    });
    expect(forged.json()).toMatchObject({ status: 403, code: 'BBSIM_OIN_MISMATCH' });
  });

  it('no certificate → 401; an expired, a foreign-CA or an OIN-less certificate → refused, naming why', async () => {
    mock = await startTlsMock(pki);
    const { url } = mock;
    // Burgers and probes have no certificate: the TLS server lets them in.
    expect((await tlsRequest(url, pki, undefined, { path: '/health' })).json()).toEqual({ status: 'ok' });
    const none = await tlsRequest(url, pki, undefined, {
      path: '/berichtenbox/verwerkingsberichten',
      headers: { 'x-afnemer-oin': BELASTINGDIENST.oin },
    });
    expect(none.json()).toMatchObject({ status: 401, code: 'BBSIM_CLIENT_CERTIFICATE_REQUIRED' });
    expect((await tlsRequest(url, pki, undefined, { path: '/berichtenbox/portaal.json' })).status).toBe(401);

    const day = 86_400_000;
    const expired = pki.ca.client(BELASTINGDIENST, {
      notBefore: new Date(Date.now() - 30 * day),
      notAfter: new Date(Date.now() - day),
    });
    const e = await tlsRequest(url, pki, expired, { path: '/berichtenbox/verwerkingsberichten' });
    expect(e.json()).toMatchObject({
      status: 401,
      code: 'BBSIM_CLIENT_CERTIFICATE_REFUSED',
      reason: 'CERT_HAS_EXPIRED',
    });

    const foreign = new TestCa('another CA').client(BELASTINGDIENST);
    const f = await tlsRequest(url, pki, foreign, { path: '/berichtenbox/verwerkingsberichten' });
    expect(f.json()).toMatchObject({ status: 401, code: 'BBSIM_CLIENT_CERTIFICATE_REFUSED' });
    expect(f.json<{ reason: string }>().reason).toMatch(/UNABLE_TO_VERIFY|unable to verify|self.signed/i);

    const noOin = pki.ca.client({ oin: undefined, naam: 'Zonder OIN' });
    expect((await tlsRequest(url, pki, noOin, { path: '/berichtenbox/verwerkingsberichten' })).json()).toMatchObject({
      status: 403,
      code: 'BBSIM_CERTIFICATE_WITHOUT_OIN',
    });
    const unknown = pki.ca.client({ oin: '00000001999999999000', naam: 'Onbekend' });
    expect((await tlsRequest(url, pki, unknown, { path: '/berichtenbox/verwerkingsberichten' })).json()).toMatchObject({
      status: 403,
      code: 'BBSIM_UNKNOWN_AFNEMER',
    });
  });

  it('the operator view across afnemers needs the operator token from the config', async () => {
    mock = await startTlsMock(pki, { auth: { operatorToken: 'operator-secret-0123456789' } });
    await tlsRequest(mock.url, pki, pki.a, {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      headers: XML,
      body: xml(batch(2)),
    });
    await tlsRequest(mock.url, pki, pki.b, {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      headers: XML,
      body: xml(batch(1, { afnemerOin: UWV.oin, berichtType: 'WW' })),
    });
    const op = await tlsRequest(mock.url, pki, undefined, {
      path: '/berichtenbox/portaal.json',
      headers: { authorization: 'Bearer operator-secret-0123456789' },
    });
    expect(
      op
        .json<{ rows: { afnemerOin: string }[] }>()
        .rows.map((r) => r.afnemerOin)
        .sort(),
    ).toEqual([BELASTINGDIENST.oin, UWV.oin].sort());
    expect(
      (
        await tlsRequest(mock.url, pki, undefined, {
          path: '/berichtenbox/portaal.json',
          headers: { authorization: 'Bearer operator-secret-0123456789x' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await tlsRequest(mock.url, pki, pki.b, { path: '/berichtenbox/portaal.json' }))
        .json<{ rows: { afnemerOin: string }[] }>()
        .rows.map((r) => r.afnemerOin),
    ).toEqual([UWV.oin]);
  });

  it("the Validatieservice takes the caller's OIN from its certificate: another afnemer's berichtleverancierCode is a fault, no certificate a SOAP fault 401", async () => {
    mock = await startTlsMock(pki, { validatieservice: { serviceTime: { kind: 'fixed', ms: 0 } } });
    const envelope = validateEnvelope({
      oin: BELASTINGDIENST.oin,
      type: 'VAIB',
      keys: POPULATION.recipients(BELASTINGDIENST.oin, 2),
    });
    const soap = { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${SOAP_ACTION}"` };
    const own = await tlsRequest(mock.url, pki, pki.a, {
      method: 'POST',
      path: '/validatieservice',
      headers: soap,
      body: envelope,
    });
    expect(own.status, own.body).toBe(200);
    const other = await tlsRequest(mock.url, pki, pki.b, {
      method: 'POST',
      path: '/validatieservice',
      headers: soap,
      body: envelope,
    });
    expect(other.status).toBe(400);
    expect(soapFault(other.body).code).toBe('BerichtleverancierCodeKomtNietOvereen');
    const none = await tlsRequest(mock.url, pki, undefined, {
      method: 'POST',
      path: '/validatieservice',
      headers: soap,
      body: envelope,
    });
    expect(none.status).toBe(401);
    expect(soapFault(none.body).code).toBe('BBSIM_CLIENT_CERTIFICATE_REQUIRED');
  });
});
