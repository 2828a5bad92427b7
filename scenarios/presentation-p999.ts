import { defineScenario, seconds } from '../src/scenario/index.ts';
import { PRESENTATION_P999, perSecond } from '../src/norms/index.ts';

/**
 * Burgers log in with DigiD and read their inbox at a steady 50 a second, in real time (speed 1:
 * the 200 ms p99.9 norm is wall time). Each reads the list and one letter after a short pause.
 */
export default defineScenario({
  name: 'presentation-p999',
  description:
    'Burgers reading their inbox at 50/s for 45 s of real time: the 200 ms p99.9 norm of the presentation API',
  clock: { speed: 1, start: '2026-11-16T20:30:00+01:00' },
  flows: [{ flow: 'burger-reads', thinkTimeMs: 200 }],
  load: { kind: 'constant', rate: perSecond(50), duration: seconds(45) },
  norms: [PRESENTATION_P999.id, 'digid.processing-time', 'digid.authentications-per-minute'],
});
