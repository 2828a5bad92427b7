import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { isValidBsn } from '../../population/index.ts';

/** Test tokens without a DigiD login. Off with `auth.devTokens: false`. */
export async function devTokenPlugin(app: FastifyInstance): Promise<void> {
  const { config, clock, tokens } = app.bbsim;
  app.post<{ Body: { bsn: string; ttlSeconds?: number } }>('/dev/token', {
    schema: {
      summary: 'Issue a burger session token for tests (the DigiD mock issues real ones)', tags: ['dev'],
      body: {
        type: 'object', additionalProperties: false, required: ['bsn'],
        properties: { bsn: { type: 'string', pattern: '^\\d{9}$' }, ttlSeconds: { type: 'integer', minimum: 1, maximum: 86_400 } },
      },
    },
  }, async (request) => {
    if (!config.auth.devTokens) throw new ProblemError('DEV_TOKENS_DISABLED', 'the dev token endpoint is off (auth.devTokens: false); log in through DigiD', {});
    const { bsn, ttlSeconds } = request.body;
    if (!isValidBsn(bsn)) throw new ProblemError('INVALID_BSN', `BSN ${bsn} fails the elfproef`, { field: 'bsn', rule: 'elfproef' });
    const exp = clock.now() + (ttlSeconds !== undefined ? ttlSeconds * 1000 : config.auth.sessionTtlMs);
    return { token: tokens.issue({ bsn, exp }), bsn, expiresAt: new Date(exp).toISOString() };
  });
}
