import { ProblemError } from '../errors/catalogue.ts';

/**
 * The sim instant (epoch ms) a load generator sent the request: bbsim's k6 scripts and the native
 * engine set it on DigiD authentications and intake batches (issue 23), and the mock counts the
 * offered load of their norm windows then (capacity offeredInstant), not when the request got
 * through to its handler.
 */
export const SENT_AT_HEADER = 'x-bbsim-sent-at';

/** The header in a route's OpenAPI `headers` (checked again by sentAtOf, which names it). */
export const SENT_AT_HEADER_SCHEMA = {
  type: 'string',
  description:
    'bbsim: the sim instant (epoch ms) the load generator sent this request; its norm window counts the offered load then (at most 5 wall s before arrival, never after it)',
} as const;

/** The x-bbsim-sent-at header as sim epoch ms; undefined when absent; a 400 naming it when it is not a number. */
export function sentAtOf(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const t = typeof header === 'string' ? Number(header) : Number.NaN;
  if (!Number.isFinite(t) || header === '') {
    throw new ProblemError('INVALID_REQUEST', `${SENT_AT_HEADER} must be one sim instant in epoch milliseconds`, {
      field: SENT_AT_HEADER,
      rule: 'a finite number (sim epoch ms)',
    });
  }
  return t;
}
