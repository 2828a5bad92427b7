/**
 * Request bodies from bytes to text, as an XML processor (XML 1.0 §4.3.3, Appendix F; RFC 7303)
 * and a JSON parser (RFC 8259 §8.1) must do it, for every endpoint of the mock (intake,
 * Validatieservice, Abonnementservice, DigiD SAML).
 *
 * XML: the encoding is, in this order of authority, the byte order mark (UTF-8, UTF-16LE/BE), the
 * HTTP `charset` parameter (RFC 7303 §3.2), the XML declaration's `encoding`, else UTF-8. Decoded as
 * declared: UTF-8, UTF-16 (with a BOM), US-ASCII, ISO-8859-1, ISO-8859-15 and windows-1252 (the
 * single-byte encodings a Dutch sender may use). A byte that is not valid in that encoding is a
 * fatal error naming its offset (XML 1.0 §4.3.3: "It is a fatal error ..."), never U+FFFD; an
 * encoding outside the list is refused (415 for a charset parameter, 400 for a declaration).
 *
 * JSON: UTF-8 only (RFC 8259 §8.1 "JSON text exchanged between systems that are not part of a closed
 * ecosystem MUST be encoded using UTF-8"): another `charset` is 415, invalid UTF-8 400 with the
 * offset. A leading UTF-8 BOM is ignored (RFC 8259 allows a parser to).
 *
 * No imports of ours: this is the shared-helper layer (DESIGN.md "Layers").
 */
import { isUtf8 } from 'node:buffer';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** Encodings we decode, by canonical name. */
export const XML_ENCODINGS = ['UTF-8', 'UTF-16', 'US-ASCII', 'ISO-8859-1', 'ISO-8859-15', 'windows-1252'] as const;
export type XmlEncoding = (typeof XML_ENCODINGS)[number];

/** Why a body cannot be turned into text. `status` 415: the declared charset is not one we speak; 400: the bytes are wrong. */
export class TextDecodingError extends CodedError {
  readonly code = ERROR_CODES.TEXT_DECODING;
  readonly status: 400 | 415;
  /** Offset (0-based) of the first offending byte, when a byte is at fault. */
  readonly byteOffset: number | undefined;
  readonly encoding: string;
  /** Which part declared the encoding: 'bom', 'charset', 'declaration' or 'default'. */
  readonly source: string;
  constructor(status: 400 | 415, message: string, opts: { byteOffset?: number; encoding: string; source: string }) {
    super(message);
    this.name = 'TextDecodingError';
    this.status = status;
    this.byteOffset = opts.byteOffset;
    this.encoding = opts.encoding;
    this.source = opts.source;
  }
}

const ALIASES: Readonly<Record<string, XmlEncoding>> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'utf-16': 'UTF-16',
  utf16: 'UTF-16',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
  'us-ascii': 'US-ASCII',
  ascii: 'US-ASCII',
  'iso-8859-1': 'ISO-8859-1',
  iso_8859_1: 'ISO-8859-1',
  'iso8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  'latin-1': 'ISO-8859-1',
  l1: 'ISO-8859-1',
  'iso-8859-15': 'ISO-8859-15',
  iso_8859_15: 'ISO-8859-15',
  'iso8859-15': 'ISO-8859-15',
  latin9: 'ISO-8859-15',
  'latin-9': 'ISO-8859-15',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'x-cp1252': 'windows-1252',
};

/** The canonical name of a supported encoding label (case-insensitive), or undefined. */
export function xmlEncodingOf(label: string): XmlEncoding | undefined {
  return ALIASES[label.trim().toLowerCase()];
}

/** The `charset` parameter of a Content-Type header, lower-cased and unquoted, or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const m = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(contentType);
  if (!m) return undefined;
  return (m[2] ?? m[1] ?? '').trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Single-byte and UTF decoders that never substitute
// ---------------------------------------------------------------------------------------------

/** windows-1252 0x80–0x9F (undefined positions: -1). */
const CP1252_HIGH = [
  0x20ac, -1, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, -1, 0x017d, -1,
  -1, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, -1, 0x017e,
  0x0178,
];
/** ISO-8859-15 differs from ISO-8859-1 in eight positions. */
const LATIN9: Readonly<Record<number, number>> = {
  0xa4: 0x20ac,
  0xa6: 0x0160,
  0xa8: 0x0161,
  0xb4: 0x017d,
  0xb8: 0x017e,
  0xbc: 0x0152,
  0xbd: 0x0153,
  0xbe: 0x0178,
};

