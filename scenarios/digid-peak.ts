import { defineScenario, minutes } from '../src/scenario/index.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, perMinute } from '../src/norms/index.ts';

/**
 * DigiD ramped past its capacity norm: from 80 % to 120 % of 10,000 authentications a minute.
 * The verdict fails the capacity norm from the minute the ramp passes it (the mock refuses the
 * excess with 503), while the processing-time norm still holds for what is admitted.
 */
const limit = DIGID_AUTHENTICATIONS_PER_MINUTE.limit;
export default defineScenario({
  name: 'digid-peak',
  description: 'DigiD authentications ramped from 8,000 to 12,000 a minute over three sim minutes (45 s of wall time)',
  clock: { speed: 4, start: '2026-11-18T20:00:00+01:00' },
  flows: [{ flow: 'digid-authenticate' }],
  load: { kind: 'ramp', from: perMinute(limit * 0.8), to: perMinute(limit * 1.2), duration: minutes(3) },
  expectBreaches: [DIGID_AUTHENTICATIONS_PER_MINUTE.id],
});
