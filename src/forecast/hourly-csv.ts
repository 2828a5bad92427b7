import { HOUR } from '../clock/index.ts';
import { isoLocal } from './format.ts';
import { HOUR_NORMS } from './hourly-table.ts';
import type { ForecastResult } from './run-forecast.ts';

const COLUMNS = [
  'hour_start',
  'letters_offered',
  'letters_offered_peak_minute',
  'letters_refused',
  'letters_admitted',
  'letters_admitted_peak_minute',
  'letters_parked',
  'intake_backlog_end',
  'parking_backlog_end',
  'processing_delay_max_min',
  'notifications_in',
  'notifications_sent',
  'notification_backlog_end',
  'digid_authentications',
  'digid_peak_minute',
  'machtigen_transactions',
  'machtigen_peak_minute',
  'validation_queries',
  'subscription_requests',
  'subscription_backlog_end',
  'utilisation_pct',
  'worst_norm',
] as const;

const r3 = (x: number): string => String(Math.round(x * 1000) / 1000);

/** hours.csv: one row per clock hour of the horizon (local time with offset), the columns above. */
export function hourlyCsv(r: ForecastResult): string {
  const t = r.hourly;
  const lines: string[] = [COLUMNS.join(',')];
  for (let i = 0; i < r.horizon.hours; i++) {
    lines.push(
      [
        isoLocal(r.horizon.start + i * HOUR),
        r3(t.offered[i]!),
        r3(t.offeredPeakMinute[i]!),
        r3(t.refused[i]!),
        r3(t.admitted[i]!),
        r3(t.admittedPeakMinute[i]!),
        r3(t.parked[i]!),
        r3(t.intakeBacklog[i]!),
        r3(t.parkingBacklog[i]!),
        r3(t.processingDelayMax[i]!),
        r3(t.notifIn[i]!),
        r3(t.notified[i]!),
        r3(t.notificationBacklog[i]!),
        r3(t.digid[i]!),
        r3(t.digidPeakMinute[i]!),
        r3(t.machtigen[i]!),
        r3(t.machtigenPeakMinute[i]!),
        r3(t.validation[i]!),
        r3(t.subscriptions[i]!),
        r3(t.subscriptionBacklog[i]!),
        r3(t.utilisation[i]! * 100),
        t.utilisation[i]! > 0 ? HOUR_NORMS[t.worstNorm[i]!]!.id : '',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
