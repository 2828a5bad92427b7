import type { CapacityStats, WindowStats } from '../../src/mock/capacity/capacity-stats.ts';

/** A window as the mock reports it, with the peak offered and the norm it keeps. */
export function windowStats(
  normId: string | null,
  window: string,
  seconds: number | null,
  peakOffered: number,
  limit: number | null = null,
): WindowStats {
  return { window, seconds, normId, limit, used: 0, remaining: limit, peakOffered };
}

/** A service's capacity figures as its /stats reports them, with the given windows and minute reading. */
export function capacityStats(
  service: string,
  windows: readonly WindowStats[],
  withinNormPercent: number | null = null,
): CapacityStats {
  return {
    service,
    now: '2027-03-01T19:00:00.000Z',
    admitted: 0,
    refused: { limit: 0, saturated: 0, closed: 0, total: 0 },
    latency: { meanMs: 0, maxMs: 0 },
    minutes: { count: 0, meanMs: 0, normMs: withinNormPercent === null ? null : 4000, withinNormPercent },
    windows,
    server: { concurrency: 1, maxQueue: 1, busy: 0, queued: 0 },
  };
}
