/**
 * The request of the Abonnementservice, `AbonnementAanvraag` (XML, the real document shape) or its
 * JSON equivalent, parsed and checked into one form. Every error names the field (in the names of the
 * interface the client used) and the rule it breaks.
 *
 * XML (INTERFACES.md, Abonnementservice): root `AbonnementAanvraag` in NS_AANVRAAG, children
 * unqualified (children in NS_AANVRAAG are accepted too: clients differ; matched on namespace URI and
 * local name, never on prefix):
 *
 *   <a:AbonnementAanvraag xmlns:a="http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02">
 *     <BerichtLeverancier><OIN>00000001003214345000</OIN></BerichtLeverancier>
 *     <VerzoekId>…</VerzoekId>                                   optional here (generated when absent)
 *     (nothing → alles | <BSNLijst><BSN>…</BSN>…</BSNLijst> → bsn-lijst | <MutatieDatum>instant</MutatieDatum> → mutatiebasis)
 *   </a:AbonnementAanvraag>
 *
 * JSON: { type: 'alles' | 'bsn-lijst' | 'mutatiebasis', oin, verzoekId?, bsns?: string[], sinds?: instant }.
 */
import { BerichtenParseError, UnsafeXmlError, scanXml, type XmlElement } from '../../berichten/index.ts';
import type { ProblemName } from '../../errors/catalogue.ts';
import { OIN_DIGITS } from '../../norms/index.ts';
import { bsnCode } from '../../population/index.ts';
import { KINDS, type Kind } from './config.ts';

export const NS_AANVRAAG = 'http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02';
export const ROOT_AANVRAAG = 'AbonnementAanvraag';

/** A checked request. */
export interface Aanvraag {
  readonly kind: Kind;
  readonly oin: string;
  readonly verzoekId: string | undefined;
  /** bsn-lijst: the BSNs as numbers (elfproef passed), in request order. */
  readonly bsns: Uint32Array | undefined;
  /** mutatiebasis: the instant (epoch ms). */
  readonly sinds: number | undefined;
  readonly via: 'xml' | 'json';
}

export interface AanvraagError {
  readonly problem: ProblemName;
  readonly detail: string;
  readonly field: string;
  readonly rule: string;
  readonly serviceCode?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type Checked =
  | { readonly ok: true; readonly aanvraag: Aanvraag }
  | { readonly ok: false; readonly error: AanvraagError };

/** The field names of each interface, for error messages. */
interface Names {
  readonly type: string;
  readonly oin: string;
  readonly verzoekId: string;
  readonly bsns: string;
  readonly bsn: (i: number) => string;
  readonly sinds: string;
}

export const XML_NAMES: Names = {
  type: ROOT_AANVRAAG,
  oin: 'BerichtLeverancier.OIN',
  verzoekId: 'VerzoekId',
  bsns: 'BSNLijst',
  bsn: (i) => `BSNLijst.BSN[${i}]`,
  sinds: 'MutatieDatum',
};
export const JSON_NAMES: Names = {
  type: 'type',
  oin: 'oin',
  verzoekId: 'verzoekId',
  bsns: 'bsns',
  bsn: (i) => `bsns[${i}]`,
  sinds: 'sinds',
};

const OIN_PATTERN = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);
/** URL-safe, so that it can stand in /verzoeken/:id (a GUID fits). */
const VERZOEK_ID = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,99}$/;
/** xs:dateTime with a zone (the interfaces speak Zulu time; a local time without zone is ambiguous). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const quote = (s: string): string => `'${s.length > 60 ? `${s.slice(0, 60)}…` : s}'`;

function invalid(
  field: string,
  rule: string,
  detail: string,
  extra?: Record<string, unknown>,
): { ok: false; error: AanvraagError } {
  return {
    ok: false,
    error: { problem: 'INVALID_REQUEST', field, rule, detail: `${field}: ${detail}`, ...(extra ? { extra } : {}) },
  };
}

/** The raw fields of either interface, before the shared checks. */
interface RawAanvraag {
  readonly kind: Kind;
  readonly oin: string;
  readonly verzoekId: string | undefined;
  readonly bsns: readonly unknown[] | undefined;
  readonly sinds: string | undefined;
}

