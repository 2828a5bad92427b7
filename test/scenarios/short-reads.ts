import { defineScenario } from '../../src/scenario/index.ts';
import { perMinute } from '../../src/norms/index.ts';

/** Five wall seconds of burgers reading and Machtigen checks: for the verdict's dead- and 404-target tests. */
export default defineScenario({
  name: 'short-reads',
  description: 'Burgers read and Machtigen checks at a light rate for 5 s of wall time',
  clock: { speed: 6, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'burger-reads' }, { flow: 'machtigen-check' }],
  load: { kind: 'constant', rate: perMinute(300), duration: '30s' },
});
