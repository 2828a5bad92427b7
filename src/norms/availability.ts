/**
 * The SNO availability formula (DigiD v3.0 and Machtigen v2.1, Beschikbaarheidsvenster):
 * (hours per month − hours unavailable − hours planned maintenance) / (hours per month − hours planned maintenance) × 100.
 * Unavailability inside a planned maintenance window is not counted against the norm, so pass
 * `unavailableHours` excluding it.
 */
export function availabilityPercent(
  hoursInMonth: number,
  unavailableHours: number,
  plannedMaintenanceHours: number,
): number {
  const window = hoursInMonth - plannedMaintenanceHours;
  if (!(window > 0)) throw new RangeError('planned maintenance must be shorter than the month');
  if (unavailableHours < 0 || plannedMaintenanceHours < 0) throw new RangeError('hours must be >= 0');
  return ((hoursInMonth - unavailableHours - plannedMaintenanceHours) / window) * 100;
}
