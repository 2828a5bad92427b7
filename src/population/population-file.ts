/**
 * An own population from a file (`population.file` in the mock config): the afnemer's own list of
 * BSNs, so the mock answers for exactly those burgers.
 *
 * Format (UTF-8 text, one record a line; blank lines and lines starting with '#' are skipped):
 *
 *     123456782                         one BSN a line: it has a box; subscriptions by the seeded share
 *
 *     bsn,00000001003214345000,00000001821002193000      or a header naming afnemers (OINs) ...
 *     123456782,1,0                     ... and per BSN a flag per afnemer: 1/0 (also ja/nee, true/false,
 *     111222333,,1                          yes/no); an empty cell leaves that pair to the seeded share
 *
 * Separator ',' or ';' (a spreadsheet's CSV either way). Every BSN must pass the elfproef and be
 * listed once; each mistake is reported with its line, and all of them at once.
 */
import { readFileSync } from 'node:fs';
import { bsnCode, formatBsn } from './bsn.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

export interface ListedPopulation {
  /** The members, in file order (distinct, each passing the elfproef). */
  readonly bsns: readonly string[];
  /** Per OIN, per member index: 1 wants the letters, 0 does not, -1 left to the seeded share. */
  readonly flags: ReadonlyMap<string, Int8Array>;
}

export class PopulationFileError extends CodedError {
  readonly code = ERROR_CODES.POPULATION_FILE_INVALID;
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    const shown = problems.slice(0, 20);
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the population file:\n  ${shown.join('\n  ')}${problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : ''}`,
    );
    this.name = 'PopulationFileError';
    this.problems = problems;
  }
}

const TRUE = new Set(['1', 'ja', 'j', 'true', 'yes', 'y']);
const FALSE = new Set(['0', 'nee', 'n', 'false', 'no']);
const OIN_RE = /^\d{20}$/;

/** Reads a population file's text (see the module comment); throws PopulationFileError naming every bad line. */
export function parsePopulationFile(text: string, source = 'population file'): ListedPopulation {
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let oins: string[] = [];
  let first = true;
  const bsns: string[] = [];
  const rows: string[][] = [];
  const seen = new Map<number, number>();
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[;,]/).map((c) => c.trim());
    const lineNo = n + 1;
    if (first) {
      first = false;
      if ((cells[0] ?? '').toLowerCase() === 'bsn') {
        oins = cells.slice(1);
        oins.forEach((o, i) => {
          if (!OIN_RE.test(o))
            problems.push(`line ${lineNo}, column ${i + 2}: '${o.slice(0, 40)}' is not an OIN (20 digits)`);
        });
        if (new Set(oins).size !== oins.length) problems.push(`line ${lineNo}: an OIN is named twice in the header`);
        continue;
      }
    }
    const b = cells[0] ?? '';
    const code = bsnCode(b);
    if (code < 0) {
      problems.push(`line ${lineNo}: '${b.slice(0, 40)}' is not a valid BSN (9 digits passing the elfproef)`);
      continue;
    }
    const earlier = seen.get(code);
    if (earlier !== undefined) {
      problems.push(`line ${lineNo}: BSN ${b} is already listed on line ${earlier}`);
      continue;
    }
    seen.set(code, lineNo);
    if (cells.length - 1 > oins.length) {
      problems.push(
        `line ${lineNo}: ${cells.length - 1} flag${cells.length === 2 ? '' : 's'} but the header names ${oins.length} afnemer${oins.length === 1 ? '' : 's'} (a header 'bsn,<OIN>,…' names them)`,
      );
      continue;
    }
    for (let i = 1; i < cells.length; i++) {
      const v = (cells[i] ?? '').toLowerCase();
      if (v !== '' && !TRUE.has(v) && !FALSE.has(v))
        problems.push(
          `line ${lineNo}, column ${i + 1}: '${v.slice(0, 20)}' is not a flag (1/0, ja/nee, true/false, yes/no, or empty)`,
        );
    }
    bsns.push(formatBsn(code));
    rows.push(cells.slice(1));
  }
  if (bsns.length === 0 && problems.length === 0) problems.push('lists no BSN');
  if (problems.length > 0) throw new PopulationFileError(source, problems);
  const flags = new Map<string, Int8Array>();
  oins.forEach((oin, k) => {
    const f = new Int8Array(bsns.length).fill(-1);
    rows.forEach((r, i) => {
      const v = (r[k] ?? '').toLowerCase();
      if (TRUE.has(v)) f[i] = 1;
      else if (FALSE.has(v)) f[i] = 0;
    });
    flags.set(oin, f);
  });
  return { bsns, flags };
}

/** Reads and parses a population file from disk. */
export function readPopulationFile(path: string): ListedPopulation {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PopulationFileError(path, [`cannot be read: ${(err as Error).message}`]);
  }
  return parsePopulationFile(text, path);
}
