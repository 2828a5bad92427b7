import { defineScenario, hours } from '../src/scenario/index.ts';
import { VALIDATION_QUERIES_PER_HOUR, rateOf } from '../src/norms/index.ts';

/** The Validatieservice's hourly norm: 1,000 queries of 250 BSNs in one sim hour (30 s of wall time). */
export default defineScenario({
  name: 'validation-hour',
  description: '1,000 validation queries of 250 BSNs in one sim hour, compressed to 30 s of wall time',
  clock: { speed: 120, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'validation-query' }],
  load: { kind: 'constant', rate: rateOf(VALIDATION_QUERIES_PER_HOUR), duration: hours(1) },
});
