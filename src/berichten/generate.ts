/**
 * Deterministic synthetic batches for tests, benchmarks and load: the same options (seed included)
 * always give the same batch. Letters go to burgers of the population who want the afnemer's
 * letters, except a chosen share that goes to burgers who do not (→ NietActiefOfGeabonneerd).
 */
import { MAX_SHARE_WITH_ATTACHMENT } from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { createPrng } from '../random/index.ts';
import type { BatchInput, BerichtInput, BijlageInput } from './types.ts';

export interface GenerateOptions {
  readonly seed: number;
  readonly afnemerOin: string;
  readonly berichtType: string;
  /** Number of letters. */
  readonly letters: number;
  /** AanmaakDatum, epoch ms. */
  readonly now: number;
  readonly population: Population;
  /** Share (0..1) of letters addressed to burgers who want this afnemer's letters; default 1. */
  readonly recipientShare?: number;
  /** Share (0..0.95, the norm's maximum) of letters with attachments; default 0. */
  readonly attachmentShare?: number;
  /** Size in bytes of each attachment (a valid PDF of exactly this size); default 100,000. */
  readonly attachmentBytes?: number;
  /** Attachments on a letter that has them: 1 or 2; default 1. */
  readonly attachmentsPerLetter?: 1 | 2;
  /** Characters of BerichtTekst; the default makes a letter about 1 kB of XML. */
  readonly textChars?: number;
  /** BatchID; default drawn from the seed. */
  readonly batchId?: string;
  /** Include PublicatieDatum (= AanmaakDatum); default true. */
  readonly publicatieDatum?: boolean;
  /** Repeat BatchID in every BerichtInformatie (as Logius' example does); default true. */
  readonly repeatBatchId?: boolean;
}

/** BerichtTekst length that makes a rendered letter (without attachment) about 1 kB of XML. */
export const DEFAULT_TEXT_CHARS = 460;
export const DEFAULT_ATTACHMENT_BYTES = 100_000;

// ---------------------------------------------------------------------------------------------
// PRNG and GUIDs (no crypto: fast and reproducible)
// ---------------------------------------------------------------------------------------------

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

/** A version-4-shaped GUID (8-4-4-4-12, lower-case hex) from four PRNG draws. */
export function guidFrom(next: () => number): string {
  const a = hex8(next());
  const b = hex8(next());
  const w = next();
  const c = hex8(w);
  const d = hex8(next());
  const variant = '89ab'[w >>> 30] ?? '8';
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

// ---------------------------------------------------------------------------------------------
// A minimal valid PDF of an exact size
// ---------------------------------------------------------------------------------------------

function pdfSkeleton(streamLength: number, gap: number): { head: string; tail: string } {
  const objects = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n',
  ];
  // '%âãÏÓ' tells tools the file is binary (as PDF writers do); latin1 so each is one byte.
  let head = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  for (const o of objects) {
    offsets.push(head.length);
    head += o;
  }
  offsets.push(head.length);
  head += `4 0 obj\n<< /Length ${streamLength} >>\nstream\n`;
  let tail = '\nendstream\nendobj\n';
  const xrefAt = head.length + streamLength + tail.length;
  tail += `xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  // The gap sits inside the trailer dictionary, after the xref: it absorbs the size without moving
  // any offset (a gap before the xref could not fill the jump when startxref gains a digit).
  tail += `trailer\n<< /Size 5 /Root 1 0 R${' '.repeat(gap)} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return { head, tail };
}

/** The smallest PDF `minimalPdf` can make. */
export const MIN_PDF_BYTES = (() => {
  const { head, tail } = pdfSkeleton(0, 0);
  return head.length + tail.length;
})();

const PAD = 'bbsim synthetic attachment padding 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\n';

/**
 * A structurally valid one-page PDF of exactly `size` bytes: header, catalog, pages, an unreferenced
 * padding stream, cross-reference table, trailer, '%%EOF'.
 */
export function minimalPdf(size: number): Buffer {
  if (!Number.isInteger(size) || size < MIN_PDF_BYTES)
    throw new RangeError(`a PDF needs at least ${MIN_PDF_BYTES} bytes, asked for ${size}`);
  // The stream length and the xref offset appear as decimals, so search the few nearby lengths (and
  // a gap of spaces in the trailer dictionary) for an exact fit.
  const estimate = size - MIN_PDF_BYTES;
  for (let n = estimate; n >= Math.max(0, estimate - 16); n--) {
    for (let gap = 0; gap < 8; gap++) {
      const { head, tail } = pdfSkeleton(n, gap);
      if (head.length + n + tail.length === size) {
        const padding = PAD.repeat(Math.ceil(n / PAD.length)).slice(0, n);
        return Buffer.from(head + padding + tail, 'latin1');
      }
    }
  }
  throw new Error(`could not lay out a PDF of ${size} bytes`); // unreachable: the gap covers every remainder
}

const pdfCache = new Map<number, string>();

/** base64 of minimalPdf(size), cached: batches reuse the same few sizes. */
function pdfBase64(size: number): string {
  let b64 = pdfCache.get(size);
  if (b64 === undefined) {
    b64 = minimalPdf(size).toString('base64');
    if (pdfCache.size >= 32) pdfCache.clear();
    pdfCache.set(size, b64);
  }
  return b64;
}

// ---------------------------------------------------------------------------------------------
// Letter text
// ---------------------------------------------------------------------------------------------

