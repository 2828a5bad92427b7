/**
 * Letters for `bbsim rehearse --generate N`: letter i is a pure function of (spec, i), so the
 * ledger only stores the index and a resumed run regenerates exactly the same letter.
 *
 * The mix is our guess at a realistic bulk delivery (documented in the README): the afnemer's
 * configured letter types with falling weights; BerichtTekst of a few hundred to a few thousand
 * characters; a share with one PDF (some with two) of 20–320 kB; recipients from the mock's
 * population who want the afnemer's letters, a small share who do not (NietActiefOfGeabonneerd).
 * `invalidShare` adds evenly spaced invalid letters, cycling through every kind of mistake the
 * service codes per letter, so that a rehearsal shows each VerwerkingsCode an afnemer can provoke.
 */
import {
  letterText,
  minimalPdf,
  SUBJECTS,
  type BerichtInput,
  type BijlageInput,
  type VerwerkingsCode,
} from '../berichten/index.ts';
import { DAY } from '../clock/index.ts';
import {
  AANMAAKDATUM_MAX_AGE_DAYS,
  BERICHTTYPE_CHARS,
  MAX_ATTACHMENT_BYTES,
  MAX_SHARE_WITH_ATTACHMENT,
  ONDERWERP_CHARS,
  PUBLICATIEDATUM_MAX_AHEAD_DAYS,
} from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { createPrng, hash2, hash32, uniform } from '../random/index.ts';
import type { InputLetter } from './input-types.ts';
import { batchKeyOf, estimateBytes } from './letter-json.ts';

/** How far over half the attachment total each of the two BijlageTeGroot attachments is. */
const OVER_HALF_BYTES = 10_000;

export interface GenerateSpec {
  readonly seed: number;
  readonly count: number;
  readonly afnemerOin: string;
  /** The afnemer's configured BerichtTypes; the first is the most common. */
  readonly berichtTypes: readonly string[];
  /** Another connected afnemer's OIN (for letters whose BerichtLeverancierID is not the sender's). */
  readonly otherOin: string;
  readonly population: Population;
  /** Target sim instant the letters are made at: dates and recipients are relative to it. */
  readonly at: number;
  /** Share of letters with attachments (0 .. the norm's maximum). */
  readonly attachmentShare: number;
  /** Share of valid letters addressed to burgers who do not want the afnemer's letters. */
  readonly notSubscribedShare: number;
  /** Share of letters with a mistake (0..1), spread evenly over INVALID_KINDS. */
  readonly invalidShare: number;
}

/** The mistakes `invalidShare` makes, and the code the service answers each with. */
export const INVALID_KINDS = {
  'bsn-elfproef': 'XmlValidatieTegenXsdValtNegatiefUit',
  'onderwerp-te-lang': 'XmlValidatieTegenXsdValtNegatiefUit',
  'bericht-id-geen-guid': 'XmlValidatieTegenXsdValtNegatiefUit',
  'ander-oin': 'OinInCPAKomtNietOvereenMetOinInBericht',
  'aanmaakdatum-oud': 'AanmaakDatumLigtTeVerInHetVerleden',
  'publicatiedatum-ver': 'PublicatieDatumLigtTeVerInDeToekomst',
  'berichttype-onbekend': 'BerichtTypeNietOndersteund',
  'dubbel-bericht-id': 'BerichtBestaatAl',
  'bijlage-te-groot': 'BijlageTeGroot',
  'niet-geabonneerd': 'NietActiefOfGeabonneerd',
} as const satisfies Record<string, VerwerkingsCode>;

export type InvalidKind = keyof typeof INVALID_KINDS;
const KINDS = Object.keys(INVALID_KINDS) as InvalidKind[];

export interface GeneratedLetter {
  readonly letter: BerichtInput;
  /** undefined for a letter meant to be valid. */
  readonly invalid: InvalidKind | undefined;
}

// Attachment sizes (bytes of PDF), a few buckets so that the base64 can be cached; weights favour small.
const ATTACHMENT_SIZES = [20_000, 40_000, 80_000, 160_000, 320_000] as const;
const ATTACHMENT_WEIGHTS = [0.35, 0.3, 0.2, 0.1, 0.05] as const;
const TWO_ATTACHMENTS_SHARE = 0.15;
const UNKNOWN_TYPE = 'ONBEKEND';

const pdfCache = new Map<number, string>();
function pdfBase64(size: number): string {
  let b = pdfCache.get(size);
  if (b === undefined) {
    b = minimalPdf(size).toString('base64');
    pdfCache.set(size, b);
  }
  return b;
}

