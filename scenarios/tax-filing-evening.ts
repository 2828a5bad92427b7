import { defineScenario, minutes } from '../src/scenario/index.ts';
import { perMinute } from '../src/norms/index.ts';

/**
 * 1 March, the evening the tax return opens: burgers log in with DigiD to file (some for someone
 * else, through Machtigen) and read the Belastingdienst's letter in their inbox. The evening peak
 * is compressed: a ramp to 4,000 arrivals a minute, held, and down again, in five sim minutes.
 * DigiD stays under 10,000 a minute, Machtigen under 1,000; every norm should hold.
 */
export default defineScenario({
  name: 'tax-filing-evening',
  description: '1 March evening peak, DigiD and the inbox together, compressed to five sim minutes (50 s of wall time)',
  clock: { speed: 6, start: '2027-03-01T20:00:00+01:00' },
  flows: [
    { flow: 'digid-authenticate', weight: 1 },
    { flow: 'burger-reads', weight: 2, thinkTimeMs: 2000 },
    { flow: 'machtigen-check', weight: 0.3 },
  ],
  load: {
    kind: 'stages',
    start: perMinute(1500),
    stages: [
      { target: perMinute(4000), duration: minutes(1.5) },
      { target: perMinute(4000), duration: minutes(2.5) },
      { target: perMinute(1500), duration: minutes(1) },
    ],
  },
});
