import { defineScenario } from '../../../src/scenario/index.ts';
import { perMinute } from '../../../src/norms/index.ts';

/** A five-second run: the bench measures what bbsim adds around k6, not the load. */
export default defineScenario({
  name: 'overhead',
  description: 'Machtigen checks at a light rate for 5 s of wall time',
  clock: { speed: 6, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'machtigen-check' }],
  load: { kind: 'constant', rate: perMinute(300), duration: '30s' },
});
