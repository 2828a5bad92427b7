import { defineScenario } from '../src/scenario/index.ts';
import { perMinute } from '../src/norms/index.ts';

/**
 * 1 March, the evening the tax return opens: burgers log in with DigiD to file (some for someone
 * else, through Machtigen) and read the Belastingdienst's letter in their inbox. The evening peak
 * is compressed: a ramp to 6,000 arrivals a minute, held, and down again, in six sim minutes.
 * DigiD stays under 10,000 a minute, Machtigen under 1,000; every norm should hold.
 */
export default defineScenario({
  name: 'tax-filing-evening',
  description: '1 March evening peak, DigiD and the inbox together, compressed to six sim minutes (45 s of wall time)',
  clock: { speed: 8, start: '2027-03-01T20:00:00+01:00' },
  flows: [
    { flow: 'digid-authenticate', weight: 1 },
    { flow: 'burger-reads', weight: 2, thinkTimeMs: 2000 },
    { flow: 'machtigen-check', weight: 0.3 },
  ],
  load: {
    kind: 'stages',
    start: perMinute(2000),
    stages: [
      { target: perMinute(6000), duration: '2m' },
      { target: perMinute(6000), duration: '3m' },
      { target: perMinute(2000), duration: '1m' },
    ],
  },
});
