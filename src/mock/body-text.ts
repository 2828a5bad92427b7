/**
 * Content-type parsers that turn request bytes into text through src/xml (the one place that
 * decodes bodies): XML as declared (BOM, charset, declaration; UTF-8, UTF-16, Latin-1 family) and
 * JSON as UTF-8 only (json-body.ts). A body that cannot be decoded is refused before any handler sees it: 415 for a
 * charset we do not speak, 400 naming the byte offset for bytes invalid in their encoding; never
 * text with U+FFFD in it.
 */
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';
import { TextDecodingError, XML_ENCODINGS, decodeXml } from '../xml/index.ts';

/** The problem for a body that cannot be decoded. */
export function decodingProblem(err: TextDecodingError, serviceCode?: string): ProblemError {
  const extra = { encoding: err.encoding, ...(err.byteOffset !== undefined ? { byteOffset: err.byteOffset } : {}) };
  if (err.status === 415) {
    return new ProblemError('UNSUPPORTED_MEDIA_TYPE', err.message, {
      field: 'Content-Type',
      rule: `charset one of ${XML_ENCODINGS.join(', ')} (XML), utf-8 (JSON)`,
      extra,
    });
  }
  return new ProblemError('INVALID_ENCODING', err.message, {
    field: 'body',
    rule: err.encoding === 'UTF-8' && err.source !== 'declaration' ? 'valid UTF-8' : `valid ${err.encoding}`,
    ...(serviceCode !== undefined ? { serviceCode } : {}),
    extra,
  });
}

type Done = (err: Error | null, body?: unknown) => void;

/** A parser (parseAs 'buffer') giving the handler the decoded XML text. */
export function xmlTextParser(serviceCode?: string): (req: FastifyRequest, body: Buffer, done: Done) => void {
  return (req, body, done) => {
    try {
      done(null, decodeXml(body, req.headers['content-type']).text);
    } catch (err) {
      done(err instanceof TextDecodingError ? decodingProblem(err, serviceCode) : (err as Error));
    }
  };
}