export interface CheckContext {
  /** The afnemer's OIN from X-Afnemer-OIN (stands for the OIN in the CPA). */
  readonly headerOin: string;
  readonly now: number;
  readonly maxBsns: number;
}

function check(raw: RawAanvraag, names: Names, via: 'xml' | 'json', ctx: CheckContext): Checked {
  if (!OIN_PATTERN.test(raw.oin))
    return invalid(names.oin, `${OIN_DIGITS.max} digits`, `${quote(raw.oin)} is not an OIN`);
  if (raw.oin !== ctx.headerOin) {
    return {
      ok: false,
      error: {
        problem: 'INVALID_REQUEST',
        field: names.oin,
        rule: 'equals X-Afnemer-OIN',
        serviceCode: 'OinInCPAKomtNietOvereenMetOinInBericht',
        detail: `${names.oin} ${raw.oin} is not the OIN of the sender (X-Afnemer-OIN ${ctx.headerOin}, the OIN in the CPA)`,
      },
    };
  }
  if (raw.verzoekId !== undefined && !VERZOEK_ID.test(raw.verzoekId)) {
    return invalid(
      names.verzoekId,
      '1-100 characters A-Z a-z 0-9 . _ ~ : - (starting with a letter or digit)',
      `${quote(raw.verzoekId)} is not a usable id`,
    );
  }
  let bsns: Uint32Array | undefined;
  let sinds: number | undefined;
  if (raw.kind === 'bsn-lijst') {
    const list = raw.bsns;
    if (list === undefined) return invalid(names.bsns, 'required for bsn-lijst', 'missing');
    if (list.length === 0) return invalid(names.bsns, `1..${ctx.maxBsns} BSNs`, 'the list is empty');
    if (list.length > ctx.maxBsns)
      return invalid(names.bsns, `at most ${ctx.maxBsns} BSNs`, `the list holds ${list.length} BSNs`, {
        count: list.length,
        limit: ctx.maxBsns,
      });
    bsns = new Uint32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const b = list[i];
      if (typeof b !== 'string')
        return invalid(names.bsn(i), 'string of 9 digits', `is a ${b === null ? 'null' : typeof b}, not a string`, {
          index: i,
        });
      const code = bsnCode(b);
      if (code < 0) {
        return {
          ok: false,
          error: {
            problem: 'INVALID_BSN',
            field: names.bsn(i),
            rule: 'elfproef',
            detail: `${names.bsn(i)}: ${quote(b)} is not a valid BSN (9 digits passing the elfproef)`,
            extra: { index: i },
          },
        };
      }
      bsns[i] = code;
    }
  } else if (raw.bsns !== undefined) {
    return invalid(names.bsns, 'only with bsn-lijst', `a ${raw.kind} request carries no BSN list`);
  }
  if (raw.kind === 'mutatiebasis') {
    if (raw.sinds === undefined) return invalid(names.sinds, 'required for mutatiebasis', 'missing');
    const t = INSTANT.test(raw.sinds) ? Date.parse(raw.sinds) : Number.NaN;
    if (!Number.isFinite(t))
      return invalid(
        names.sinds,
        'ISO 8601 instant with zone (e.g. 2026-11-16T23:00:00Z)',
        `${quote(raw.sinds)} is not an instant`,
      );
    if (t > ctx.now)
      return invalid(
        names.sinds,
        'not in the future',
        `${raw.sinds} lies after the time of receipt ${new Date(ctx.now).toISOString()} (sim time)`,
      );
    sinds = t;
  } else if (raw.sinds !== undefined) {
    return invalid(names.sinds, 'only with mutatiebasis', `a ${raw.kind} request carries no ${names.sinds}`);
  }
  return { ok: true, aanvraag: { kind: raw.kind, oin: raw.oin, verzoekId: raw.verzoekId, bsns, sinds, via } };
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