const hex = (x: number, digits: number): string =>
  (x >>> 0)
    .toString(16)
    .padStart(8, '0')
    .slice(8 - digits);

/**
 * A version-4-shaped GUID unique per (seed, index): the last 12 hex digits hold the index offset by
 * a seed-derived constant (a bijection for a fixed seed), the rest is drawn.
 */
function guid(seed: number, index: number, next: () => number): string {
  const tail = (index + (hash32('rehearse-ids', seed) % 0x1000_0000)) % 2 ** 48;
  const hi = Math.floor(tail / 2 ** 24);
  const lo = tail % 2 ** 24;
  const w = next();
  const variant = '89ab'[w >>> 30] ?? '8';
  return `${hex(next(), 8)}-${hex(next(), 4)}-4${hex(w, 3)}-${variant}${hex(w >>> 12, 3)}-${hex(hi, 6)}${hex(lo, 6)}`;
}

function pick<T>(items: readonly T[], weights: readonly number[], u: number): T {
  let acc = 0;
  const total = weights.reduce((a, b) => a + b, 0);
  for (const [k, w] of weights.entries()) {
    acc += w / total;
    if (u < acc) return items[k] as T;
  }
  return items[items.length - 1] as T;
}

/** Which kind of mistake letter `index` carries: evenly spaced, cycling through the kinds. */
export function invalidKindOf(spec: GenerateSpec, index: number): InvalidKind | undefined {
  const s = spec.invalidShare;
  if (!(s > 0)) return undefined;
  const before = Math.floor(index * s);
  if (Math.floor((index + 1) * s) === before) return undefined;
  return KINDS[before % KINDS.length];
}

