/**
 * The ValidateAbonnementen question, independent of its transport (SOAP or JSON): the raw fields
 * as sent, the checks every query must pass, and the answer.
 *
 * The answer for one Klant is `population.wantsLettersFrom(Key, berichtleverancierCode)` AND the
 * berichtTypeCode is configured for that afnemer: exactly the letters the intake would code
 * `Verwerkt` rather than `NietActiefOfGeabonneerd` or `BerichtTypeNietOndersteund`. A berichtTypeCode
 * that is well-formed but not configured for the afnemer is not an error: every Klant gets
 * `isBerichtSturen=false` ("may this afnemer send this letter type to this burger?" — no), as the
 * intake would refuse every such letter. (Our choice; the real behaviour is not documented.)
 */
import { BERICHTTYPE_CHARS, OIN_DIGITS, VALIDATION_KLANTEN } from '../../norms/index.ts';
import { isNineDigits, isValidBsn, type Population } from '../../population/index.ts';
import type { KnownAfnemer } from '../context.ts';

/** The one Rol the interface knows. */
export const ROL_BURGER = 'Burger';

export interface RawKlant {
  readonly key: string | undefined;
  readonly rol: string | undefined;
}

/** A query as sent: every value the exact text, or undefined when the element/field is absent. */
export interface RawQuery {
  readonly berichtleverancierCode: string | undefined;
  readonly berichtTypeCode: string | undefined;
  readonly klanten: readonly RawKlant[];
}

export interface Query {
  readonly afnemer: KnownAfnemer;
  readonly berichtTypeCode: string;
  readonly keys: readonly string[];
}

export interface Answer {
  readonly berichtTypeOndersteund: boolean;
  readonly resultaten: readonly { readonly key: string; readonly isBerichtSturen: boolean }[];
}

/**
 * What is wrong with a query. `kind` picks the JSON problem, `faultCode` is the code in the SOAP
 * ApplicationFault detail (codes chosen by the mock: the real ones are not public).
 */
export interface QueryError {
  readonly kind: 'invalid' | 'count' | 'bsn' | 'oin' | 'unknown-afnemer' | 'oin-mismatch';
  readonly faultCode: string;
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/** How each transport names the fields in its messages (SOAP element paths, JSON property paths). */
export interface FieldNames {
  readonly berichtleverancierCode: string;
  readonly berichtTypeCode: string;
  readonly klanten: string;
  key(i: number): string;
  rol(i: number): string;
}

export const SOAP_NAMES: FieldNames = {
  berichtleverancierCode: 'berichtleverancierCode',
  berichtTypeCode: 'berichtTypeCode',
  klanten: 'Klant',
  key: (i) => `Klant[${i}].Key`,
  rol: (i) => `Klant[${i}].Rol`,
};

export const JSON_NAMES: FieldNames = {
  berichtleverancierCode: 'berichtleverancierCode',
  berichtTypeCode: 'berichtTypeCode',
  klanten: 'klanten',
  key: (i) => `klanten[${i}].key`,
  rol: (i) => `klanten[${i}].rol`,
};

const OIN_PATTERN = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);
const KLANTEN_MIN = VALIDATION_KLANTEN.min ?? 1;
const TYPE_MIN = BERICHTTYPE_CHARS.min ?? 1;

/** Quotes a value for a message, cut short. */
export function quote(v: string): string {
  return v.length > 40 ? `'${v.slice(0, 40)}…'` : `'${v}'`;
}

/** Indices in field names are 0-based; the message also gives the ordinal. */
function nth(i: number): string {
  return `(Klant number ${i + 1} in the query)`;
}

export type Checked = { readonly ok: true; readonly query: Query } | { readonly ok: false; readonly error: QueryError };

export interface CheckContext {
  readonly afnemers: ReadonlyMap<string, KnownAfnemer>;
  /** The X-Afnemer-OIN header when sent (it stands for the OIN of the TLS certificate); must then equal berichtleverancierCode. */
  readonly headerOin: string | undefined;
}

