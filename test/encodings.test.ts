/**
 * Bodies are decoded as an XML processor must (src/xml): UTF-8, UTF-16 with a BOM and the declared
 * ISO-8859-1 / ISO-8859-15 / windows-1252; invalid bytes are a fatal 400 naming the byte offset, never
 * U+FFFD. JSON is UTF-8 only (415 for another charset). The same on every XML endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { TextDecodingError, decodeJson, decodeXml, firstInvalidUtf8 } from '../src/xml/index.ts';
import { BELASTINGDIENST, devToken, drainVerwerkingsberichten, startTestMock, type TestMock } from './helpers/mock.ts';
import { POPULATION, batch, json as batchJson, xml as batchXml } from './helpers/batches.ts';
import { validateEnvelope, soapAnswers, soapFault } from './helpers/soap.ts';
import { SOAP_ACTION } from '../src/mock/validatieservice/soap.ts';
import { aanvraagXml, postXml } from './helpers/abonnementservice.ts';
import { artifactResolveXml, authnRequestXml, postLogin, handleOf, artifactOf } from './helpers/digid-sp.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readXmlFolder } from '../src/rehearse/read-xml-folder.ts';
import { InputErrors } from '../src/rehearse/input-errors.ts';

const CP1252: Readonly<Record<string, number>> = {
  '€': 0x80,
  '‚': 0x82,
  Œ: 0x8c,
  œ: 0x9c,
  Ÿ: 0x9f,
  '‘': 0x91,
  '’': 0x92,
};
const LATIN9: Readonly<Record<string, number>> = {
  '€': 0xa4,
  Š: 0xa6,
  š: 0xa8,
  Ž: 0xb4,
  ž: 0xb8,
  Œ: 0xbc,
  œ: 0xbd,
  Ÿ: 0xbe,
};

/** Encodes test text in a single-byte encoding (only characters that encoding has). */
function encode(text: string, enc: 'ISO-8859-1' | 'ISO-8859-15' | 'windows-1252'): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const special = enc === 'windows-1252' ? CP1252[ch] : enc === 'ISO-8859-15' ? LATIN9[ch] : undefined;
    if (special !== undefined) out.push(special);
    else if (
      cp < 0x100 &&
      !(enc === 'windows-1252' && cp >= 0x80 && cp < 0xa0) &&
      !(enc === 'ISO-8859-15' && Object.values(LATIN9).includes(cp))
    )
      out.push(cp);
    else throw new Error(`${ch} is not in ${enc}`);
  }
  return Buffer.from(out);
}

const utf16 = (text: string, le = true): Buffer => {
  const body = Buffer.from(text, 'utf16le');
  if (!le) body.swap16();
  return Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
};

function decodeError(f: () => unknown): TextDecodingError {
  try {
    f();
  } catch (err) {
    if (err instanceof TextDecodingError) return err;
    throw err;
  }
  throw new Error('expected a TextDecodingError');
}