function check(spec: GenerateSpec): void {
  const maxAttach = MAX_SHARE_WITH_ATTACHMENT.limit / 100;
  if (!(spec.attachmentShare >= 0 && spec.attachmentShare <= maxAttach))
    throw new RangeError(
      `attachment share must be 0..${maxAttach} (the norm allows at most ${MAX_SHARE_WITH_ATTACHMENT.limit} %), got ${spec.attachmentShare}`,
    );
  for (const [name, v] of [
    ['not-subscribed share', spec.notSubscribedShare],
    ['invalid share', spec.invalidShare],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be 0..1, got ${v}`);
  }
  if (spec.berichtTypes.length === 0) throw new RangeError('the afnemer has no BerichtTypes');
  if (spec.berichtTypes.includes(UNKNOWN_TYPE))
    throw new RangeError(
      `BerichtType ${UNKNOWN_TYPE} is configured for the afnemer; it is what generated letters use for an unsupported type`,
    );
}

/** Letter `index` of the spec, valid or with its mistake. */
export function generatedLetter(spec: GenerateSpec, index: number): GeneratedLetter {
  const invalid = invalidKindOf(spec, index);
  if (invalid === 'dubbel-bericht-id') return { letter: duplicateOfEarlier(spec, index), invalid };
  return { letter: makeLetter(spec, index, invalid), invalid };
}

/**
 * An exact copy of the nearest earlier letter that is valid and addressed to a subscriber (so the
 * copy can only be answered BerichtBestaatAl), as an afnemer's double export would make.
 */
function duplicateOfEarlier(spec: GenerateSpec, index: number): BerichtInput {
  for (let j = index - 1; j >= 0 && j >= index - 64; j--) {
    if (invalidKindOf(spec, j) !== undefined) continue;
    const draws = createPrng(hash2(j, spec.seed, 0x6e7a));
    if (uniform(draws) < spec.notSubscribedShare) continue;
    return makeLetter(spec, j, undefined);
  }
  // No suitable earlier letter (the very first ones): fall back to a copy of the previous letter,
  // or, for letter 0, a letter with a malformed BerichtID.
  return index > 0
    ? makeLetter(spec, index - 1, invalidKindOf(spec, index - 1))
    : makeLetter(spec, index, 'bericht-id-geen-guid');
}

function makeLetter(spec: GenerateSpec, index: number, invalid: InvalidKind | undefined): BerichtInput {
  const next = createPrng(hash2(index, spec.seed, 0x6e7a));
  const notSubscribed = uniform(next) < spec.notSubscribedShare || invalid === 'niet-geabonneerd';
  const u = uniform(next);
  const berichtType =
    invalid === 'berichttype-onbekend'
      ? UNKNOWN_TYPE
      : pick(
          spec.berichtTypes,
          spec.berichtTypes.map((_, k) => 2 ** -k),
          u,
        );
  const start = next() % spec.population.size;
  let bsn = notSubscribed
    ? spec.population.firstNonRecipientFrom(spec.afnemerOin, start, spec.at)
    : spec.population.firstRecipientFrom(spec.afnemerOin, start, spec.at);
  if (invalid === 'bsn-elfproef') bsn = bsn.slice(0, 8) + String((Number(bsn[8]) + 1) % 10);
  const subject = SUBJECTS[next() % SUBJECTS.length] ?? 'Bericht';
  const onderwerp =
    invalid === 'onderwerp-te-lang'
      ? `${subject} — ${'toelichting '.repeat(10)}`.slice(0, ONDERWERP_CHARS.max + 10)
      : subject;
  // 200..~3000 characters, most a few hundred.
  const chars = Math.min(3000, Math.round(200 + 600 * -Math.log(1 - uniform(next) * 0.99)));
  const berichtId = invalid === 'bericht-id-geen-guid' ? `bericht-${spec.seed}-${index}` : guid(spec.seed, index, next);
  const at = new Date(spec.at).toISOString();
  const info: Record<string, string> = {};
  if (invalid === 'aanmaakdatum-oud')
    info['AanmaakDatum'] = new Date(spec.at - (AANMAAKDATUM_MAX_AGE_DAYS.max + 7) * DAY).toISOString();
  if (invalid === 'ander-oin') info['BerichtLeverancierID'] = spec.otherOin;
  info['BerichtID'] = berichtId;
  info['BerichtType'] = berichtType;
  if (invalid === 'publicatiedatum-ver')
    info['PublicatieDatum'] = new Date(spec.at + (PUBLICATIEDATUM_MAX_AHEAD_DAYS.max + 20) * DAY).toISOString();
  else if (uniform(next) < 0.5) info['PublicatieDatum'] = at;
  if (uniform(next) < 0.3) info['EindDatumHandelingsTermijn'] = new Date(spec.at + 42 * DAY).toISOString();
  info['Onderwerp'] = onderwerp;
  info['BerichtTekst'] = letterText(next, chars);
  info['Referentie'] = `${berichtType}-${hex(next(), 8).toUpperCase()}`.slice(0, 25);
  info['GebruikerID'] = bsn;
  info['SoortGebruiker'] = 'Burger';

  let sizes: number[] = [];
  if (invalid === 'bijlage-te-groot') {
    // Two attachments each just over half the letter's total: each is fine alone, together too big.
    const each = Math.floor(MAX_ATTACHMENT_BYTES.limit / 2) + OVER_HALF_BYTES;
    sizes = [each, each];
  } else if (uniform(next) < spec.attachmentShare) {
    const two = uniform(next) < TWO_ATTACHMENTS_SHARE;
    sizes = [pick(ATTACHMENT_SIZES, ATTACHMENT_WEIGHTS, uniform(next))];
    if (two) sizes.push(pick(ATTACHMENT_SIZES, ATTACHMENT_WEIGHTS, uniform(next)));
    // A valid letter stays within the limit for all its attachments together.
    while (sizes.reduce((a, b) => a + b, 0) > MAX_ATTACHMENT_BYTES.limit) sizes.pop();
  }
  const bijlagen: BijlageInput[] = sizes.map((size, k) => ({
    Inhoud: pdfBase64(size),
    BijlageType: 'Pdf',
    Omschrijving: `Bijlage ${k + 1} bij: ${subject}`,
    Volgorde: String(k + 1),
  }));
  const letter = { BerichtInformatie: info as unknown as BerichtInput['BerichtInformatie'] };
  return bijlagen.length > 0 ? { ...letter, Bijlagen: bijlagen } : letter;
}

/** Every letter of the spec as an input letter (its reference is the index). */
export function* generateLetters(spec: GenerateSpec): Generator<InputLetter> {
  check(spec);
  if (UNKNOWN_TYPE.length > BERICHTTYPE_CHARS.max)
    throw new RangeError('unsupported BerichtType would fail the schema instead');
  for (let index = 0; index < spec.count; index++) {
    const { letter } = generatedLetter(spec, index);
    yield {
      berichtId: letter.BerichtInformatie.BerichtID,
      bytes: estimateBytes(letter),
      source: { kind: 'generated', index },
      key: batchKeyOf(letter),
    };
  }
}
