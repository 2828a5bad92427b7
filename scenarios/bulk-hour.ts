import { defineScenario, hours } from '../src/scenario/index.ts';
import { MESSAGES_PER_HOUR, perHour } from '../src/norms/index.ts';

/**
 * One sim hour at the intake's hourly norm, in batches of 1,000 (40 s of wall time at speed 90):
 * every batch is admitted, the busiest calendar hour stays under the norm, parking (45/s) keeps up,
 * and every letter is processed well within 24 hours. The rate is 2 % under the norm (147,000/h):
 * whole batches of 1,000 land on either side of an hour boundary, so exactly 150,000 would now and
 * then put one batch too many in an hour.
 */
export default defineScenario({
  name: 'bulk-hour',
  description:
    'A sim hour at the hourly intake norm (147,000 letters in batches of 1,000), compressed to 40 s of wall time',
  clock: { speed: 90, start: '2026-11-16T09:00:00+01:00' },
  flows: [{ flow: 'deliver-batch' }],
  load: { kind: 'constant', rate: perHour(MESSAGES_PER_HOUR.limit * 0.98), duration: hours(1) },
  data: { batchSize: 1000 },
});