describe('src/xml: bytes to text', () => {
  it('decodes UTF-8 (with or without BOM), UTF-16LE/BE with a BOM, and the declared Latin-1 family', () => {
    const text = '<?xml version="1.0" encoding="UTF-8"?><a>Café € 📬</a>';
    expect(decodeXml(Buffer.from(text)).text).toBe(text);
    expect(decodeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).text).toBe(text);
    const t16 = '<?xml version="1.0" encoding="UTF-16"?><a>Café € 📬</a>';
    expect(decodeXml(utf16(t16, true))).toEqual({ text: t16, encoding: 'UTF-16' });
    expect(decodeXml(utf16(t16, false))).toEqual({ text: t16, encoding: 'UTF-16' });
    const latin = (enc: 'ISO-8859-1' | 'ISO-8859-15' | 'windows-1252', s: string): string =>
      `<?xml version="1.0" encoding="${enc}"?><a>${s}</a>`;
    expect(decodeXml(encode(latin('ISO-8859-1', 'Café ½ ÿ'), 'ISO-8859-1')).text).toBe(latin('ISO-8859-1', 'Café ½ ÿ'));
    expect(decodeXml(encode(latin('ISO-8859-15', 'Café € Œuvre Šik'), 'ISO-8859-15')).text).toBe(
      latin('ISO-8859-15', 'Café € Œuvre Šik'),
    );
    expect(decodeXml(encode(latin('windows-1252', 'Café € ‘Œuvre’'), 'windows-1252')).text).toBe(
      latin('windows-1252', 'Café € ‘Œuvre’'),
    );
    // The label is case-insensitive and has aliases.
    expect(decodeXml(encode("<?xml version='1.0' encoding='latin1'?><a>é</a>", 'ISO-8859-1')).encoding).toBe(
      'ISO-8859-1',
    );
  });

  it('the charset parameter outranks the declaration; a BOM outranks both', () => {
    const bytes = encode('<?xml version="1.0" encoding="UTF-8"?><a>Café</a>', 'ISO-8859-1');
    expect(decodeError(() => decodeXml(bytes)).byteOffset).toBe(bytes.indexOf(0xe9)); // UTF-8 by the declaration: é (0xE9) breaks it
    expect(decodeXml(bytes, 'application/xml; charset="ISO-8859-1"').text).toContain('Café');
    expect(
      decodeXml(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>é</a>')]),
        'text/xml; charset=iso-8859-1',
      ).text,
    ).toBe('<a>é</a>');
    expect(
      decodeError(() =>
        decodeXml(
          Buffer.concat([
            Buffer.from([0xef, 0xbb, 0xbf]),
            Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'),
          ]),
        ),
      ).message,
    ).toMatch(/byte order mark says UTF-8/);
  });

  it('invalid bytes are fatal and name their offset; never U+FFFD', () => {
    for (const [bytes, offset] of [
      [[0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c], 3], // continuation missing: the sequence's first byte
      [[0x3c, 0x61, 0x3e, 0xff], 3], // never valid in UTF-8
      [[0x3c, 0xc0, 0xaf], 1], // overlong
      [[0x3c, 0xed, 0xa0, 0x80], 1], // UTF-8-encoded surrogate
      [[0x3c, 0xf4, 0x90, 0x80, 0x80], 1], // above U+10FFFF
      [[0x3c, 0x61, 0xe2, 0x82], 2], // truncated at the end
    ] as const) {
      const err = decodeError(() => decodeXml(Buffer.from(bytes)));
      expect(err.status).toBe(400);
      expect(err.byteOffset, Buffer.from(bytes).toString('hex')).toBe(offset);
      expect(firstInvalidUtf8(Buffer.from(bytes))).toBe(offset);
      expect(err.message).toMatch(new RegExp(`offset ${offset} is not valid UTF-8`));
    }
    const wBytes = Buffer.from([...Buffer.from('<?xml version="1.0" encoding="windows-1252"?><a>'), 0x81, 0x3c]);
    expect(decodeError(() => decodeXml(wBytes))).toMatchObject({
      status: 400,
      byteOffset: wBytes.indexOf(0x81),
      encoding: 'windows-1252',
    });
    const aBytes = Buffer.from([...Buffer.from('<?xml version="1.0" encoding="US-ASCII"?><a>'), 0xe9]);
    expect(decodeError(() => decodeXml(aBytes)).byteOffset).toBe(aBytes.indexOf(0xe9));
    expect(
      decodeError(() => decodeXml(Buffer.concat([utf16('<a>'), Buffer.from([0x00, 0xd8, 0x3c, 0x00])]))).message,
    ).toMatch(/high surrogate without its low surrogate/);
    expect(decodeError(() => decodeXml(Buffer.concat([utf16('<a>'), Buffer.from([0x3c])]))).message).toMatch(
      /odd number of bytes/,
    );
  });

  it('refuses what it cannot decode: unknown encodings (415 for a charset, 400 for a declaration), UTF-16 without BOM', () => {
    expect(decodeError(() => decodeXml(Buffer.from('<a/>'), 'application/xml; charset=koi8-r'))).toMatchObject({
      status: 415,
    });
    expect(decodeError(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="EBCDIC-NL"?><a/>'))).message).toMatch(
      /encoding 'EBCDIC-NL' is not supported \(supported: UTF-8, UTF-16, US-ASCII, ISO-8859-1, ISO-8859-15, windows-1252\)/,
    );
    expect(decodeError(() => decodeXml(Buffer.from('<a/>', 'utf16le'))).message).toMatch(
      /UTF-16 without a byte order mark/,
    );
  });

  it('JSON is UTF-8 only', () => {
    expect(decodeJson(Buffer.from('{"a":"é"}'), 'application/json; charset=UTF-8')).toBe('{"a":"é"}');
    expect(decodeJson(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]))).toBe('{}');
    expect(decodeError(() => decodeJson(Buffer.from('{}'), 'application/json; charset=iso-8859-1'))).toMatchObject({
      status: 415,
    });
    expect(decodeError(() => decodeJson(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d])))).toMatchObject({
      status: 400,
      byteOffset: 2,
    });
    expect(decodeError(() => decodeJson(utf16('{}')))).toMatchObject({ status: 400 });
  });
});

interface Problem {
  status: number;
  code: string;
  detail: string;
  field?: string;
  byteOffset?: number;
  encoding?: string;
}