/** The checks of ValidateAbonnementen, in order; the first failure is reported. */
export function checkQuery(raw: RawQuery, names: FieldNames, ctx: CheckContext): Checked {
  const fail = (
    kind: QueryError['kind'],
    faultCode: string,
    field: string,
    rule: string,
    message: string,
  ): Checked => ({ ok: false, error: { kind, faultCode, field, rule, message } });

  const code = raw.berichtleverancierCode;
  if (code === undefined || code === '') {
    return fail(
      'invalid',
      'VerplichtVeldOntbreekt',
      names.berichtleverancierCode,
      'required',
      `${names.berichtleverancierCode} is required: the afnemer's ${OIN_DIGITS.max}-digit OIN`,
    );
  }
  if (!OIN_PATTERN.test(code)) {
    return fail(
      'oin',
      'BerichtleverancierCodeOngeldig',
      names.berichtleverancierCode,
      `${OIN_DIGITS.max} digits (OIN)`,
      `${names.berichtleverancierCode} ${quote(code)} is not a ${OIN_DIGITS.max}-digit OIN`,
    );
  }
  const afnemer = ctx.afnemers.get(code);
  if (!afnemer) {
    return fail(
      'unknown-afnemer',
      'OnbekendeBerichtleverancier',
      names.berichtleverancierCode,
      'connected afnemer',
      `${names.berichtleverancierCode} ${code} is not a connected afnemer of this mock; add it under 'afnemers' in the config`,
    );
  }
  if (ctx.headerOin !== undefined && ctx.headerOin !== code) {
    return fail(
      'oin-mismatch',
      'BerichtleverancierCodeKomtNietOvereen',
      names.berichtleverancierCode,
      'equals X-Afnemer-OIN',
      `${names.berichtleverancierCode} ${code} differs from the OIN of the caller (X-Afnemer-OIN ${quote(ctx.headerOin)})`,
    );
  }
  const type = raw.berichtTypeCode;
  if (type === undefined || type === '') {
    return fail(
      'invalid',
      'VerplichtVeldOntbreekt',
      names.berichtTypeCode,
      'required',
      `${names.berichtTypeCode} is required (${TYPE_MIN}-${BERICHTTYPE_CHARS.max} characters)`,
    );
  }
  if (type.length < TYPE_MIN || type.length > BERICHTTYPE_CHARS.max) {
    return fail(
      'invalid',
      'BerichtTypeCodeOngeldig',
      names.berichtTypeCode,
      `${TYPE_MIN}-${BERICHTTYPE_CHARS.max} characters`,
      `${names.berichtTypeCode} ${quote(type)} has ${type.length} characters; a BerichtType has ${TYPE_MIN} to ${BERICHTTYPE_CHARS.max}`,
    );
  }
  const n = raw.klanten.length;
  if (n < KLANTEN_MIN || n > VALIDATION_KLANTEN.max) {
    return fail(
      'count',
      'AantalKlantenOngeldig',
      names.klanten,
      `${KLANTEN_MIN}..${VALIDATION_KLANTEN.max} Klant elements`,
      `a query holds ${KLANTEN_MIN} to ${VALIDATION_KLANTEN.max} Klant elements; this one has ${n}`,
    );
  }
  const keys: string[] = [];
  for (const [i, k] of raw.klanten.entries()) {
    if (k.key === undefined || k.key === '') {
      return fail(
        'invalid',
        'VerplichtVeldOntbreekt',
        names.key(i),
        'required',
        `${names.key(i)} is required ${nth(i)}: the Klant's BSN`,
      );
    }
    if (!isNineDigits(k.key)) {
      return fail(
        'bsn',
        'KeyOngeldig',
        names.key(i),
        'BSN: 9 digits',
        `${names.key(i)} ${quote(k.key)} ${nth(i)} is not a BSN: a BSN is exactly 9 digits`,
      );
    }
    if (!isValidBsn(k.key)) {
      return fail(
        'bsn',
        'KeyOngeldig',
        names.key(i),
        'BSN: elfproef',
        `${names.key(i)} ${quote(k.key)} ${nth(i)} is not a BSN: it fails the elfproef`,
      );
    }
    if (k.rol === undefined || k.rol === '') {
      return fail(
        'invalid',
        'VerplichtVeldOntbreekt',
        names.rol(i),
        'required',
        `${names.rol(i)} is required ${nth(i)}: send '${ROL_BURGER}'`,
      );
    }
    if (k.rol !== ROL_BURGER) {
      return fail(
        'invalid',
        'RolOngeldig',
        names.rol(i),
        `fixed '${ROL_BURGER}'`,
        `${names.rol(i)} ${quote(k.rol)} ${nth(i)} is not supported: the only Rol is '${ROL_BURGER}'`,
      );
    }
    keys.push(k.key);
  }
  return { ok: true, query: { afnemer, berichtTypeCode: type, keys } };
}

