import { defineScenario, hours } from '../src/scenario/index.ts';
import { SUBSCRIPTION_NIGHT_BSN_LIJST, SUBSCRIPTION_LEAD_TIME, perHour } from '../src/norms/index.ts';

/**
 * One Abonnementservice night (23:00-07:00) at 60 requests a sim hour: 180 alles (quota 225),
 * 180 BSN-lijst (quota 150) and 120 mutatiebasis (quota 150). The BSN-lijst requests over the
 * quota wait for the next night, so that quota and the 4-hour lead time are breached.
 */
export default defineScenario({
  name: 'subscription-night',
  description: 'A whole subscription night at 60 requests a sim hour, over the BSN-lijst quota (40 s of wall time)',
  clock: { speed: 720, start: '2026-11-16T23:00:00+01:00' },
  flows: [{ flow: 'subscription-request' }],
  load: { kind: 'constant', rate: perHour(60), duration: hours(8) },
  data: { subscriptionMix: { alles: 3, 'bsn-lijst': 3, mutatiebasis: 2 } },
  expectBreaches: [SUBSCRIPTION_NIGHT_BSN_LIJST.id, SUBSCRIPTION_LEAD_TIME.id],
});