const JSON_KEYS: ReadonlySet<string> = new Set(['type', 'oin', 'verzoekId', 'bsns', 'sinds']);

export function parseJsonAanvraag(body: unknown, ctx: CheckContext): Checked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      error: {
        problem: 'MALFORMED_BODY',
        field: '(body)',
        rule: 'JSON object',
        detail: 'the body must be a JSON object { type, oin, verzoekId?, bsns?, sinds? }',
      },
    };
  }
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!JSON_KEYS.has(k))
      return invalid(
        k.slice(0, 60),
        'unknown property',
        `is not a property of a request (type, oin, verzoekId, bsns, sinds)`,
      );
  }
  const type = o['type'];
  if (type === undefined) return invalid('type', `one of ${KINDS.join(', ')}`, 'missing');
  if (typeof type !== 'string' || !(KINDS as readonly string[]).includes(type)) {
    return invalid(
      'type',
      `one of ${KINDS.join(', ')}`,
      `${quote(String(JSON.stringify(type)))} is not a kind of request`,
    );
  }
  const str = (k: string): { ok: true; v: string | undefined } | { ok: false; error: AanvraagError } => {
    const v = o[k];
    if (v === undefined) return { ok: true, v: undefined };
    if (typeof v !== 'string') return invalid(k, 'string', `is a ${v === null ? 'null' : typeof v}, not a string`);
    return { ok: true, v };
  };
  const oin = str('oin');
  if (!oin.ok) return oin;
  if (oin.v === undefined)
    return invalid('oin', 'required', "missing: the afnemer's OIN (as in BerichtLeverancier/OIN)");
  const verzoekId = str('verzoekId');
  if (!verzoekId.ok) return verzoekId;
  const sinds = str('sinds');
  if (!sinds.ok) return sinds;
  const bsns = o['bsns'];
  if (bsns !== undefined && !Array.isArray(bsns))
    return invalid('bsns', 'array of BSN strings', `is a ${bsns === null ? 'null' : typeof bsns}, not an array`);
  return check(
    { kind: type as Kind, oin: oin.v, verzoekId: verzoekId.v, bsns: bsns as unknown[] | undefined, sinds: sinds.v },
    JSON_NAMES,
    'json',
    ctx,
  );
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

const isChildNs = (e: XmlElement): boolean => e.ns === '' || e.ns === NS_AANVRAAG;
const WS = /^[ \t\r\n]*$/;

/** Text of a leaf element, trimmed; undefined when it has element children. */
function leafText(e: XmlElement): string | undefined {
  return e.children.length > 0 ? undefined : e.text.trim();
}

/** Rough upper bound of elements (every '<'), so a huge list is refused before it is turned into a tree. */
function countMarkup(xml: string, stopAt: number): number {
  let n = 0;
  for (let i = xml.indexOf('<'); i >= 0 && n <= stopAt; i = xml.indexOf('<', i + 1)) n++;
  return n;
}

