/**
 * Parses a `Berichten` batch (XML) into a RawBatch.
 *
 * A small purpose-built scanner rather than a general XML library, for three reasons:
 *  - safety: it knows no DTDs at all, so entity expansion and external entities cannot happen;
 *    any `<!DOCTYPE` or `<!ENTITY` is refused outright (UnsafeXmlError);
 *  - namespaces: elements are matched on namespace URI + local name (xmlns declarations resolved per
 *    scope), which fast-xml-parser does not do (it can only strip prefixes);
 *  - speed: long text (base64 attachments) is sliced with indexOf instead of walked per character.
 * It still checks well-formedness (names, tag nesting, attribute syntax, one root, legal characters,
 * entity and character references, `]]>` and `--` rules, bound prefixes), so malformed XML is a
 * BerichtenParseError with line and column, never a silently mis-parsed batch.
 *
 * Structure problems inside a letter (unknown, repeated or misplaced elements) do not fail the batch:
 * they go into that letter's `structureErrors` (→ XmlValidatieTegenXsdValtNegatiefUit). Element order
 * is not checked, because clients differ in it and in which optional elements they include.
 */
import { NS_BATCH, NS_BERICHT } from './codes.ts';
import type { RawBatch, RawBijlage, RawLetter } from './types.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** The body is not a usable batch (malformed XML or JSON, wrong root, no letters array). */
export class BerichtenParseError extends CodedError {
  readonly code = ERROR_CODES.BERICHTEN_PARSE;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** For JSON: the path of the offending value, e.g. `$.Berichten.Bericht`. */
  readonly path: string | undefined;

  constructor(message: string, where: { line?: number; column?: number; path?: string } = {}) {
    super(message);
    this.name = 'BerichtenParseError';
    this.line = where.line;
    this.column = where.column;
    this.path = where.path;
  }
}

/** The XML carries a DOCTYPE or an entity declaration (billion laughs, XXE): refused, never expanded. */
export class UnsafeXmlError extends CodedError {
  readonly code = ERROR_CODES.XML_UNSAFE;
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeXmlError';
  }
}

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

/** An element of the scanned document. */
export interface XmlElement {
  readonly qname: string;
  /** Namespace URI, '' when the element is in no namespace. */
  readonly ns: string;
  readonly local: string;
  /** Offset of its '<' in the document. */
  readonly pos: number;
  readonly children: XmlElement[];
  /** All character data directly inside it (entities decoded, CDATA included, line ends normalised). */
  text: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
/** Our documents nest 5 deep; anything far deeper is an attack or garbage. */
const MAX_DEPTH = 64;
/** Bounds on attributes per element and namespace bindings in scope, so that the linear look-ups
 * below cannot be made quadratic by a hostile document. Real clients use a handful. */
const MAX_ATTRIBUTES = 128;
const MAX_BINDINGS = 128;

// XML 1.0 (5th ed.) name characters, without ':' (NCName) so that QNames can be checked.
const NC_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
// Combining marks (U+0300–U+036F) first: after another character they would read as one combined character.
const NC_CHAR = `\\u0300-\\u036F${NC_START}\\-.0-9\\u00B7\\u203F-\\u2040`;
const QNAME = new RegExp(`^[${NC_START}][${NC_CHAR}]*(?::[${NC_START}][${NC_CHAR}]*)?$`, 'u');
const PI_TARGET = new RegExp(`^[${NC_START}:][${NC_CHAR}:]*$`, 'u');
/** Characters outside XML 1.0's Char production (C0 controls other than TAB/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_DECL =
  /^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>/;
const WHITESPACE_ONLY = /^[ \t\r\n]*$/;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < pos; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

function malformed(xml: string, pos: number, message: string): never {
  const { line, column } = lineColumn(xml, pos);
  throw new BerichtenParseError(`malformed XML at line ${line}, column ${column}: ${message}`, { line, column });
}

/** Resolves the five predefined entities and character references; anything else is malformed (we have no DTD). */
function decodeReferences(xml: string, seg: string, segPos: number): string {
  let out = '';
  let last = 0;
  for (let amp = seg.indexOf('&'); amp >= 0; amp = seg.indexOf('&', last)) {
    const semi = seg.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12)
      malformed(xml, segPos + amp, "'&' must start an entity or character reference (write &amp;)");
    const ref = seg.slice(amp + 1, semi);
    let ch: string;
    switch (ref) {
      case 'lt':
        ch = '<';
        break;
      case 'gt':
        ch = '>';
        break;
      case 'amp':
        ch = '&';
        break;
      case 'apos':
        ch = "'";
        break;
      case 'quot':
        ch = '"';
        break;
      default: {
        const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
        if (!m)
          malformed(
            xml,
            segPos + amp,
            `undefined entity '&${ref};' (only the predefined entities and character references are allowed)`,
          );
        const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? '', 10);
        if (!isXmlChar(cp)) malformed(xml, segPos + amp, `character reference '&${ref};' is not a legal XML character`);
        ch = String.fromCodePoint(cp);
      }
    }
    out += seg.slice(last, amp) + ch;
    last = semi + 1;
  }
  return out + seg.slice(last);
}