/** The answer per Klant at sim time `now`, in the order asked (duplicates answered each time). */
export function answerQuery(q: Query, population: Population, now: number): Answer {
  const supported = q.afnemer.berichtTypes.has(q.berichtTypeCode);
  return {
    berichtTypeOndersteund: supported,
    resultaten: q.keys.map((key) => ({
      key,
      isBerichtSturen: supported && population.wantsLettersFrom(key, q.afnemer.oin, now),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// JSON: { berichtleverancierCode, berichtTypeCode, klanten: [{ key, rol }] }
// ---------------------------------------------------------------------------------------------

const JSON_KEYS: ReadonlySet<string> = new Set(['berichtleverancierCode', 'berichtTypeCode', 'klanten']);
const KLANT_KEYS: ReadonlySet<string> = new Set(['key', 'rol']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

export type JsonMapped =
  | { readonly ok: true; readonly raw: RawQuery }
  | { readonly ok: false; readonly error: QueryError };

/** Maps a parsed JSON body onto RawQuery, refusing wrong types and unknown fields (names like `klanten[3].key`). */
export function mapJsonQuery(body: unknown): JsonMapped {
  const fail = (field: string, rule: string, message: string): JsonMapped => ({
    ok: false,
    error: { kind: 'invalid', faultCode: 'VerzoekOngeldig', field, rule, message },
  });
  if (!isRecord(body))
    return fail(
      'body',
      'JSON object',
      `the body must be a JSON object { berichtleverancierCode, berichtTypeCode, klanten: [{ key, rol }] }, got ${describeJson(body)}`,
    );
  for (const k of Object.keys(body)) {
    if (!JSON_KEYS.has(k))
      return fail(
        k,
        'known field',
        `unknown field '${k.slice(0, 40)}'; the fields are berichtleverancierCode, berichtTypeCode and klanten`,
      );
  }
  const str = (v: unknown, field: string): string | undefined | JsonMapped => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return fail(field, 'string', `${field} must be a string, got ${describeJson(v)}`);
    return v;
  };
  const code = str(body['berichtleverancierCode'], 'berichtleverancierCode');
  if (typeof code === 'object') return code;
  const type = str(body['berichtTypeCode'], 'berichtTypeCode');
  if (typeof type === 'object') return type;
  const list = body['klanten'];
  if (list === undefined)
    return fail(
      'klanten',
      'required',
      `klanten is required: an array of ${VALIDATION_KLANTEN.min ?? 1} to ${VALIDATION_KLANTEN.max} { key, rol }`,
    );
  if (!Array.isArray(list)) return fail('klanten', 'array', `klanten must be an array, got ${describeJson(list)}`);
  const klanten: RawKlant[] = [];
  for (const [i, k] of (list as unknown[]).entries()) {
    if (!isRecord(k))
      return fail(
        `klanten[${i}]`,
        'JSON object',
        `klanten[${i}] must be an object { key, rol }, got ${describeJson(k)}`,
      );
    for (const f of Object.keys(k)) {
      if (!KLANT_KEYS.has(f))
        return fail(
          `klanten[${i}].${f.slice(0, 40)}`,
          'known field',
          `unknown field '${f.slice(0, 40)}' in klanten[${i}]; the fields are key and rol`,
        );
    }
    const key = str(k['key'], `klanten[${i}].key`);
    if (typeof key === 'object') return key;
    const rol = str(k['rol'], `klanten[${i}].rol`);
    if (typeof rol === 'object') return rol;
    klanten.push({ key, rol });
  }
  return { ok: true, raw: { berichtleverancierCode: code, berichtTypeCode: type, klanten } };
}