function decodeSingleByte(
  buf: Uint8Array,
  start: number,
  enc: 'US-ASCII' | 'ISO-8859-1' | 'ISO-8859-15' | 'windows-1252',
  source: string,
): string {
  if (enc === 'ISO-8859-1')
    return Buffer.from(buf.buffer, buf.byteOffset + start, buf.length - start).toString('latin1');
  const parts: string[] = [];
  const CHUNK = 8192;
  const codes: number[] = [];
  for (let i = start; i < buf.length; i++) {
    const b = buf[i] ?? 0;
    let cp = b;
    if (b >= 0x80) {
      if (enc === 'US-ASCII') throw badByte(i, b, enc, source);
      if (enc === 'windows-1252') {
        if (b < 0xa0) {
          cp = CP1252_HIGH[b - 0x80] ?? -1;
          if (cp < 0) throw badByte(i, b, enc, source);
        }
      } else {
        cp = LATIN9[b] ?? b;
      }
    }
    codes.push(cp);
    if (codes.length === CHUNK) {
      parts.push(String.fromCharCode(...codes));
      codes.length = 0;
    }
  }
  parts.push(String.fromCharCode(...codes));
  return parts.join('');
}

function badByte(offset: number, b: number, enc: string, source: string): TextDecodingError {
  return new TextDecodingError(
    400,
    `byte 0x${b.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset} is not valid ${enc}${sourceNote(enc, source)}`,
    { byteOffset: offset, encoding: enc, source },
  );
}

function sourceNote(enc: string, source: string): string {
  switch (source) {
    case 'bom':
      return ' (the byte order mark says so)';
    case 'charset':
      return ` (the Content-Type charset says ${enc})`;
    case 'declaration':
      return ` (the XML declaration says encoding="${enc}")`;
    default:
      return ' (no charset and no encoding declaration: UTF-8 is the default)';
  }
}

/** Offset of the first byte (of a sequence) that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF), or -1. */
export function firstInvalidUtf8(buf: Uint8Array, start = 0): number {
  let i = start;
  const n = buf.length;
  while (i < n) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i; // the sequence that is broken starts here
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function decodeUtf8(buf: Uint8Array, start: number, source: string): string {
  const body = buf.subarray(start);
  if (!isUtf8(body)) {
    const at = firstInvalidUtf8(buf, start);
    const b = buf[at] ?? 0;
    throw new TextDecodingError(
      400,
      `byte 0x${b.toString(16).toUpperCase().padStart(2, '0')} at offset ${at} is not valid UTF-8${sourceNote('UTF-8', source)}`,
      { byteOffset: at, encoding: 'UTF-8', source },
    );
  }
  return Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8');
}

function decodeUtf16(buf: Uint8Array, start: number, littleEndian: boolean, source: string): string {
  const len = buf.length - start;
  if (len % 2 !== 0)
    throw new TextDecodingError(
      400,
      `UTF-16 text has an odd number of bytes: the last byte (offset ${buf.length - 1}) is half a code unit`,
      { byteOffset: buf.length - 1, encoding: 'UTF-16', source },
    );
  const unit = (i: number): number =>
    littleEndian ? (buf[i] ?? 0) | ((buf[i + 1] ?? 0) << 8) : ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0);
  for (let i = start; i < buf.length; i += 2) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 2 < buf.length ? unit(i + 2) : -1;
      if (next < 0xdc00 || next > 0xdfff)
        throw new TextDecodingError(
          400,
          `UTF-16 code unit at offset ${i} is a high surrogate without its low surrogate`,
          { byteOffset: i, encoding: 'UTF-16', source },
        );
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      throw new TextDecodingError(
        400,
        `UTF-16 code unit at offset ${i} is a low surrogate without its high surrogate`,
        { byteOffset: i, encoding: 'UTF-16', source },
      );
    }
  }
  return new TextDecoder(littleEndian ? 'utf-16le' : 'utf-16be').decode(buf.subarray(start));
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

