import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared beside the repository (CI puts it there); BBSIM_SHARED overrides. */
export const SHARED_DIR = resolve(process.env['BBSIM_SHARED'] ?? join(import.meta.dirname, '..', '..', 'shared'));

const cache = new Map<string, string>();

/** A shared document with all whitespace collapsed to single spaces. */
export function sharedText(doc: string): string {
  let text = cache.get(doc);
  if (text === undefined) {
    const path =
      doc.endsWith('.md') && !doc.includes('/') && existsSync(join(SHARED_DIR, doc))
        ? join(SHARED_DIR, doc)
        : join(SHARED_DIR, 'seeds', doc);
    text = normalise(readFileSync(path, 'utf8'));
    cache.set(doc, text);
  }
  return text;
}

export function normalise(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** '150.000' → 150000, '99,5' → 99.5, '99.5' → 99.5, '500kb' → 500, '2e' → 2. */
export function dutchNumber(figure: string): number {
  const words: Record<string, number> = { tweede: 2, derde: 3, vierde: 4, million: 1_000_000 };
  const w = words[figure.toLowerCase()];
  if (w !== undefined) return w;
  const digits = figure.replace(/[^\d.,]/g, '');
  // A dot followed by exactly three digits is a thousands separator; otherwise a decimal point.
  const normalised = /^\d{1,3}(\.\d{3})+$/.test(digits) ? digits.replace(/\./g, '') : digits.replace(',', '.');
  return Number(normalised);
}