describe('every endpoint decodes as declared', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 0 } } });
  });
  afterAll(async () => mock.close());

  const post = (url: string, payload: Buffer, contentType: string, extra: Record<string, string> = {}) =>
    mock.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': contentType, 'x-afnemer-oin': BELASTINGDIENST.oin, ...extra },
      payload,
    });

  it('intake: a windows-1252 / ISO-8859-15 / UTF-16 batch is processed and the burger reads the text as sent', async () => {
    const cases = [
      { enc: 'windows-1252', onderwerp: 'Café € ‘Œuvre’ aanslag', bytes: (x: string) => encode(x, 'windows-1252') },
      { enc: 'ISO-8859-15', onderwerp: 'Crème brûlée € Šik', bytes: (x: string) => encode(x, 'ISO-8859-15') },
      { enc: 'ISO-8859-1', onderwerp: 'Ærø ½ façade', bytes: (x: string) => encode(x, 'ISO-8859-1') },
      { enc: 'UTF-16', onderwerp: 'Zoë 📬 ✓', bytes: (x: string) => utf16(x) },
    ] as const;
    for (const c of cases) {
      const b = batch(1, { now: mock.clock.now() });
      const bsn = b.Bericht[0]!.BerichtInformatie.GebruikerID;
      b.Bericht[0]!.BerichtInformatie.Onderwerp = c.onderwerp;
      const xml = batchXml(b).replace(/^<\?xml[^?]*\?>/, `<?xml version="1.0" encoding="${c.enc}"?>`);
      expect(xml).toContain(c.onderwerp);
      const res = await post('/berichtenbox/afleveren', c.bytes(xml), 'application/xml');
      expect(res.statusCode, `${c.enc}: ${res.body}`).toBe(202);
      mock.clock.advance(60_000);
      const vb = await drainVerwerkingsberichten(mock.app);
      expect(vb.flatMap((i) => i.BerichtVerwerkResponse.Berichten.Bericht.map((l) => l.VerwerkingsCode))).toEqual([
        'Verwerkt',
      ]);
      mock.clock.advance(86_400_000); // past the PublicatieDatum
      const token = await devToken(mock.app, bsn);
      const inbox = await mock.app.inject({
        method: 'GET',
        url: '/api/v1/berichten?pageSize=100',
        headers: { authorization: `Bearer ${token}` },
      });
      const subjects = inbox.json<{ berichten: { onderwerp: string }[] }>().berichten.map((i) => i.onderwerp);
      expect(subjects, c.enc).toContain(c.onderwerp);
      for (const s of subjects) expect(s).not.toContain('\uFFFD');
    }
  });

  it('intake: invalid bytes are a 400 naming the offset, nothing is stored; JSON in another charset is 415', async () => {
    const before = await mock.app.bbsim.store.countLetters();
    const b = batch(2, { now: mock.clock.now() });
    b.Bericht[0]!.BerichtInformatie.Onderwerp = 'Caf\u00e9';
    const xml = batchXml(b);
    const latin = Buffer.from(xml, 'latin1'); // é as 0xE9 in a document that declares UTF-8
    const offset = latin.indexOf(0xe9);
    const res = await post('/berichtenbox/afleveren', latin, 'application/xml');
    expect(res.statusCode).toBe(400);
    const p = res.json<Problem>();
    expect(p).toMatchObject({
      code: 'BBSIM_INVALID_ENCODING',
      field: 'body',
      byteOffset: offset,
      encoding: 'UTF-8',
      serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
    });
    expect(p.detail).toContain(`byte 0xE9 at offset ${offset} is not valid UTF-8`);
    const json = Buffer.from(JSON.stringify(batchJson(b)), 'latin1');
    const asLatin1 = await post('/berichtenbox/afleveren', json, 'application/json; charset=iso-8859-1');
    expect(asLatin1.statusCode).toBe(415);
    expect(asLatin1.json<Problem>()).toMatchObject({ code: 'BBSIM_UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' });
    const badUtf8 = await post('/berichtenbox/afleveren', json, 'application/json');
    expect(badUtf8.statusCode).toBe(400);
    expect(badUtf8.json<Problem>()).toMatchObject({ code: 'BBSIM_INVALID_ENCODING', byteOffset: json.indexOf(0xe9) });
    expect(await mock.app.bbsim.store.countLetters()).toBe(before);
  });

  it('Validatieservice SOAP: ISO-8859-1 by declaration or charset; invalid bytes a SOAP client fault naming the offset', async () => {
    const keys = POPULATION.recipients(BELASTINGDIENST.oin, 3);
    const envelope = validateEnvelope({ oin: BELASTINGDIENST.oin, type: 'VAIB', keys })
      .replace('encoding="utf-8"', 'encoding="ISO-8859-1"')
      .replace('<soapenv:Header/>', '<soapenv:Header/><!-- één café -->');
    const soap = (payload: Buffer, contentType: string) =>
      post('/validatieservice', payload, contentType, { soapaction: `"${SOAP_ACTION}"` });
    for (const ct of ['text/xml', 'text/xml; charset=ISO-8859-1']) {
      const res = await soap(encode(envelope, 'ISO-8859-1'), ct);
      expect(res.statusCode, res.body).toBe(200);
      expect(soapAnswers(res.body).map((a) => a.key)).toEqual(keys);
    }
    const bad = Buffer.from(envelope.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"'), 'latin1');
    const res = await soap(bad, 'text/xml');
    expect(res.statusCode).toBe(400);
    expect(soapFault(res.body).message).toContain(`offset ${bad.indexOf(0xe9)} is not valid UTF-8`);
  });

  it('Abonnementservice: a windows-1252 AbonnementAanvraag is taken; invalid bytes are a 400 naming the offset', async () => {
    const xml = aanvraagXml({ verzoekId: 'enc-1' })
      .replace('encoding="UTF-8"', 'encoding="windows-1252"')
      .replace('<VerzoekId>', '<!-- ‘één’ --><VerzoekId>');
    const ok = await mock.app.inject({
      method: 'POST',
      url: '/abonnementservice/v1/verzoeken',
      headers: { 'content-type': 'application/xml', 'x-afnemer-oin': BELASTINGDIENST.oin },
      payload: encode(xml, 'windows-1252'),
    });
    expect(ok.statusCode, ok.body).toBe(202);
    const bad = Buffer.from(
      aanvraagXml({ verzoekId: 'enc-2' }).replace('<VerzoekId>', '<!-- \u00e9 --><VerzoekId>'),
      'latin1',
    );
    const res = await postXml(mock.app, bad as unknown as string);
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>()).toMatchObject({ code: 'BBSIM_INVALID_ENCODING', byteOffset: bad.indexOf(0xe9) });
  });

  it('DigiD SAML: an ISO-8859-1 AuthnRequest and a UTF-16 ArtifactResolve are read; invalid bytes are refused with the offset', async () => {
    const req = authnRequestXml()
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
      .replace('ForceAuthn="false">', 'ForceAuthn="false"><!-- één -->');
    const redirect = (bytes: Buffer) =>
      mock.app.inject({
        method: 'GET',
        url: `/digid/saml/idp/request_authentication?SAMLRequest=${encodeURIComponent(deflateRawSync(bytes).toString('base64'))}`,
      });
    const page = await redirect(encode(req, 'ISO-8859-1'));
    expect(page.statusCode, page.body).toBe(200);
    const bsn = POPULATION.bsn(0);
    const { artifact } = artifactOf(
      await postLogin(mock.app, { request: handleOf(page.body), username: bsn, password: 'bbsim' }),
    );
    const resolve = artifactResolveXml(artifact).replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const res = await mock.app.inject({
      method: 'POST',
      url: '/digid/saml/idp/resolve_artifact',
      headers: { 'content-type': 'text/xml' },
      payload: utf16(resolve),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain(`s00000000:${bsn}`);
    const bad = await redirect(Buffer.from(req.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"'), 'latin1'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Problem>().detail).toMatch(/offset \d+ is not valid UTF-8/);
    const badSoap = await mock.app.inject({
      method: 'POST',
      url: '/digid/saml/idp/resolve_artifact',
      headers: { 'content-type': 'text/xml' },
      payload: Buffer.from(
        artifactResolveXml(artifact).replace('</soapenv:Body>', '<!-- \u00e9 --></soapenv:Body>'),
        'latin1',
      ),
    });
    expect(badSoap.statusCode).toBe(400);
    expect(badSoap.json<Problem>()).toMatchObject({ code: 'BBSIM_INVALID_ENCODING' });
  });
});

describe('bbsim rehearse reads XML batch files as the service does', () => {
  it('a windows-1252 batch is read without error; invalid UTF-8 names its offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-enc-'));
    try {
      const b = batch(1);
      b.Bericht[0]!.BerichtInformatie.Onderwerp = 'Café € ‘Œuvre’';
      writeFileSync(
        join(dir, 'a.xml'),
        encode(batchXml(b).replace(/^<\?xml[^?]*\?>/, '<?xml version="1.0" encoding="windows-1252"?>'), 'windows-1252'),
      );
      const bad = Buffer.from(batchXml(batch(1)).replace('?>', '?><!-- \u00e9 -->'), 'latin1');
      expect(bad.indexOf(0xe9)).toBeGreaterThan(0);
      writeFileSync(join(dir, 'b.xml'), bad);
      const errors = new InputErrors();
      const readings = [...readXmlFolder(dir, POPULATION, errors, { now: 8_640_000_000_000_000, futureSkewMs: 0 })];
      expect(readings[0]?.batch).toBeDefined();
      expect(readings[1]?.batch).toBeUndefined();
      expect(errors.items.map((e) => e.rule)).toEqual(['UTF-8']);
      expect(errors.items[0]?.message).toContain(`offset ${bad.indexOf(0xe9)} is not valid UTF-8`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
