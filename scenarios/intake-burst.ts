import { defineScenario, minutes, seconds } from '../src/scenario/index.ts';
import { MESSAGES_PARKED_PER_SECOND, perSecond } from '../src/norms/index.ts';

/**
 * Letters offered faster than the intake parks them (45/s): 70/s for 8 sim minutes builds a
 * backlog of about 12,000 letters, then 20/s lets it drain. The verdict fails the 45/s norm (the
 * offered load was above it) and shows the longest parking delay; processing stays within 24 h.
 */
export default defineScenario({
  name: 'intake-burst',
  description:
    'Deliveries at 70 letters/s for 8 sim minutes, then 20/s for 12: the parking backlog builds and drains (50 s of wall time)',
  clock: { speed: 24, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'deliver-batch' }],
  load: {
    kind: 'stages',
    start: perSecond(70),
    stages: [
      { target: perSecond(70), duration: minutes(8) },
      { target: perSecond(20), duration: seconds(15) },
      { target: perSecond(20), duration: minutes(11.75) },
    ],
  },
  data: { batchSize: 100, attachmentShare: 0.1, attachmentBytes: 20_000 },
  expectBreaches: [MESSAGES_PARKED_PER_SECOND.id],
});