export function parseXmlAanvraag(xml: string, ctx: CheckContext): Checked {
  // Each BSN element takes two '<'; allow some for the rest of the document and comments.
  const markupLimit = 2 * ctx.maxBsns + 256;
  if (countMarkup(xml, markupLimit + 1) > markupLimit) {
    return invalid(
      XML_NAMES.bsns,
      `at most ${ctx.maxBsns} BSNs`,
      `the document holds more than ${ctx.maxBsns} elements`,
      { limit: ctx.maxBsns },
    );
  }
  let root: XmlElement;
  try {
    root = scanXml(xml);
  } catch (err) {
    if (err instanceof UnsafeXmlError)
      return {
        ok: false,
        error: {
          problem: 'UNSAFE_XML',
          field: '(body)',
          rule: 'no DOCTYPE or entity declarations',
          detail: err.message,
        },
      };
    if (err instanceof BerichtenParseError)
      return {
        ok: false,
        error: {
          problem: 'MALFORMED_BODY',
          field: '(body)',
          rule: 'well-formed XML',
          detail: err.message,
          extra: { line: err.line, column: err.column },
        },
      };
    throw err;
  }
  if (root.local !== ROOT_AANVRAAG || root.ns !== NS_AANVRAAG) {
    return invalid(
      ROOT_AANVRAAG,
      `root element ${ROOT_AANVRAAG} in ${NS_AANVRAAG}`,
      `the root element is ${root.local}${root.ns ? ` in ${root.ns}` : ' in no namespace'}`,
    );
  }
  if (!WS.test(root.text))
    return invalid(ROOT_AANVRAAG, 'element content only', 'holds text outside its child elements');
  const seen = new Map<string, XmlElement>();
  for (const c of root.children) {
    if (!isChildNs(c) || !['BerichtLeverancier', 'VerzoekId', 'BSNLijst', 'MutatieDatum'].includes(c.local)) {
      return invalid(
        `${ROOT_AANVRAAG}.${c.local}`,
        'known element (BerichtLeverancier, VerzoekId, BSNLijst, MutatieDatum; unqualified)',
        `unexpected element ${c.local}${c.ns ? ` in ${c.ns}` : ''}`,
      );
    }
    if (seen.has(c.local)) return invalid(c.local, 'at most once', 'occurs more than once');
    seen.set(c.local, c);
  }
  const leverancier = seen.get('BerichtLeverancier');
  if (!leverancier) return invalid('BerichtLeverancier', 'required', 'missing');
  let oinEl: XmlElement | undefined;
  for (const c of leverancier.children) {
    if (!isChildNs(c) || c.local !== 'OIN')
      return invalid(`BerichtLeverancier.${c.local}`, 'only OIN', `unexpected element ${c.local}`);
    if (oinEl) return invalid(XML_NAMES.oin, 'exactly once', 'occurs more than once');
    oinEl = c;
  }
  if (!oinEl) return invalid(XML_NAMES.oin, 'required', 'missing');
  const oin = leafText(oinEl);
  if (oin === undefined) return invalid(XML_NAMES.oin, 'text only', 'holds elements');
  const idEl = seen.get('VerzoekId');
  const verzoekId = idEl ? leafText(idEl) : undefined;
  if (idEl && verzoekId === undefined) return invalid(XML_NAMES.verzoekId, 'text only', 'holds elements');
  const lijst = seen.get('BSNLijst');
  const datum = seen.get('MutatieDatum');
  if (lijst && datum)
    return invalid(ROOT_AANVRAAG, 'at most one of BSNLijst, MutatieDatum', 'holds both a BSNLijst and a MutatieDatum');
  let bsns: string[] | undefined;
  if (lijst) {
    bsns = [];
    if (!WS.test(lijst.text))
      return invalid(XML_NAMES.bsns, 'BSN elements only', 'holds text outside its BSN elements');
    for (const [i, c] of lijst.children.entries()) {
      if (!isChildNs(c) || c.local !== 'BSN')
        return invalid(
          `${XML_NAMES.bsns}.${c.local}`,
          'BSN elements only',
          `unexpected element ${c.local} at position ${i}`,
        );
      const t = leafText(c);
      if (t === undefined) return invalid(XML_NAMES.bsn(i), 'text only', 'holds elements', { index: i });
      bsns.push(t);
    }
  }
  let sinds: string | undefined;
  if (datum) {
    sinds = leafText(datum);
    if (sinds === undefined) return invalid(XML_NAMES.sinds, 'text only', 'holds elements');
  }
  const kind: Kind = lijst ? 'bsn-lijst' : datum ? 'mutatiebasis' : 'alles';
  return check({ kind, oin, verzoekId, bsns, sinds }, XML_NAMES, 'xml', ctx);
}
