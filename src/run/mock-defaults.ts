import { generateK6Script, type DataOptions } from '../k6gen/index.ts';
import { loadMockConfig } from '../mock/config.ts';
import { createPopulation } from '../population/index.ts';
import type { Scenario } from '../scenario/index.ts';

/**
 * The data options for a scenario against the mock's default config: its population, and its first
 * afnemer with that afnemer's first BerichtType. The runner knows which mock it starts, so the
 * defaults are read here and passed down (k6gen and the engine never read the mock's config).
 */
export function defaultDataOptions(scenario: Scenario): DataOptions {
  const config = loadMockConfig({});
  const afnemer = config.afnemers[0]!;
  return {
    population: createPopulation({ seed: config.seed, ...config.population }),
    afnemer: { oin: afnemer.oin, berichtType: afnemer.berichtTypes[0] ?? 'BRIEF' },
    ...(scenario.clock.start !== undefined ? { at: Date.parse(scenario.clock.start) } : {}),
  };
}

/** The script for a scenario against the mock's default config (what `bbsim generate` commits and `bbsim run` uses). */
export function generateDefaultK6Script(scenario: Scenario): string {
  return generateK6Script(scenario, defaultDataOptions(scenario));
}
