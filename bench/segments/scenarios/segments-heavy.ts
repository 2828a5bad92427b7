import { defineScenario } from '../../../src/scenario/index.ts';
import { perMinute } from '../../../src/norms/index.ts';

/**
 * More than one k6 process sustains here: verwerkingsberichten fetched at 9,000 per wall second
 * (150/min sim at speed 3,600) for 6 wall seconds. bench/segments runs it in 1 and 2 segments.
 */
export default defineScenario({
  name: 'segments-heavy',
  description: 'Verwerkingsberichten fetched at 9,000 a wall second for 6 s, over one k6 process',
  clock: { speed: 3600, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'fetch-verwerkingsberichten' }],
  load: { kind: 'constant', rate: perMinute(150), duration: '6h' },
  norms: ['berichtenbox.max-processing-time'],
});
