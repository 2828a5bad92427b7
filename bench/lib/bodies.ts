/**
 * Request bodies for intake load, pre-generated before measuring. One batch is generated with
 * `generateBatch` and rendered once (the template); every body is a copy of it with a fresh BatchID,
 * fresh BerichtIDs and its own recipients written over the template's bytes (same lengths), so
 * making thousands of distinct 1 MB bodies costs a memcpy each rather than a render each.
 *
 * AanmaakDatum (and PublicatieDatum, which generateBatch sets equal to it) are written just before
 * a body is sent: the mock runs a fast sim clock, and a batch older than 13 sim days is refused
 * letter by letter (AanmaakDatumLigtTeVerInHetVerleden) while one more than 5 sim minutes ahead
 * is refused whole.
 */
import { randomUUID } from 'node:crypto';
import { berichtenJson, generateBatch, renderBerichtenXml, type BatchInput } from '../../src/berichten/index.ts';
import type { Population } from '../../src/population/index.ts';

export type BodyFormat = 'json' | 'xml';

/** The instant every template is generated with; replaced before sending. 24 characters, like every ISO instant of years 1000-9999. */
const PLACEHOLDER_MS = Date.UTC(2000, 0, 1);
const INSTANT_CHARS = 24;

interface Slots {
  readonly batchId: readonly number[];
  readonly berichtId: readonly number[];
  readonly bsn: readonly number[];
  readonly instant: readonly number[];
}

export interface BodyTemplate {
  readonly format: BodyFormat;
  readonly contentType: string;
  readonly letters: number;
  /** Letters carrying attachments, and the decoded PDF bytes of one body. */
  readonly lettersWithAttachment: number;
  readonly pdfBytes: number;
  readonly bytes: number;
  readonly buf: Buffer;
  readonly slots: Slots;
}

export interface Body {
  readonly buf: Buffer;
  readonly batchId: string;
  readonly template: BodyTemplate;
}

export interface TemplateOptions {
  readonly format: BodyFormat;
  readonly letters: number;
  readonly population: Population;
  readonly afnemerOin: string;
  readonly berichtType: string;
  readonly seed: number;
  readonly attachmentShare?: number;
  readonly attachmentBytes?: number;
}

const OPENERS: Record<BodyFormat, Record<keyof Slots, readonly string[]>> = {
  xml: {
    batchId: ['<BatchID>', '<ber:BatchID>'],
    berichtId: ['<ber:BerichtID>'],
    bsn: ['<ber:GebruikerID>'],
    instant: ['<AanmaakDatum>', '<ber:PublicatieDatum>'],
  },
  json: {
    batchId: ['"BatchID":"'],
    berichtId: ['"BerichtID":"'],
    bsn: ['"GebruikerID":"'],
    instant: ['"AanmaakDatum":"', '"PublicatieDatum":"'],
  },
};

function findAll(buf: Buffer, openers: readonly string[]): number[] {
  const out: number[] = [];
  for (const opener of openers) {
    const needle = Buffer.from(opener, 'latin1');
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + needle.length))
      out.push(at + needle.length);
  }
  return out.sort((a, b) => a - b);
}

function render(batch: BatchInput, format: BodyFormat): string {
  return format === 'xml' ? renderBerichtenXml(batch) : JSON.stringify(berichtenJson(batch));
}

export function makeTemplate(o: TemplateOptions): BodyTemplate {
  const batch = generateBatch({
    seed: o.seed,
    afnemerOin: o.afnemerOin,
    berichtType: o.berichtType,
    letters: o.letters,
    now: PLACEHOLDER_MS,
    population: o.population,
    ...(o.attachmentShare !== undefined ? { attachmentShare: o.attachmentShare } : {}),
    ...(o.attachmentBytes !== undefined ? { attachmentBytes: o.attachmentBytes } : {}),
  });
  const buf = Buffer.from(render(batch, o.format), 'utf8');
  const slots: Slots = {
    batchId: findAll(buf, OPENERS[o.format].batchId),
    berichtId: findAll(buf, OPENERS[o.format].berichtId),
    bsn: findAll(buf, OPENERS[o.format].bsn),
    instant: findAll(buf, OPENERS[o.format].instant),
  };
  // The slots must be exactly the generated values, or patching would corrupt the body.
  const expect = (what: string, offsets: readonly number[], count: number, value: (k: number) => string): void => {
    if (offsets.length !== count)
      throw new Error(`template ${o.format}/${o.letters}: found ${offsets.length} ${what} slots, expected ${count}`);
    offsets.forEach((at, k) => {
      const v = value(k);
      const got = buf.toString('latin1', at, at + v.length);
      if (got !== v)
        throw new Error(`template ${o.format}/${o.letters}: ${what} slot ${k} holds '${got}', expected '${v}'`);
    });
  };
  const placeholder = new Date(PLACEHOLDER_MS).toISOString();
  expect('BatchID', slots.batchId, o.letters + 1, () => batch.BatchInformatie.BatchID);
  expect('BerichtID', slots.berichtId, o.letters, (k) => batch.Bericht[k]?.BerichtInformatie.BerichtID ?? '?');
  expect('GebruikerID', slots.bsn, o.letters, (k) => batch.Bericht[k]?.BerichtInformatie.GebruikerID ?? '?');
  expect('instant', slots.instant, o.letters + 1, () => placeholder);
  for (const id of [batch.BatchInformatie.BatchID, ...batch.Bericht.map((b) => b.BerichtInformatie.BerichtID)]) {
    if (id.length !== 36) throw new Error(`template: GUID '${id}' is not 36 characters`);
  }
  const withAttachment = batch.Bericht.filter((b) => (b.Bijlagen?.length ?? 0) > 0).length;
  return {
    format: o.format,
    contentType: o.format === 'xml' ? 'application/xml' : 'application/json',
    letters: o.letters,
    lettersWithAttachment: withAttachment,
    pdfBytes: withAttachment * (o.attachmentBytes ?? 0),
    bytes: buf.length,
    buf,
    slots,
  };
}

/** A distinct body: fresh GUIDs, recipients from `bsnFor(letterIndex)` (9-digit BSNs). */
export function instantiate(t: BodyTemplate, bsnFor: (letter: number) => string): Body {
  const buf = Buffer.allocUnsafe(t.buf.length);
  t.buf.copy(buf);
  const batchId = randomUUID();
  for (const at of t.slots.batchId) buf.write(batchId, at, 'latin1');
  t.slots.berichtId.forEach((at) => buf.write(randomUUID(), at, 'latin1'));
  t.slots.bsn.forEach((at, k) => {
    const bsn = bsnFor(k);
    if (bsn.length !== 9) throw new Error(`BSN '${bsn}' is not 9 digits`);
    buf.write(bsn, at, 'latin1');
  });
  return { buf, batchId, template: t };
}

/** Writes AanmaakDatum and PublicatieDatum (sim epoch ms) into a body, in place. */
export function stampInstant(body: Body, simMs: number): void {
  const iso = new Date(simMs).toISOString();
  if (iso.length !== INSTANT_CHARS) throw new Error(`instant ${iso} is not ${INSTANT_CHARS} characters`);
  for (const at of body.template.slots.instant) body.buf.write(iso, at, 'latin1');
}