/**
 * Scans a whole document into an element tree, checking well-formedness and resolving namespaces.
 * Throws UnsafeXmlError for DTD markup and BerichtenParseError for anything malformed.
 */
export function scanXml(xml: string): XmlElement {
  const len = xml.length;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;

  const bad = xml.search(INVALID_CHAR);
  if (bad >= 0) {
    const cp = xml.codePointAt(bad) ?? 0;
    malformed(xml, bad, `character U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
  }

  if (xml.startsWith('<?xml', i) && isWs(xml.charCodeAt(i + 5))) {
    const m = XML_DECL.exec(xml.slice(i, xml.indexOf('?>', i) + 2));
    if (!m) malformed(xml, i, 'invalid XML declaration');
    i += m[0].length;
  }

  const stack: XmlElement[] = [];
  const marks: number[] = [];
  // In-scope namespace bindings, innermost last; an element's own declarations are truncated at its end.
  const bPrefix: string[] = [];
  const bUri: string[] = [];
  let root: XmlElement | undefined;

  const lookup = (prefix: string, pos: number): string => {
    for (let k = bPrefix.length - 1; k >= 0; k--) if (bPrefix[k] === prefix) return bUri[k] ?? '';
    if (prefix === '') return '';
    if (prefix === 'xml') return XML_NS;
    return malformed(xml, pos, `namespace prefix '${prefix}' is not declared`);
  };

  const appendText = (seg: string, pos: number, raw: boolean): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (!WHITESPACE_ONLY.test(seg))
        malformed(xml, pos, root ? 'text after the root element' : 'text before the root element');
      return;
    }
    if (seg.includes('\r')) seg = seg.replace(/\r\n?/g, '\n'); // XML end-of-line handling
    if (!raw) {
      if (seg.includes(']]>')) malformed(xml, pos + seg.indexOf(']]>'), "']]>' is not allowed in text");
      if (seg.includes('&')) seg = decodeReferences(xml, seg, pos);
    }
    top.text = top.text === '' ? seg : top.text + seg;
  };

  const scanName = (from: number): number => {
    let p = from;
    while (p < len) {
      const c = xml.charCodeAt(p);
      if (isWs(c) || c === 0x3e /* > */ || c === 0x2f /* / */ || c === 0x3d /* = */) break;
      p++;
    }
    return p;
  };

  const skipWs = (from: number): number => {
    let p = from;
    while (p < len && isWs(xml.charCodeAt(p))) p++;
    return p;
  };

  while (i < len) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? len : lt;
    if (textEnd > i) appendText(xml.slice(i, textEnd), i, false);
    if (lt < 0) break;
    i = lt;
    const c1 = xml.charCodeAt(i + 1);

    if (c1 === 0x2f /* </ */) {
      const nameEnd = scanName(i + 2);
      const name = xml.slice(i + 2, nameEnd);
      const gt = skipWs(nameEnd);
      if (xml.charCodeAt(gt) !== 0x3e) malformed(xml, i, `end tag </${name}> is not closed with '>'`);
      const top = stack.pop();
      if (!top) malformed(xml, i, `end tag </${name}> without a matching start tag`);
      if (top.qname !== name) {
        const at = lineColumn(xml, top.pos);
        malformed(
          xml,
          i,
          `end tag </${name}> does not match start tag <${top.qname}> (line ${at.line}, column ${at.column})`,
        );
      }
      const mark = marks.pop() ?? 0;
      bPrefix.length = mark;
      bUri.length = mark;
      i = gt + 1;
      continue;
    }

    if (c1 === 0x21 /* <! */) {
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('--', i + 4);
        if (end < 0) malformed(xml, i, 'comment is not closed');
        if (xml.charCodeAt(end + 2) !== 0x3e) malformed(xml, end, "'--' is not allowed inside a comment");
        i = end + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) malformed(xml, i, 'CDATA section outside the root element');
        const end = xml.indexOf(']]>', i + 9);
        if (end < 0) malformed(xml, i, 'CDATA section is not closed');
        appendText(xml.slice(i + 9, end), i + 9, true);
        i = end + 3;
        continue;
      }
      const word = xml.slice(i + 2, i + 9).toUpperCase();
      if (word.startsWith('DOCTYPE') || word.startsWith('ENTITY')) {
        const { line, column } = lineColumn(xml, i);
        throw new UnsafeXmlError(
          `XML with a DOCTYPE or entity declaration is refused (line ${line}, column ${column}): no DTDs, no entity expansion, no external entities`,
        );
      }
      malformed(xml, i, "unexpected markup '<!'");
    }

    if (c1 === 0x3f /* <? */) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) malformed(xml, i, 'processing instruction is not closed');
      const target = xml.slice(i + 2, scanName(i + 2)).replace(/\?$/, '');
      if (!PI_TARGET.test(target)) malformed(xml, i, 'processing instruction without a valid target');
      if (target.toLowerCase() === 'xml')
        malformed(xml, i, 'the XML declaration is only allowed at the very start of the document');
      i = end + 2;
      continue;
    }

    // Start tag.
    const nameEnd = scanName(i + 1);
    const qname = xml.slice(i + 1, nameEnd);
    if (!QNAME.test(qname))
      malformed(xml, i, qname === '' ? "'<' must start a tag (write &lt; in text)" : `invalid element name '${qname}'`);
    const mark = bPrefix.length;
    let attrNames: string[] | undefined;
    let prefixedAttrs: string[] | undefined;
    let p = nameEnd;
    let selfClose = false;
    for (;;) {
      const wsStart = p;
      p = skipWs(p);
      const c = xml.charCodeAt(p);
      if (c === 0x3e) {
        p++;
        break;
      }
      if (c === 0x2f) {
        if (xml.charCodeAt(p + 1) !== 0x3e) malformed(xml, p, "'/' in a start tag must be followed by '>'");
        p += 2;
        selfClose = true;
        break;
      }
      if (p >= len) malformed(xml, i, `start tag <${qname}> is not closed`);
      if (p === wsStart) malformed(xml, p, 'whitespace is required between attributes');
      const aEnd = scanName(p);
      const aName = xml.slice(p, aEnd);
      if (!QNAME.test(aName))
        malformed(
          xml,
          p,
          aName === '' ? `unexpected character in start tag <${qname}>` : `invalid attribute name '${aName}'`,
        );
      let q = skipWs(aEnd);
      if (xml.charCodeAt(q) !== 0x3d) malformed(xml, q, `attribute '${aName}' needs '=' and a quoted value`);
      q = skipWs(q + 1);
      const quote = xml.charCodeAt(q);
      if (quote !== 0x22 && quote !== 0x27) malformed(xml, q, `value of attribute '${aName}' must be quoted`);
      const vEnd = xml.indexOf(quote === 0x22 ? '"' : "'", q + 1);
      if (vEnd < 0) malformed(xml, q, `value of attribute '${aName}' is not closed`);
      let value = xml.slice(q + 1, vEnd);
      if (value.includes('<')) malformed(xml, q, `'<' is not allowed in the value of attribute '${aName}'`);
      if (value.includes('&')) value = decodeReferences(xml, value, q + 1);
      attrNames ??= [];
      if (attrNames.includes(aName)) malformed(xml, p, `attribute '${aName}' is repeated`);
      if (attrNames.length >= MAX_ATTRIBUTES) malformed(xml, p, `more than ${MAX_ATTRIBUTES} attributes on <${qname}>`);
      attrNames.push(aName);
      if (aName === 'xmlns') {
        if (value === XML_NS || value === XMLNS_NS) malformed(xml, p, `'${value}' cannot be the default namespace`);
        bPrefix.push('');
        bUri.push(value);
      } else if (aName.startsWith('xmlns:')) {
        const prefix = aName.slice(6);
        if (value === '') malformed(xml, p, `namespace prefix '${prefix}' cannot be undeclared`);
        if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NS) || value === XMLNS_NS)
          malformed(xml, p, `illegal namespace declaration '${aName}'`);
        bPrefix.push(prefix);
        bUri.push(value);
      } else if (aName.includes(':')) {
        (prefixedAttrs ??= []).push(aName);
      }
      p = vEnd + 1;
    }
    if (bPrefix.length > MAX_BINDINGS) malformed(xml, i, `more than ${MAX_BINDINGS} namespace declarations in scope`);
    if (prefixedAttrs) for (const a of prefixedAttrs) lookup(a.slice(0, a.indexOf(':')), i);
    const colon = qname.indexOf(':');
    const el: XmlElement = {
      qname,
      ns: lookup(colon < 0 ? '' : qname.slice(0, colon), i),
      local: colon < 0 ? qname : qname.slice(colon + 1),
      pos: i,
      children: [],
      text: '',
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) malformed(xml, i, `a second root element <${qname}> (a document has exactly one)`);
    else root = el;
    if (selfClose) {
      bPrefix.length = mark;
      bUri.length = mark;
    } else {
      if (stack.length >= MAX_DEPTH) malformed(xml, i, `elements nested deeper than ${MAX_DEPTH}`);
      stack.push(el);
      marks.push(mark);
    }
    i = p;
  }

  const open = stack[stack.length - 1];
  if (open) malformed(xml, len, `unexpected end of document: <${open.qname}> is not closed`);
  if (!root) malformed(xml, len, 'no root element');
  return root;
}

// ---------------------------------------------------------------------------------------------
// Mapping the tree onto RawBatch
// ---------------------------------------------------------------------------------------------

/** The batch fields that may appear in the header and/or be repeated in each BerichtInformatie. */
export const BATCH_FIELDS = ['BatchID', 'AanmaakDatum', 'BerichtLeverancierID'] as const;
/** BerichtInformatie children other than the repeated batch fields. */
export const LETTER_FIELDS = [
  'BerichtID',
  'BerichtType',
  'PublicatieDatum',
  'EindDatumHandelingsTermijn',
  'Onderwerp',
  'BerichtTekst',
  'Referentie',
  'GebruikerID',
  'SoortGebruiker',
] as const;
export const BIJLAGE_FIELDS = ['Inhoud', 'BijlageType', 'Omschrijving', 'Volgorde'] as const;

const BATCH_FIELD_SET: ReadonlySet<string> = new Set(BATCH_FIELDS);
const LETTER_FIELD_SET: ReadonlySet<string> = new Set(LETTER_FIELDS);
const BIJLAGE_FIELD_SET: ReadonlySet<string> = new Set(BIJLAGE_FIELDS);

// Expected namespace, or none (documents without namespaces are accepted).
const inBatchNs = (el: XmlElement): boolean => el.ns === NS_BATCH || el.ns === '';
const inBerichtNs = (el: XmlElement): boolean => el.ns === NS_BERICHT || el.ns === '';
// The repeated batch fields inside BerichtInformatie: Logius' example puts them in the bericht
// namespace; a client copying them from the header may keep the batch namespace. Both accepted.
const inEitherNs = (el: XmlElement): boolean => el.ns === NS_BERICHT || el.ns === NS_BATCH || el.ns === '';

function describe(el: XmlElement): string {
  return el.ns === '' ? `<${el.qname}> (no namespace)` : `<${el.qname}> (namespace ${el.ns})`;
}

function wrongNs(el: XmlElement, path: string, expected: string): string {
  return `${path}: element ${describe(el)} must be in namespace ${expected}`;
}

function hasText(el: XmlElement): boolean {
  return el.text !== '' && !WHITESPACE_ONLY.test(el.text);
}

/** Text of a leaf element; an element with child elements is a structure error. */
function leafText(el: XmlElement, path: string, errors: string[]): string | undefined {
  const child = el.children[0];
  if (child) {
    errors.push(`${path}: must contain text only, found element ${describe(child)}`);
    return undefined;
  }
  return el.text;
}

function textNotAllowed(el: XmlElement, path: string, errors: string[]): void {
  if (hasText(el)) errors.push(`${path}: text is not allowed here (only elements)`);
}

function mapBijlage(el: XmlElement, path: string, errors: string[]): RawBijlage {
  if (!inBerichtNs(el)) errors.push(wrongNs(el, path, NS_BERICHT));
  textNotAllowed(el, path, errors);
  const f: Record<string, string | undefined> = {};
  for (const c of el.children) {
    const cPath = `${path}.${c.local}`;
    if (!BIJLAGE_FIELD_SET.has(c.local)) {
      errors.push(`${path}: unknown element ${describe(c)}`);
      continue;
    }
    if (!inBerichtNs(c)) errors.push(wrongNs(c, cPath, NS_BERICHT));
    if (Object.hasOwn(f, c.local)) {
      errors.push(`${cPath}: element is repeated`);
      continue;
    }
    f[c.local] = leafText(c, cPath, errors);
  }
  return {
    Inhoud: f['Inhoud'],
    BijlageType: f['BijlageType'],
    Omschrijving: f['Omschrijving'],
    Volgorde: f['Volgorde'],
  };
}

function mapLetter(el: XmlElement, seq: number): RawLetter {
  const errors: string[] = [];
  const fields: Record<string, string | undefined> = {};
  const bijlagen: RawBijlage[] = [];
  if (!inBerichtNs(el)) errors.push(wrongNs(el, 'Bericht', NS_BERICHT));
  textNotAllowed(el, 'Bericht', errors);
  let info = false;
  let wrapper = false;
  for (const c of el.children) {
    switch (c.local) {
      case 'BerichtInformatie': {
        if (!inBerichtNs(c)) errors.push(wrongNs(c, 'BerichtInformatie', NS_BERICHT));
        if (info) {
          errors.push('BerichtInformatie: element is repeated');
          break;
        }
        info = true;
        textNotAllowed(c, 'BerichtInformatie', errors);
        for (const f of c.children) {
          const path = `BerichtInformatie.${f.local}`;
          const batchField = BATCH_FIELD_SET.has(f.local);
          if (!batchField && !LETTER_FIELD_SET.has(f.local)) {
            errors.push(`BerichtInformatie: unknown element ${describe(f)}`);
            continue;
          }
          if (!(batchField ? inEitherNs(f) : inBerichtNs(f))) errors.push(wrongNs(f, path, NS_BERICHT));
          if (Object.hasOwn(fields, f.local)) {
            errors.push(`${path}: element is repeated`);
            continue;
          }
          fields[f.local] = leafText(f, path, errors);
        }
        break;
      }
      case 'Bijlagen': {
        if (!inBerichtNs(c)) errors.push(wrongNs(c, 'Bijlagen', NS_BERICHT));
        if (wrapper) errors.push('Bijlagen: element is repeated');
        wrapper = true;
        textNotAllowed(c, 'Bijlagen', errors);
        for (const b of c.children) {
          if (b.local === 'Bijlage') bijlagen.push(mapBijlage(b, `Bijlagen.Bijlage[${bijlagen.length}]`, errors));
          else errors.push(`Bijlagen: unknown element ${describe(b)}`);
        }
        break;
      }
      case 'Bijlage':
        // Attachments directly under Bericht (no wrapper): accepted, see INTERFACES.md.
        bijlagen.push(mapBijlage(c, `Bijlage[${bijlagen.length}]`, errors));
        break;
      default:
        errors.push(`Bericht: unknown element ${describe(c)}`);
    }
  }
  if (!info) errors.push('BerichtInformatie: required element is missing');
  return { seq, fields, bijlagen, structureErrors: errors };
}

/** Maps a scanned document onto the RawBatch shape (exported for tests and tools that scan themselves). */
export function mapBerichtenDocument(root: XmlElement): RawBatch {
  if (root.local !== 'Berichten' || !inBatchNs(root)) {
    throw new BerichtenParseError(`root element must be <Berichten> in namespace ${NS_BATCH}, found ${describe(root)}`);
  }
  const batchErrors: string[] = [];
  textNotAllowed(root, 'Berichten', batchErrors);
  let header: Record<string, string | undefined> | undefined;
  const letters: RawLetter[] = [];
  for (const c of root.children) {
    if (c.local === 'Bericht') {
      letters.push(mapLetter(c, letters.length));
    } else if (c.local === 'BatchInformatie') {
      if (!inBatchNs(c)) batchErrors.push(wrongNs(c, 'BatchInformatie', NS_BATCH));
      if (header) {
        batchErrors.push('BatchInformatie: element is repeated');
        continue;
      }
      const h: Record<string, string | undefined> = {};
      header = h;
      textNotAllowed(c, 'BatchInformatie', batchErrors);
      for (const f of c.children) {
        const path = `BatchInformatie.${f.local}`;
        if (!BATCH_FIELD_SET.has(f.local)) {
          batchErrors.push(`BatchInformatie: unknown element ${describe(f)}`);
          continue;
        }
        if (!inBatchNs(f)) batchErrors.push(wrongNs(f, path, NS_BATCH));
        if (Object.hasOwn(h, f.local)) {
          batchErrors.push(`${path}: element is repeated`);
          continue;
        }
        h[f.local] = leafText(f, path, batchErrors);
      }
    } else {
      batchErrors.push(`Berichten: unknown element ${describe(c)}`);
    }
  }
  return { format: 'xml', header, letters, batchErrors };
}

/**
 * Parses a Berichten batch. Throws UnsafeXmlError (DOCTYPE/ENTITY) or BerichtenParseError
 * (malformed XML, wrong root element). Values stay the exact text sent (no number conversion).
 */
export function parseBerichtenXml(xml: string): RawBatch {
  return mapBerichtenDocument(scanXml(xml));
}
