import { defineScenario, minutes } from '../src/scenario/index.ts';
import { perMinute } from '../src/norms/index.ts';

/** Every service at a light load: a quick check that the mock (or a target) answers and the norms hold. */
export default defineScenario({
  name: 'smoke',
  description: 'Every service at light load for three sim minutes (30 s of wall time)',
  // 23:30 on a Tuesday: inside the Abonnementservice night window, outside every maintenance window.
  clock: { speed: 6, start: '2026-11-17T23:30:00+01:00' },
  flows: [
    { flow: 'deliver-batch', weight: 2 },
    { flow: 'fetch-verwerkingsberichten', weight: 1 },
    // 6 of 11.25 at 660/min: about 1,050 logins and 1,170 inbox reads, so presentatie.p99.9 has the
    // 1,000 successful requests a p99.9 needs to be judged (869 at the former 4 of 9.25 at 600/min).
    { flow: 'burger-reads', weight: 6, thinkTimeMs: 500 },
    { flow: 'validation-query', weight: 1 },
    { flow: 'subscription-request', weight: 0.25 },
    { flow: 'machtigen-check', weight: 1 },
  ],
  load: { kind: 'constant', rate: perMinute(660), duration: minutes(3) },
  data: { batchSize: 50, attachmentShare: 0.3, attachmentBytes: 50_000 },
});
