import {
  generateBatch,
  renderBerichtenXml,
  berichtenJson,
  type BatchInput,
  type GenerateOptions,
} from '../../src/berichten/index.ts';
import { createPopulation, type Population } from '../../src/population/index.ts';
import { BELASTINGDIENST, T0 } from './mock.ts';
import { loadMockConfig } from '../../src/mock/config.ts';

/** The population of a default-config mock. */
const DEFAULTS = loadMockConfig({});
export const POPULATION: Population = createPopulation({ seed: DEFAULTS.seed, ...DEFAULTS.population });

export type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

let seq = 1;

/** A valid batch for the Belastingdienst at T0, mutable for tests that break it on purpose. */
export function batch(letters = 3, opts: Partial<GenerateOptions> = {}): Mutable<BatchInput> {
  const b = generateBatch({
    seed: seq++,
    afnemerOin: BELASTINGDIENST.oin,
    berichtType: 'VAIB',
    letters,
    now: T0,
    population: POPULATION,
    ...opts,
  });
  return structuredClone(b) as Mutable<BatchInput>;
}

export const xml = (b: Mutable<BatchInput>): string => renderBerichtenXml(b as BatchInput);
export const json = (b: Mutable<BatchInput>): unknown => berichtenJson(b as BatchInput);
