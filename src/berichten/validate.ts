/**
 * Validates a parsed batch like the real Ontvangst/verwerkservice: batch-level problems refuse the
 * whole batch; otherwise each letter gets one VerwerkingsCode — the first failing check, in the
 * order of the real pipeline (XSD, OIN of the CPA, AanmaakDatum, PublicatieDatum, BerichtType,
 * duplicate in the batch, attachment size, subscription). Duplicates against the store and
 * TechnischProbleem are decided later, at commit.
 */
import { DAY } from '../clock/index.ts';
import {
  AANMAAKDATUM_MAX_AGE_DAYS,
  BATCH_LETTERS,
  BERICHTTEKST_CHARS,
  BERICHTTYPE_CHARS,
  BIJLAGEN_PER_LETTER,
  LEVERANCIER_ID_CHARS,
  MAX_ATTACHMENT_BYTES,
  OMSCHRIJVING_CHARS,
  ONDERWERP_CHARS,
  PUBLICATIEDATUM_MAX_AHEAD_DAYS,
  REFERENTIE_CHARS,
} from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { isNineDigits, isValidBsn } from '../population/index.ts';
import type { VerwerkingsCode } from './codes.ts';
import type { BatchHeader, LetterOutcome, RawBatch, RawFields, RawLetter, ValidBijlage, ValidLetter } from './types.ts';

export interface ValidationContext {
  /** Sim time of receipt, epoch ms. */
  now: number;
  /** The afnemer's OIN from its CPA (the X-Afnemer-OIN header in the mock). */
  headerOin: string;
  /** BerichtTypes configured and active for this afnemer. */
  berichtTypes: ReadonlySet<string>;
  population: Population;
  /** How far AanmaakDatum may lie in the future (clock skew), ms. */
  futureSkewMs: number;
}

export type BatchValidation =
  | { ok: true; header: BatchHeader; outcomes: LetterOutcome[] }
  | {
      ok: false;
      problem: 'BATCH_SIZE' | 'BATCH_HEADER_INVALID';
      detail: string;
      field: string;
      rule: string;
      serviceCode?: VerwerkingsCode;
    };

const XSD: VerwerkingsCode = 'XmlValidatieTegenXsdValtNegatiefUit';

