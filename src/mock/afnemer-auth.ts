import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';
import { OIN_DIGITS } from '../norms/index.ts';
import type { KnownAfnemer, MockContext } from './context.ts';

export const OIN_HEADER = 'x-afnemer-oin';
const OIN_PATTERN = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);

/** The afnemer behind a request: the X-Afnemer-OIN header stands for the OIN in the Digikoppeling CPA. */
export function requireAfnemer(ctx: MockContext, request: FastifyRequest): KnownAfnemer {
  const raw = request.headers[OIN_HEADER];
  const oin = Array.isArray(raw) ? raw[0] : raw;
  if (oin === undefined || oin === '') {
    throw new ProblemError('MISSING_OIN', 'send the afnemer OIN in the X-Afnemer-OIN header (it stands for the OIN in the CPA)', { field: 'X-Afnemer-OIN', rule: 'required' });
  }
  if (!OIN_PATTERN.test(oin)) {
    throw new ProblemError('INVALID_OIN', `X-Afnemer-OIN '${oin.slice(0, 40)}' is not an OIN`, { field: 'X-Afnemer-OIN', rule: `${OIN_DIGITS.max} digits` });
  }
  const afnemer = ctx.afnemers.get(oin);
  if (!afnemer) {
    throw new ProblemError('UNKNOWN_AFNEMER', `OIN ${oin} is not a connected afnemer of this mock; add it under 'afnemers' in the config`, { field: 'X-Afnemer-OIN', rule: 'connected afnemer' });
  }
  return afnemer;
}
