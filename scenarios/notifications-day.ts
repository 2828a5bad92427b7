import { defineScenario, minutes } from '../src/scenario/index.ts';
import { MESSAGES_PER_HOUR, NOTIFICATIONS_PER_HOUR, perHour } from '../src/norms/index.ts';

/**
 * The last hour of a day near the intake's maximum, 147,000 letters an hour (2 % under the norm, so
 * whole batches never tip an hour over it): every processed letter asks for a notification, 22,000
 * more than the 125,000 an hour the notification service sends.
 * The excess waits, in order of arrival, and is sent after midnight: carried over to the next day.
 * (The 3,000,000 a day norm cannot be reached through an intake of 2,500,000 a day; it holds.)
 */
export default defineScenario({
  name: 'notifications-day',
  description:
    'Letters at 147,000/h from 22:55 to 00:05: notifications over 125,000/h carried past midnight (47 s of wall time)',
  clock: { speed: 90, start: '2026-11-16T22:55:00+01:00' },
  flows: [{ flow: 'deliver-batch' }],
  load: { kind: 'constant', rate: perHour(MESSAGES_PER_HOUR.limit * 0.98), duration: minutes(70) },
  data: { batchSize: 1000 },
  norms: [NOTIFICATIONS_PER_HOUR.id, 'notificaties.per-day', MESSAGES_PER_HOUR.id, 'berichtenbox.max-processing-time'],
  expectBreaches: [NOTIFICATIONS_PER_HOUR.id],
});