// ---------------------------------------------------------------------------------------------
// Lexical checks
// ---------------------------------------------------------------------------------------------

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;
const POSITIVE_INTEGER = /^\+?0*[1-9][0-9]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const XML_WS = /[ \t\r\n]+/g;
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** XML Schema's whitespace "collapse" ends (xs:dateTime, xs:positiveInteger and xs:base64Binary allow them). */
function xmlTrim(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * xs:dateTime → epoch ms, or undefined when not a valid xs:dateTime. With 'Z' or an offset as given;
 * without a zone it is taken as UTC (INTERFACES.md: dates are in Zulu time). Fractions below a
 * millisecond are truncated; 24:00:00 is the next day's midnight (XSD 1.0).
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(xmlTrim(text));
  if (!m) return undefined;
  const [, ys = '', mos = '', ds = '', hs = '', mis = '', ss = '', frac, tz] = m;
  const y = +ys,
    mo = +mos,
    d = +ds,
    h = +hs,
    mi = +mis,
    s = +ss;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || mi > 59 || s > 59) return undefined;
  if (h > 24 || (h === 24 && (mi !== 0 || s !== 0 || (frac !== undefined && /[1-9]/.test(frac))))) return undefined;
  const ms = frac === undefined ? 0 : Number(`${frac}00`.slice(0, 3));
  let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (y < 100) {
    // Date.UTC maps years 0..99 to 1900..1999.
    const dt = new Date(t);
    dt.setUTCFullYear(dt.getUTCFullYear() - 1900);
    t = dt.getTime();
  }
  if (tz !== undefined && tz !== 'Z') {
    const oh = +tz.slice(1, 3);
    const om = +tz.slice(4, 6);
    if (om > 59 || oh > 14 || (oh === 14 && om !== 0)) return undefined;
    t -= (tz[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return t;
}

/** Length in characters (code points), as XML Schema counts them. */
function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

function quote(v: string): string {
  return v.length > 40 ? `'${v.slice(0, 40)}…'` : `'${v}'`;
}

/** Decodes xs:base64Binary (whitespace allowed, as base64 encoders wrap lines); undefined when invalid. */
export function decodeBase64(text: string): Buffer | undefined {
  let t = text;
  if (!BASE64.test(t)) {
    t = t.replace(XML_WS, '');
    if (!BASE64.test(t)) return undefined;
  }
  if (t.length % 4 !== 0) return undefined;
  return Buffer.from(t, 'base64');
}

function positiveInteger(text: string): number | undefined {
  const t = xmlTrim(text);
  if (!POSITIVE_INTEGER.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------

interface Failure {
  readonly code: VerwerkingsCode;
  readonly toelichting: string;
}

function fail(code: VerwerkingsCode, field: string, what: string, rule: string): Failure {
  return { code, toelichting: `${field}: ${what} (rule: ${rule})` };
}

function lengthRule(min: number | undefined, max: number): string {
  return min === undefined || min === 0 ? `at most ${max} characters` : `${min}..${max} characters`;
}

/** Checks a text field's presence and length; undefined when fine. */
function checkText(
  v: string | undefined,
  field: string,
  min: number | undefined,
  max: number,
  required: boolean,
): Failure | undefined {
  const rule = lengthRule(min, max);
  if (v === undefined) return required ? fail(XSD, field, 'required element is missing', rule) : undefined;
  const n = v.length <= max && v.length >= (min ?? 0) ? v.length : charLength(v);
  if (n < (min ?? 0) || n > max) return fail(XSD, field, `has ${n} characters`, rule);
  return undefined;
}

const FIELD = {
  BatchID: { rule: 'GUID', ok: isGuid },
  AanmaakDatum: { rule: 'xs:dateTime', ok: (v: string) => parseDateTime(v) !== undefined },
  BerichtLeverancierID: {
    rule: lengthRule(LEVERANCIER_ID_CHARS.min, LEVERANCIER_ID_CHARS.max),
    ok: (v: string) => {
      const n = charLength(v);
      return n >= (LEVERANCIER_ID_CHARS.min ?? 1) && n <= LEVERANCIER_ID_CHARS.max;
    },
  },
} as const;
type BatchField = keyof typeof FIELD;

interface Checked {
  readonly publicatieDatum: number | undefined;
  readonly eindDatum: number | undefined;
  readonly bijlagen: ValidBijlage[];
  readonly attachmentBytes: number;
}

/** Step a: everything the XSD would reject. Returns the parsed values when the letter passes. */
function checkSchema(l: RawLetter, header: BatchHeader): Failure | Checked {
  const f: RawFields = l.fields;
  if (l.structureErrors.length > 0) {
    const more = l.structureErrors.length > 3 ? ` (and ${l.structureErrors.length - 3} more)` : '';
    return { code: XSD, toelichting: `${l.structureErrors.slice(0, 3).join('; ')}${more} (rule: XSD structure)` };
  }
  const id = f['BerichtID'];
  if (id === undefined) return fail(XSD, 'BerichtInformatie.BerichtID', 'required element is missing', 'GUID');
  if (!isGuid(id)) return fail(XSD, 'BerichtInformatie.BerichtID', `${quote(id)} is not a GUID`, 'GUID');
  const textChecks = [
    checkText(f['BerichtType'], 'BerichtInformatie.BerichtType', BERICHTTYPE_CHARS.min, BERICHTTYPE_CHARS.max, true),
    checkText(f['Onderwerp'], 'BerichtInformatie.Onderwerp', ONDERWERP_CHARS.min, ONDERWERP_CHARS.max, true),
    checkText(
      f['BerichtTekst'],
      'BerichtInformatie.BerichtTekst',
      BERICHTTEKST_CHARS.min,
      BERICHTTEKST_CHARS.max,
      true,
    ),
    checkText(f['Referentie'], 'BerichtInformatie.Referentie', REFERENTIE_CHARS.min, REFERENTIE_CHARS.max, false),
  ];
  for (const t of textChecks) if (t) return t;
  const bsn = f['GebruikerID'];
  if (bsn === undefined) return fail(XSD, 'BerichtInformatie.GebruikerID', 'required element is missing', '9 digits');
  if (!isNineDigits(bsn))
    return fail(XSD, 'BerichtInformatie.GebruikerID', `${quote(bsn)} is not 9 digits`, '9 digits');
  if (!isValidBsn(bsn))
    return fail(XSD, 'BerichtInformatie.GebruikerID', `${quote(bsn)} is not a valid BSN`, 'elfproef');
  const soort = f['SoortGebruiker'];
  if (soort !== 'Burger') {
    return fail(
      XSD,
      'BerichtInformatie.SoortGebruiker',
      soort === undefined ? 'required element is missing' : `${quote(soort)} is not allowed`,
      "'Burger'",
    );
  }
  const dates: (number | undefined)[] = [];
  for (const name of ['PublicatieDatum', 'EindDatumHandelingsTermijn'] as const) {
    const v = f[name];
    const t = v === undefined ? undefined : parseDateTime(v);
    if (v !== undefined && t === undefined)
      return fail(XSD, `BerichtInformatie.${name}`, `${quote(v)} is not an xs:dateTime`, 'xs:dateTime');
    dates.push(t);
  }

  const raw = l.bijlagen;
  if (raw.length > BIJLAGEN_PER_LETTER.max) {
    return fail(XSD, 'Bijlagen', `${raw.length} Bijlage elements`, `at most ${BIJLAGEN_PER_LETTER.max} Bijlage`);
  }
  const contents: Buffer[] = [];
  for (const [k, b] of raw.entries()) {
    const field = `Bijlage[${k}].Inhoud`;
    if (b.Inhoud === undefined || xmlTrim(b.Inhoud) === '')
      return fail(XSD, field, 'required content is missing', 'base64');
    const bytes = decodeBase64(b.Inhoud);
    if (!bytes) return fail(XSD, field, 'is not valid base64', 'base64');
    contents.push(bytes);
  }
  for (const [k, b] of raw.entries()) {
    if (b.BijlageType !== 'Pdf') {
      return fail(
        XSD,
        `Bijlage[${k}].BijlageType`,
        b.BijlageType === undefined ? 'required element is missing' : `${quote(b.BijlageType)} is not allowed`,
        "'Pdf'",
      );
    }
  }
  for (const [k, b] of raw.entries()) {
    const t = checkText(
      b.Omschrijving,
      `Bijlage[${k}].Omschrijving`,
      OMSCHRIJVING_CHARS.min,
      OMSCHRIJVING_CHARS.max,
      true,
    );
    if (t) return t;
  }
  const volgorde: number[] = [];
  for (const [k, b] of raw.entries()) {
    const v = b.Volgorde === undefined ? undefined : positiveInteger(b.Volgorde);
    if (v === undefined) {
      return fail(
        XSD,
        `Bijlage[${k}].Volgorde`,
        b.Volgorde === undefined ? 'required element is missing' : `${quote(b.Volgorde)} is not a positive integer`,
        'xs:positiveInteger',
      );
    }
    // Volgorde identifies the attachment within its letter (the store and the inbox address it so).
    if (volgorde.includes(v))
      return fail(
        XSD,
        `Bijlage[${k}].Volgorde`,
        `${v} is used by an earlier Bijlage of this letter`,
        'unique within the letter',
      );
    volgorde.push(v);
  }
  let attachmentBytes = 0;
  const bijlagen: ValidBijlage[] = [];
  for (const [k, content] of contents.entries()) {
    if (
      content.length < PDF_MAGIC.length ||
      content.compare(PDF_MAGIC, 0, PDF_MAGIC.length, 0, PDF_MAGIC.length) !== 0
    ) {
      return fail(XSD, `Bijlage[${k}].Inhoud`, "decoded content does not start with '%PDF-'", 'PDF');
    }
    attachmentBytes += content.length;
    bijlagen.push({ volgorde: volgorde[k] ?? 0, omschrijving: raw[k]?.Omschrijving ?? '', content });
  }

  // Repeated batch fields must agree with the batch's own.
  const expected: Record<BatchField, string> = {
    BatchID: header.batchId,
    AanmaakDatum: new Date(header.aanmaakDatum).toISOString(),
    BerichtLeverancierID: header.berichtLeverancierId,
  };
  for (const name of ['BatchID', 'AanmaakDatum', 'BerichtLeverancierID'] as const) {
    const v = f[name];
    if (v === undefined) continue;
    const same =
      name === 'BatchID'
        ? v.toLowerCase() === header.batchId
        : name === 'AanmaakDatum'
          ? parseDateTime(v) === header.aanmaakDatum
          : v === header.berichtLeverancierId;
    if (!same) {
      return fail(
        XSD,
        `BerichtInformatie.${name}`,
        `${quote(v)} differs from the batch's ${name} ${quote(expected[name])}`,
        'equal to BatchInformatie',
      );
    }
  }
  return { publicatieDatum: dates[0], eindDatum: dates[1], bijlagen, attachmentBytes };
}

type HeaderResult = { ok: true; header: BatchHeader } | Extract<BatchValidation, { ok: false }>;

function headerInvalid(field: string, rule: string, detail: string): Extract<BatchValidation, { ok: false }> {
  return { ok: false, problem: 'BATCH_HEADER_INVALID', detail, field, rule, serviceCode: XSD };
}

/**
 * The batch's BatchID, AanmaakDatum and BerichtLeverancierID. A field present in BatchInformatie must
 * be valid there. A field absent from the header (or the whole header absent) is taken from the
 * first letter whose BerichtInformatie carries a valid value — normally the first letter; a letter
 * with a malformed or different value then fails on its own (XmlValidatie…) instead of the batch.
 */
function resolveHeader(raw: RawBatch, ctx: ValidationContext): HeaderResult {
  const values: Partial<Record<BatchField, string>> = {};
  for (const name of ['BatchID', 'AanmaakDatum', 'BerichtLeverancierID'] as const) {
    const { rule, ok } = FIELD[name];
    const field = `BatchInformatie.${name}`;
    const hv = raw.header?.[name];
    if (hv !== undefined) {
      if (!ok(hv)) return headerInvalid(field, rule, `${field} ${quote(hv)} is not valid (rule: ${rule})`);
      values[name] = hv;
      continue;
    }
    const lv = raw.letters.find((l) => {
      const v = l.fields[name];
      return v !== undefined && ok(v);
    })?.fields[name];
    if (lv === undefined) {
      const where = raw.header ? `missing in BatchInformatie` : 'no BatchInformatie';
      return headerInvalid(
        field,
        rule,
        `${name}: ${where} and no BerichtInformatie carries a valid one (rule: ${rule})`,
      );
    }
    values[name] = lv;
  }
  const aanmaak = parseDateTime(values.AanmaakDatum ?? '') ?? Number.NaN;
  // A batch "created" in the future cannot be right for any of its letters: refused whole, as an XSD
  // failure (our choice; the real service's behaviour is not documented). Small skew is tolerated.
  if (aanmaak - ctx.now > ctx.futureSkewMs) {
    // Instants to the millisecond and a rounded duration: the sim clock's now is fractional.
    const receipt = Math.floor(ctx.now);
    return headerInvalid(
      'BatchInformatie.AanmaakDatum',
      `at most ${roundedDuration(ctx.futureSkewMs)} after the time of receipt`,
      `BatchInformatie.AanmaakDatum ${quote(values.AanmaakDatum ?? '')} (${new Date(aanmaak).toISOString()}) lies ${roundedDuration(aanmaak - receipt)} after the time of receipt ${new Date(receipt).toISOString()}; at most ${roundedDuration(ctx.futureSkewMs)} of clock skew is accepted`,
    );
  }
  return {
    ok: true,
    header: {
      batchId: (values.BatchID ?? '').toLowerCase(),
      aanmaakDatum: aanmaak,
      berichtLeverancierId: values.BerichtLeverancierID ?? '',
    },
  };
}

/** A duration in words, to the largest two units, rounded: '7 min 30 s', '2912 d 3 h', '450 ms'. */
function roundedDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const i = units.findIndex(([, size]) => abs >= size);
  const [bigName, big] = units[i]!;
  const next = units[i + 1];
  if (!next) return `${Math.round(abs / big)} ${bigName}`;
  let whole = Math.floor(abs / big);
  let rest = Math.round((abs - whole * big) / next[1]);
  if (rest * next[1] >= big) {
    whole += 1;
    rest = 0;
  }
  return rest === 0 ? `${whole} ${bigName}` : `${whole} ${bigName} ${rest} ${next[0]}`;
}

/** Steps d–h for a letter that passed the schema (b and c are the same for every letter of the batch). */
function laterChecks(
  l: RawLetter,
  checked: Checked,
  header: BatchHeader,
  ctx: ValidationContext,
  duplicate: boolean,
): Failure | undefined {
  const berichtType = l.fields['BerichtType'] ?? '';
  const maxAheadMs = PUBLICATIEDATUM_MAX_AHEAD_DAYS.max * DAY;
  if (checked.publicatieDatum !== undefined && checked.publicatieDatum - header.aanmaakDatum > maxAheadMs) {
    return fail(
      'PublicatieDatumLigtTeVerInDeToekomst',
      'BerichtInformatie.PublicatieDatum',
      `${new Date(checked.publicatieDatum).toISOString()} is more than ${PUBLICATIEDATUM_MAX_AHEAD_DAYS.max} days after AanmaakDatum ${new Date(header.aanmaakDatum).toISOString()}`,
      `at most ${PUBLICATIEDATUM_MAX_AHEAD_DAYS.max} days after AanmaakDatum`,
    );
  }
  if (!ctx.berichtTypes.has(berichtType)) {
    const allowed = [...ctx.berichtTypes].join(', ');
    return fail(
      'BerichtTypeNietOndersteund',
      'BerichtInformatie.BerichtType',
      `${quote(berichtType)} is not configured and active for this afnemer (its BerichtTypes: ${allowed})`,
      `one of ${allowed}`,
    );
  }
  if (duplicate) {
    return fail(
      'BerichtBestaatAl',
      'BerichtInformatie.BerichtID',
      `${quote(l.fields['BerichtID'] ?? '')} occurs earlier in this batch`,
      'unique BerichtID',
    );
  }
  if (checked.attachmentBytes > MAX_ATTACHMENT_BYTES.limit) {
    return fail(
      'BijlageTeGroot',
      'Bijlagen',
      `attachments total ${checked.attachmentBytes} bytes`,
      `at most ${MAX_ATTACHMENT_BYTES.limit} bytes together (decoded)`,
    );
  }
  if (!ctx.population.wantsLettersFrom(l.fields['GebruikerID'] ?? '', ctx.headerOin, ctx.now)) {
    return fail(
      'NietActiefOfGeabonneerd',
      'BerichtInformatie.GebruikerID',
      "the burger has no active Berichtenbox or does not want this afnemer's letters",
      'active and subscribed',
    );
  }
  return undefined;
}

export function validateBatch(raw: RawBatch, ctx: ValidationContext): BatchValidation {
  const n = raw.letters.length;
  const min = BATCH_LETTERS.min ?? 1;
  if (n < min || n > BATCH_LETTERS.max) {
    return {
      ok: false,
      problem: 'BATCH_SIZE',
      detail: `a batch holds ${min} to ${BATCH_LETTERS.max} letters; this one has ${n}`,
      field: 'Bericht',
      rule: `${min}..${BATCH_LETTERS.max} letters`,
    };
  }
  const batchErrors = raw.batchErrors ?? [];
  const firstError = batchErrors[0];
  if (firstError !== undefined) {
    const field = firstError.slice(0, Math.max(0, firstError.indexOf(':'))) || 'Berichten';
    return headerInvalid(field, 'XSD structure', batchErrors.join('; '));
  }
  const resolved = resolveHeader(raw, ctx);
  if (!resolved.ok) return resolved;
  const { header } = resolved;

  const maxAgeMs = AANMAAKDATUM_MAX_AGE_DAYS.max * DAY;
  const oinFailure =
    header.berichtLeverancierId === ctx.headerOin
      ? undefined
      : fail(
          'OinInCPAKomtNietOvereenMetOinInBericht',
          'BatchInformatie.BerichtLeverancierID',
          `${quote(header.berichtLeverancierId)} is not the afnemer's OIN ${quote(ctx.headerOin)}`,
          'equal to the OIN in the CPA',
        );
  const ageFailure =
    ctx.now - header.aanmaakDatum <= maxAgeMs
      ? undefined
      : fail(
          'AanmaakDatumLigtTeVerInHetVerleden',
          'BatchInformatie.AanmaakDatum',
          `${new Date(header.aanmaakDatum).toISOString()} is more than ${AANMAAKDATUM_MAX_AGE_DAYS.max} days before ${new Date(ctx.now).toISOString()}`,
          `at most ${AANMAAKDATUM_MAX_AGE_DAYS.max} days in the past`,
        );

  const seen = new Set<string>();
  const outcomes: LetterOutcome[] = [];
  for (const l of raw.letters) {
    const berichtId = l.fields['BerichtID'] ?? '';
    const berichtType = l.fields['BerichtType'] ?? '';
    // Every earlier occurrence of a BerichtID counts, whatever that letter's own outcome.
    const key = isGuid(berichtId) ? berichtId.toLowerCase() : undefined;
    const duplicate = key !== undefined && seen.has(key);
    if (key !== undefined) seen.add(key);

    const checked = checkSchema(l, header);
    const failure: Failure | undefined =
      'code' in checked ? checked : (oinFailure ?? ageFailure ?? laterChecks(l, checked, header, ctx, duplicate));
    if (failure || 'code' in checked) {
      outcomes.push({
        seq: l.seq,
        berichtId,
        berichtType,
        code: failure?.code ?? XSD,
        toelichting: failure?.toelichting ?? '',
      });
      continue;
    }
    const letter: ValidLetter = {
      seq: l.seq,
      berichtId: berichtId.toLowerCase(),
      berichtType,
      publicatieDatum: checked.publicatieDatum,
      eindDatumHandelingsTermijn: checked.eindDatum,
      onderwerp: l.fields['Onderwerp'] ?? '',
      berichtTekst: l.fields['BerichtTekst'] ?? '',
      referentie: l.fields['Referentie'],
      bsn: l.fields['GebruikerID'] ?? '',
      bijlagen: checked.bijlagen,
    };
    outcomes.push({ seq: l.seq, berichtId, berichtType, code: 'Verwerkt', toelichting: '', letter });
  }
  return { ok: true, header, outcomes };
}
