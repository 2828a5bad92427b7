/**
 * Parses a `Berichten` batch sent as JSON into a RawBatch, with the same names as the XML:
 *   { "Berichten": { "BatchInformatie": {…}, "Bericht": [ { "BerichtInformatie": {…}, "Bijlagen": { "Bijlage": [ … ] } } ] } }
 * Lenient in shape like the XML parser: the `Berichten` wrapper may be left out; attachments may be
 * `Bijlagen: { Bijlage: [...] }`, `Bijlagen: [...]` or `Bijlage: [...]` directly in the Bericht; and,
 * as generic XML-to-JSON converters write a lone element, a single object is accepted where an
 * array is expected (Bericht, Bijlage).
 * Strict in values: text must be a JSON string (no number/boolean coercion: '000123' and 123 are not
 * the same GebruikerID); a non-string is a structure error of that letter (→ XmlValidatie…), or of
 * the batch when it is in BatchInformatie. `null` counts as an absent element.
 */
import { BATCH_FIELDS, BIJLAGE_FIELDS, BerichtenParseError, LETTER_FIELDS } from './parse-xml.ts';
import type { RawBatch, RawBijlage, RawLetter } from './types.ts';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing (an empty body)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const BATCH_FIELD_SET: ReadonlySet<string> = new Set(BATCH_FIELDS);
const INFO_FIELD_SET: ReadonlySet<string> = new Set([...BATCH_FIELDS, ...LETTER_FIELDS]);
const BIJLAGE_FIELD_SET: ReadonlySet<string> = new Set(BIJLAGE_FIELDS);

/** Copies the allowed string fields of `o`; unknown keys and non-strings become errors naming `path`. */
function textFields(
  o: Obj,
  allowed: ReadonlySet<string>,
  path: string,
  errors: string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (!allowed.has(key)) {
      errors.push(`${path}: unknown field '${key}'`);
      continue;
    }
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') {
      errors.push(`${path}.${key}: must be a string, got ${kind(v)}`);
      continue;
    }
    out[key] = v;
  }
  return out;
}

/** An array, a lone object (as one element), or absent (null/undefined → []); anything else → undefined. */
function asList(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (isObject(v)) return [v];
  return undefined;
}

function mapBijlage(v: unknown, path: string, errors: string[]): RawBijlage {
  if (!isObject(v)) {
    errors.push(`${path}: must be an object, got ${kind(v)}`);
    return { Inhoud: undefined, BijlageType: undefined, Omschrijving: undefined, Volgorde: undefined };
  }
  const f = textFields(v, BIJLAGE_FIELD_SET, path, errors);
  return {
    Inhoud: f['Inhoud'],
    BijlageType: f['BijlageType'],
    Omschrijving: f['Omschrijving'],
    Volgorde: f['Volgorde'],
  };
}

function mapLetter(v: unknown, seq: number): RawLetter {
  const errors: string[] = [];
  const bijlagen: RawBijlage[] = [];
  if (!isObject(v)) {
    errors.push(`Bericht: must be an object, got ${kind(v)}`);
    return { seq, fields: {}, bijlagen, structureErrors: errors };
  }
  let fields: Record<string, string | undefined> = {};
  const pushBijlagen = (list: unknown, path: string): void => {
    const items = asList(list);
    if (!items) {
      errors.push(`${path}: must be an array of Bijlage objects, got ${kind(list)}`);
      return;
    }
    for (const b of items) bijlagen.push(mapBijlage(b, `${path}[${bijlagen.length}]`, errors));
  };
  for (const key of Object.keys(v)) {
    const value = v[key];
    switch (key) {
      case 'BerichtInformatie':
        if (isObject(value)) fields = textFields(value, INFO_FIELD_SET, 'BerichtInformatie', errors);
        else if (value !== null && value !== undefined)
          errors.push(`BerichtInformatie: must be an object, got ${kind(value)}`);
        break;
      case 'Bijlagen':
        if (isObject(value)) {
          for (const k of Object.keys(value)) if (k !== 'Bijlage') errors.push(`Bijlagen: unknown field '${k}'`);
          pushBijlagen(value['Bijlage'], 'Bijlagen.Bijlage');
        } else {
          pushBijlagen(value, 'Bijlagen');
        }
        break;
      case 'Bijlage':
        pushBijlagen(value, 'Bijlage');
        break;
      default:
        errors.push(`Bericht: unknown field '${key}'`);
    }
  }
  if (!isObject(v['BerichtInformatie'])) errors.push('BerichtInformatie: required element is missing');
  return { seq, fields, bijlagen, structureErrors: errors };
}

/**
 * Parses a JSON batch (already JSON.parse'd). Throws BerichtenParseError, with the path, when the body
 * is not an object or has no `Bericht` list.
 */
export function parseBerichtenJson(body: unknown): RawBatch {
  if (!isObject(body))
    throw new BerichtenParseError(`$: a batch must be a JSON object, got ${kind(body)}`, { path: '$' });
  const batchErrors: string[] = [];
  let root: Obj = body;
  let path = '$';
  if (Object.hasOwn(body, 'Berichten')) {
    const inner = body['Berichten'];
    if (!isObject(inner))
      throw new BerichtenParseError(`$.Berichten: must be an object, got ${kind(inner)}`, { path: '$.Berichten' });
    for (const k of Object.keys(body)) if (k !== 'Berichten') batchErrors.push(`$: unknown field '${k}'`);
    root = inner;
    path = '$.Berichten';
  }
  const list = root['Bericht'];
  const letterValues = list === undefined || list === null ? undefined : asList(list);
  if (!letterValues) {
    const p = `${path}.Bericht`;
    throw new BerichtenParseError(
      list === undefined || list === null
        ? `${p}: missing (expected an array of letters)`
        : `${p}: must be an array of letters, got ${kind(list)}`,
      { path: p },
    );
  }
  let header: Record<string, string | undefined> | undefined;
  for (const k of Object.keys(root)) {
    if (k === 'Bericht') continue;
    if (k !== 'BatchInformatie') {
      batchErrors.push(`${path}: unknown field '${k}'`);
      continue;
    }
    const h = root[k];
    if (isObject(h)) header = textFields(h, BATCH_FIELD_SET, 'BatchInformatie', batchErrors);
    else if (h !== null && h !== undefined) batchErrors.push(`BatchInformatie: must be an object, got ${kind(h)}`);
  }
  return { format: 'json', header, letters: letterValues.map(mapLetter), batchErrors };
}
