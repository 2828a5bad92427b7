/**
 * How long to wait before offering again. A server's Retry-After is honoured in full (we never come
 * back earlier than asked), with a little jitter on top so that clients told the same instant do
 * not all return at once. Without one, capped exponential back-off with jitter ("equal jitter":
 * half fixed, half random), so a flapping target is not hammered and a healthy one is soon retried.
 * After repeated failures the longer of the two applies.
 */

export interface BackoffPolicy {
  /** First delay without Retry-After, wall ms. */
  readonly baseMs: number;
  /** Largest delay without Retry-After, wall ms. */
  readonly capMs: number;
  /** Largest jitter added to a Retry-After, wall ms (and at most a tenth of it). */
  readonly retryAfterJitterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 250, capMs: 30_000, retryAfterJitterMs: 1_000 });

/**
 * Retry-After as wall milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, wallNowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - wallNowMs) : undefined;
}

/**
 * The wait before try number `failures + 1` of one thing, wall ms. `failures` counts consecutive
 * failures (1 after the first); `random` returns [0, 1).
 */
export function backoffDelay(
  failures: number,
  retryAfterMs: number | undefined,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  const expWait = exp / 2 + random() * (exp / 2);
  if (retryAfterMs === undefined) return expWait;
  // Never earlier than asked; after repeated failures the back-off may ask for longer still.
  return Math.max(retryAfterMs + random() * Math.min(policy.retryAfterJitterMs, retryAfterMs / 10), expWait);
}
