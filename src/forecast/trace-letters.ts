import { MINUTE } from '../clock/index.ts';
import { num } from '../report/format.ts';
import type { Horizon } from './horizon.ts';
import { EPS, departureTime } from './fifo-curves.ts';
import { localTime, localTimeSince } from './format.ts';
import type { QueueCurves } from './simulate-queues.ts';

/** Where the letters offered in one minute are when: admitted, parked (processed), notified. */
export interface LetterTrace {
  /** Start of the offering minute. */
  readonly offeredAt: number;
  readonly letters: number;
  /** Not all of the minute's letters were admitted at once (some were refused and redelivered). */
  readonly refused: boolean;
  /** When the minute's last letter got through each stage; absent when not within the horizon. */
  readonly admittedAt?: number;
  readonly parkedAt?: number;
  readonly notifiedAt?: number;
  readonly text: string;
}

/** The notifying-letter index of letter k (k letters offered before it), as the simulation maps it. */
function notifyingIndex(c: QueueCurves, k: number): number {
  const M = c.offered.length - 1;
  if (k >= c.offered[M]!) return c.notifying[M]!;
  // Largest j with offered[j] <= k.
  let lo = 0;
  let hi = M;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (c.offered[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  const a = c.offered[lo]!;
  const b = c.offered[lo + 1]!;
  return c.notifying[lo]! + ((k - a) / (b - a)) * (c.notifying[lo + 1]! - c.notifying[lo]!);
}

/** Times in the text are "by": rounded up to the minute. */
const by = (ms: number, reference: number): string => localTimeSince(Math.ceil(ms / MINUTE) * MINUTE, reference);

export function traceMinute(h: Horizon, c: QueueCurves, minute: number): LetterTrace {
  const offeredAt = h.start + minute * MINUTE;
  const letters = c.offered[minute + 1]! - c.offered[minute]!;
  if (letters <= EPS)
    return { offeredAt, letters: 0, refused: false, text: `no letters are offered at ${localTime(offeredAt)}` };
  const k = c.offered[minute + 1]!;
  const at = (arrivals: Float64Array, departures: Float64Array, idx: number, rate: number): number | undefined => {
    const t = departureTime(arrivals, departures, idx, rate);
    return Number.isFinite(t) ? h.start + Math.ceil(t * MINUTE) : undefined;
  };
  const admittedAt = at(c.offered, c.admitted, k, Number.POSITIVE_INFINITY);
  const parkedAt = at(c.admitted, c.parked, k, c.parkPerMinute);
  const n = notifyingIndex(c, k);
  const notifying = c.notifying[minute + 1]! - c.notifying[minute]! > EPS;
  const notifiedAt = notifying ? at(c.notifIn, c.notified, n, c.notifyPerMinute) : undefined;
  const refused = c.refused[minute + 1]! - c.refused[minute]! > EPS;
  const end = offeredAt + MINUTE;
  const parts = [`the ${num(letters)} letters offered at ${localTime(offeredAt)}`];
  if (refused)
    parts.push(
      admittedAt !== undefined
        ? `are refused at first and admitted by ${by(admittedAt, offeredAt)} (redelivered when the window reopens)`
        : 'are refused and not admitted within the horizon',
    );
  else parts.push('are admitted at once');
  parts.push(
    parkedAt !== undefined
      ? parkedAt <= end
        ? 'parked and processed within the minute'
        : `parked and processed by ${by(parkedAt, offeredAt)}`
      : 'not parked within the horizon',
  );
  if (notifying)
    parts.push(
      notifiedAt !== undefined
        ? `notified by ${by(notifiedAt, parkedAt ?? offeredAt)}`
        : 'not notified within the horizon',
    );
  const text = `${parts[0]} ${parts.slice(1, -1).join(', ')}${parts.length > 2 ? ' and ' : ''}${parts[parts.length - 1]}`;
  return {
    offeredAt,
    letters,
    refused,
    ...(admittedAt !== undefined ? { admittedAt } : {}),
    ...(parkedAt !== undefined ? { parkedAt } : {}),
    ...(notifiedAt !== undefined ? { notifiedAt } : {}),
    text,
  };
}