const WORDS = [
  'de',
  'het',
  'een',
  'u',
  'uw',
  'wij',
  'aanslag',
  'belasting',
  'bedrag',
  'betalen',
  'termijn',
  'besluit',
  'bezwaar',
  'toeslag',
  'inkomen',
  'jaar',
  'datum',
  'ontvangen',
  'gegevens',
  'informatie',
  'meer',
  'over',
  'op',
  'voor',
  'met',
  'binnen',
  'zes',
  'weken',
  'na',
  'dagtekening',
  'kunt',
  'maken',
  'tegen',
  'dit',
  'bericht',
  'MijnOverheid',
  'vragen',
  'bel',
  'ons',
  'werkdagen',
  'vriendelijke',
  'groet',
];
/** Onderwerpen a generated letter draws from (the rehearsal's generator uses the same list). */
export const SUBJECTS = [
  'Voorlopige aanslag inkomstenbelasting',
  'Definitieve berekening toeslag',
  'Uw jaaropgaaf',
  'Herinnering: betaling openstaand bedrag',
  'Besluit op uw aanvraag',
  'Wijziging van uw gegevens',
  'Uitnodiging: periodieke keuring',
  'Bevestiging van uw bezwaar',
];
/** Line break as the real BerichtTekst carries it: the literal four characters backslash r backslash n. */
const LINE_BREAK = '\\r\\n';

/** Dutch-looking letter text of exactly `chars` characters from a seeded draw (shared by every generator). */
export function letterText(next: () => number, chars: number): string {
  let s = '';
  let line = 0;
  while (s.length < chars) {
    const w = WORDS[next() % WORDS.length] ?? 'bericht';
    if (line > 60 + (next() % 30)) {
      s += `.${LINE_BREAK}`;
      line = 0;
    } else if (s.length > 0) {
      s += ' ';
      line++;
    }
    s += w;
    line += w.length;
  }
  return s.slice(0, chars);
}

// ---------------------------------------------------------------------------------------------

function share(name: string, v: number, max: number): number {
  if (!Number.isFinite(v) || v < 0 || v > max) throw new RangeError(`${name} must be in 0..${max}, got ${v}`);
  return v;
}

/** A deterministic batch of `letters` letters (all valid, apart from the recipients chosen not to want them). */
export function generateBatch(opts: GenerateOptions): BatchInput {
  if (!Number.isInteger(opts.letters) || opts.letters < 0)
    throw new RangeError(`letters must be a non-negative integer, got ${opts.letters}`);
  const recipientShare = share('recipientShare', opts.recipientShare ?? 1, 1);
  const maxAttachmentShare = MAX_SHARE_WITH_ATTACHMENT.limit / 100;
  const attachmentShare = share(
    `attachmentShare (the norm allows at most ${MAX_SHARE_WITH_ATTACHMENT.limit} %)`,
    opts.attachmentShare ?? 0,
    maxAttachmentShare,
  );
  const attachmentBytes = opts.attachmentBytes ?? DEFAULT_ATTACHMENT_BYTES;
  const textChars = opts.textChars ?? DEFAULT_TEXT_CHARS;
  if (!Number.isInteger(textChars) || textChars < 0)
    throw new RangeError(`textChars must be a non-negative integer, got ${textChars}`);
  const next = createPrng(opts.seed);
  const unit = (): number => next() / 0x1_0000_0000;
  const batchId = opts.batchId ?? guidFrom(next);
  const aanmaak = new Date(opts.now).toISOString();
  const repeat = opts.repeatBatchId ?? true;
  const withPublicatie = opts.publicatieDatum ?? true;
  const pop = opts.population;

  const letters: BerichtInput[] = [];
  for (let k = 0; k < opts.letters; k++) {
    const berichtId = guidFrom(next);
    const index = next() % pop.size;
    const bsn =
      unit() < recipientShare
        ? pop.firstRecipientFrom(opts.afnemerOin, index, opts.now)
        : pop.firstNonRecipientFrom(opts.afnemerOin, index, opts.now);
    const onderwerp = SUBJECTS[next() % SUBJECTS.length] ?? 'Bericht';
    let bijlagen: BijlageInput[] | undefined;
    if (attachmentShare > 0 && unit() < attachmentShare) {
      const inhoud = pdfBase64(attachmentBytes);
      bijlagen = [];
      for (let v = 1; v <= (opts.attachmentsPerLetter ?? 1); v++) {
        bijlagen.push({
          Inhoud: inhoud,
          BijlageType: 'Pdf',
          Omschrijving: `Bijlage ${v} bij: ${onderwerp}`,
          Volgorde: String(v),
        });
      }
    }
    letters.push({
      BerichtInformatie: {
        ...(repeat ? { BatchID: batchId } : {}),
        BerichtID: berichtId,
        BerichtType: opts.berichtType,
        ...(withPublicatie ? { PublicatieDatum: aanmaak } : {}),
        Onderwerp: onderwerp,
        BerichtTekst: letterText(next, textChars),
        Referentie: `${opts.berichtType}-${hex8(next()).toUpperCase()}`.slice(0, 25),
        GebruikerID: bsn,
        SoortGebruiker: 'Burger',
      },
      ...(bijlagen ? { Bijlagen: bijlagen } : {}),
    });
  }
  return {
    BatchInformatie: { BatchID: batchId, AanmaakDatum: aanmaak, BerichtLeverancierID: opts.afnemerOin },
    Bericht: letters,
  };
}
