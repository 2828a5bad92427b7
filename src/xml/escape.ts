/**
 * Escaping for XML 1.0, one place for every document we write (Berichten, BerichtVerwerkResponse,
 * SOAP, SAML, JUnit). Text and attribute values need different escapes: an attribute also needs
 * its quote and its whitespace characters escaped (the parser normalises a raw tab or newline in
 * an attribute to a space), text only `&`, `<`, `>` and the carriage return.
 */

/** Characters XML 1.0 cannot carry at all (a JSON client may have sent them); replaced by U+FFFD. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const HAS_NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const TEXT_NEEDS_ESCAPE = /[&<>\r]/;
const ATTR_NEEDS_ESCAPE = /[&<>"'\t\n\r]/;
const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Replaces characters XML cannot carry with U+FFFD. */
export function xmlChars(s: string): string {
  return HAS_NOT_XML_CHAR.test(s) ? s.replace(NOT_XML_CHAR, '\uFFFD') : s;
}

/** Escapes text content. '\r' becomes &#13; so that it survives the parser's end-of-line handling. */
export function escapeXmlText(s: string): string {
  const t = xmlChars(s);
  if (!TEXT_NEEDS_ESCAPE.test(t)) return t;
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (for either quote), keeping tabs and line breaks as written. */
export function escapeXmlAttr(s: string): string {
  const t = xmlChars(s);
  if (!ATTR_NEEDS_ESCAPE.test(t)) return t;
  return t.replace(/[&<>"'\t\n\r]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

/** Text for an XML comment: no '--', no trailing '-'. */
export function xmlCommentText(s: string): string {
  return xmlChars(s)
    .replace(/-(?=-)/g, '- ')
    .replace(/-$/, '- ');
}