/** The encoding in an XML declaration read as ASCII-compatible bytes, or undefined when there is none. */
function declaredEncoding(buf: Uint8Array, start: number): string | undefined {
  // "<?xml" then the declaration up to "?>", at most 200 bytes; ASCII in every encoding we accept here.
  if (buf[start] !== 0x3c || buf[start + 1] !== 0x3f) return undefined;
  const end = Math.min(buf.length, start + 200);
  let s = '';
  for (let i = start; i < end; i++) {
    const b = buf[i] ?? 0;
    if (b >= 0x80) break;
    s += String.fromCharCode(b);
    if (s.endsWith('?>')) break;
  }
  if (!/^<\?xml[\s]/.test(s)) return undefined;
  const m = /\sencoding\s*=\s*(["'])([^"']*)\1/.exec(s);
  return m?.[2];
}

export interface DecodedXml {
  readonly text: string;
  readonly encoding: XmlEncoding;
}

/**
 * Decodes an XML document's bytes (see the module comment); `contentType` is the request's
 * Content-Type header, whose `charset` counts when there is no BOM. Throws TextDecodingError.
 */
export function decodeXml(bytes: Uint8Array, contentType?: string): DecodedXml {
  const charset = charsetOf(contentType);
  const b0 = bytes[0];
  const b1 = bytes[1];
  // 1. A byte order mark decides.
  let bom: 'utf-8' | 'utf-16le' | 'utf-16be' | undefined;
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) bom = 'utf-8';
  else if (b0 === 0xff && b1 === 0xfe) bom = 'utf-16le';
  else if (b0 === 0xfe && b1 === 0xff) bom = 'utf-16be';
  if (bom !== undefined) {
    const start = bom === 'utf-8' ? 3 : 2;
    const text =
      bom === 'utf-8' ? decodeUtf8(bytes, start, 'bom') : decodeUtf16(bytes, start, bom === 'utf-16le', 'bom');
    const family: XmlEncoding = bom === 'utf-8' ? 'UTF-8' : 'UTF-16';
    const decl = /^<\?xml[^>]*?\sencoding\s*=\s*(["'])([^"']*)\1/.exec(text)?.[2];
    if (decl !== undefined && xmlEncodingOf(decl) !== family) {
      throw new TextDecodingError(
        400,
        `the byte order mark says ${family} but the XML declaration says encoding="${decl}"`,
        { encoding: family, source: 'bom' },
      );
    }
    return { text, encoding: family };
  }
  // UTF-16 without a BOM ("<?" as 00 3C 00 3F or 3C 00 3F 00): XML requires the BOM for UTF-16.
  if ((b0 === 0x00 && b1 === 0x3c) || (b0 === 0x3c && b1 === 0x00)) {
    throw new TextDecodingError(
      400,
      'the document looks like UTF-16 without a byte order mark; UTF-16 XML must start with the BOM (XML 1.0 §4.3.3)',
      { byteOffset: 0, encoding: 'UTF-16', source: 'default' },
    );
  }
  // 2. The charset parameter, 3. the declaration, 4. UTF-8.
  let label: string;
  let source: string;
  const decl = declaredEncoding(bytes, 0);
  if (charset !== undefined) {
    label = charset;
    source = 'charset';
  } else if (decl !== undefined) {
    label = decl;
    source = 'declaration';
  } else {
    label = 'utf-8';
    source = 'default';
  }
  const enc = xmlEncodingOf(label);
  if (enc === undefined) {
    const allowed = XML_ENCODINGS.join(', ');
    throw source === 'charset'
      ? new TextDecodingError(415, `charset '${label.slice(0, 40)}' is not supported for XML (supported: ${allowed})`, {
          encoding: label,
          source,
        })
      : new TextDecodingError(
          400,
          `the XML declaration's encoding '${label.slice(0, 40)}' is not supported (supported: ${allowed})`,
          { encoding: label, source },
        );
  }
  if (enc === 'UTF-16')
    throw new TextDecodingError(
      400,
      `${source === 'charset' ? 'the charset' : 'the XML declaration'} says UTF-16 but the document has no byte order mark (XML 1.0 §4.3.3)`,
      { encoding: enc, source },
    );
  const text = enc === 'UTF-8' ? decodeUtf8(bytes, 0, source) : decodeSingleByte(bytes, 0, enc, source);
  return { text, encoding: enc };
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/** Decodes a JSON body: UTF-8 only (see the module comment). Throws TextDecodingError. */
export function decodeJson(bytes: Uint8Array, contentType?: string): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined && xmlEncodingOf(charset) !== 'UTF-8') {
    throw new TextDecodingError(
      415,
      `JSON must be UTF-8 (RFC 8259 §8.1); charset '${charset.slice(0, 40)}' is not accepted`,
      { encoding: charset, source: 'charset' },
    );
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new TextDecodingError(
      400,
      'JSON must be UTF-8 (RFC 8259 §8.1); this body starts with a UTF-16 byte order mark',
      { byteOffset: 0, encoding: 'UTF-8', source: 'default' },
    );
  }
  return decodeUtf8(bytes, start, charset !== undefined ? 'charset' : 'default');
}
