import type { Horizon } from './horizon.ts';
import type { HourlyTable } from './hourly-table.ts';

/** Per calendar day: totals, and the busiest hour/minute/second inside it (for the charts and the JSON). */
export interface DayRow {
  readonly day: string;
  readonly offered: number;
  readonly refused: number;
  readonly admitted: number;
  readonly notifIn: number;
  readonly notified: number;
  readonly digid: number;
  readonly maxOfferedPerHour: number;
  readonly maxOfferedPerMinute: number;
  readonly maxAdmittedPerMinute: number;
  readonly maxNotifInPerHour: number;
  readonly maxDigidPerMinute: number;
  readonly maxMachtigenPerMinute: number;
  readonly maxValidationPerHour: number;
  /** Largest backlogs at an hour's end. */
  readonly maxIntakeBacklog: number;
  readonly maxParkingBacklog: number;
  readonly maxNotificationBacklog: number;
  readonly maxSubscriptionBacklog: number;
  /** Longest first offering → processed of letters offered that day, minutes. */
  readonly maxProcessingDelayMin: number;
  /** Highest utilisation of an hour norm in the day, percent. */
  readonly maxUtilisationPct: number;
}

export function dailyTable(h: Horizon, t: HourlyTable): DayRow[] {
  const out: DayRow[] = [];
  for (let d = 0; d < h.days; d++) {
    const a = h.dayHourStart[d]!;
    const b = h.dayHourStart[d + 1]!;
    const sum = (x: Float64Array): number => {
      let s = 0;
      for (let i = a; i < b; i++) s += x[i]!;
      return s;
    };
    const max = (x: ArrayLike<number>): number => {
      let s = 0;
      for (let i = a; i < b; i++) if (x[i]! > s) s = x[i]!;
      return s;
    };
    out.push({
      day: h.dayKeys[d]!,
      offered: sum(t.offered),
      refused: sum(t.refused),
      admitted: sum(t.admitted),
      notifIn: sum(t.notifIn),
      notified: sum(t.notified),
      digid: sum(t.digid),
      maxOfferedPerHour: max(t.offered),
      maxOfferedPerMinute: max(t.offeredPeakMinute),
      maxAdmittedPerMinute: max(t.admittedPeakMinute),
      maxNotifInPerHour: max(t.notifIn),
      maxDigidPerMinute: max(t.digidPeakMinute),
      maxMachtigenPerMinute: max(t.machtigenPeakMinute),
      maxValidationPerHour: max(t.validation),
      maxIntakeBacklog: max(t.intakeBacklog),
      maxParkingBacklog: max(t.parkingBacklog),
      maxNotificationBacklog: max(t.notificationBacklog),
      maxSubscriptionBacklog: max(t.subscriptionBacklog),
      maxProcessingDelayMin: max(t.processingDelayMax),
      maxUtilisationPct: max(t.utilisation) * 100,
    });
  }
  return out;
}
