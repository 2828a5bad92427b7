import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Service } from '../norms/index.ts';
import type { FlowName } from '../scenario/index.ts';
import { num } from '../report/format.ts';
import { isoLocal } from './format.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** The first line of every emitted file; a file without it (or from another forecast) is not ours to replace. */
const EMITTED_MARK = '// Emitted by `bbsim forecast --emit-scenario` from ';

/** A scenario file the emitter will not replace, and why. */
export class EmitRefusedError extends CodedError {
  readonly code = ERROR_CODES.EMIT_REFUSED;
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'EmitRefusedError';
  }
}

/**
 * Refuses to replace a file this emitter did not write from the same forecast (a hand-written
 * scenario, or the shipped, committed forecast-peak.ts when another forecast is emitted): the
 * capacity manager names another scenario or says --overwrite.
 */
export function checkEmitTarget(file: string, source: string, overwrite: boolean): void {
  if (overwrite || !existsSync(file)) return;
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  if (!first.startsWith(EMITTED_MARK)) {
    throw new EmitRefusedError(
      file,
      'exists and was not written by `bbsim forecast --emit-scenario`: not replaced (choose another --scenario-name, or --overwrite)',
    );
  }
  const from = first.slice(EMITTED_MARK.length).replace(/ — regenerate rather than edit\.$/, '');
  if (from !== source) {
    throw new EmitRefusedError(
      file,
      `was emitted from ${from}, not from ${source}: not replaced (choose another --scenario-name, or --overwrite)`,
    );
  }
}

/** How the emitted file writes a duration of sim minutes: the DSL's unit helper, the one place that writes it. */
export function durationLiteral(minutes: number): string {
  return `minutes(${minutes})`;
}

/** Six significant digits: exact enough for a rate, short enough to read. */
export const sig = (x: number): number => Number(x.toPrecision(6));

/** Everything an emitted scenario file says. */
export interface EmittedSpec {
  readonly name: string;
  /** The forecast file, named in the header (and checked before replacing a file). */
  readonly source: string;
  readonly description: string;
  readonly simStart: number;
  readonly speed: number;
  readonly wallSeconds: number;
  readonly peakWallRate: number;
  readonly notes: readonly string[];
  readonly flows: readonly { readonly flow: FlowName; readonly perMinute: number }[];
  /** The load literal (uses perMinute, and minutes() when usesMinutes). */
  readonly load: string;
  readonly usesMinutes: boolean;
  /** The body of `data: { … }`. */
  readonly data: string;
  /** When set: the scenario checks the norms of these services (normsOf), not only those its flows touch. */
  readonly normsOfServices?: readonly Service[];
  readonly breaches: readonly string[];
}

/** The `defineScenario` module of an emitted scenario, importing from `srcDir` relative to `scenariosDir`. */
export function renderEmitted(spec: EmittedSpec, scenariosDir: string, srcDir: string): string {
  const importBase = relative(scenariosDir, srcDir).split(sep).join('/') || '.';
  const names = [
    'defineScenario',
    ...(spec.usesMinutes ? ['minutes'] : []),
    ...(spec.normsOfServices ? ['normsOf'] : []),
  ];
  return `${EMITTED_MARK}${spec.source} — regenerate rather than edit.
// ${spec.description}.
// Sim clock ${isoLocal(spec.simStart)} at speed ${spec.speed}: about ${Math.round(spec.wallSeconds)} s of wall time, at most ${num(spec.peakWallRate)} requests/s.
// Flow weights are the forecast's rates per sim minute in each flow's unit (letters for deliver-batch).
${spec.notes.map((n) => `// Note: ${n}.\n`).join('')}import { ${names.join(', ')} } from '${importBase}/scenario/index.ts';
import { perMinute } from '${importBase}/norms/index.ts';

export default defineScenario({
  name: '${spec.name}',
  description: ${JSON.stringify(spec.description)},
  clock: { start: '${isoLocal(spec.simStart)}', speed: ${spec.speed} },
  flows: [
${spec.flows.map((f) => `    { flow: '${f.flow}', weight: ${sig(f.perMinute)} },`).join('\n')}
  ],
  load: ${spec.load},
  data: { ${spec.data} },
${spec.normsOfServices ? `  norms: normsOf([${spec.normsOfServices.map((s) => `'${s}'`).join(', ')}]),\n` : ''}${spec.breaches.length > 0 ? `  // The forecast predicts these breaches; \`bbsim run\` says whether the run agrees.\n  expectBreaches: [${spec.breaches.map((id) => `'${id}'`).join(', ')}],\n` : ''}});
`;
}

/** Writes an emitted scenario file, unless it would replace one the emitter did not write from this forecast. */
export function writeEmitted(
  scenariosDir: string,
  name: string,
  source: string,
  forecastFile: string,
  overwrite: boolean,
): string {
  const file = join(scenariosDir, `${name}.ts`);
  checkEmitTarget(file, forecastFile, overwrite);
  mkdirSync(scenariosDir, { recursive: true });
  writeFileSync(file, source);
  return file;
}
