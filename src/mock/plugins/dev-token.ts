import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { isValidBsn } from '../../population/index.ts';

/** Test tokens without a DigiD login. On by default on loopback only (access-policy.ts); `auth.devTokens` switches it. */
export async function devTokenPlugin(app: FastifyInstance): Promise<void> {
  const { config, clock, tokens, access } = app.bbsim;
  app.post<{ Body: { bsn: string; ttlSeconds?: number } }>('/dev/token', {
    schema: {
      summary: 'Issue a burger session token for tests (the DigiD mock issues real ones)', tags: ['dev'],
      body: {
        type: 'object', additionalProperties: false, required: ['bsn'],
        properties: { bsn: { type: 'string', pattern: '^\\d{9}$' }, ttlSeconds: { type: 'integer', minimum: 1, maximum: 86_400 } },
      },
    },
  }, async (request) => {
    if (!access.devTokens) {
      const why = config.auth.devTokens === false ? 'auth.devTokens: false' : `the mock listens beyond loopback (${config.host}); set auth.devTokens: true to allow it`;
      throw new ProblemError('DEV_TOKENS_DISABLED', `the dev token endpoint is off (${why}); log in through DigiD`, {});
    }
    const { bsn, ttlSeconds } = request.body;
    if (!isValidBsn(bsn)) throw new ProblemError('INVALID_BSN', `BSN ${bsn} fails the elfproef`, { field: 'bsn', rule: 'elfproef' });
    const exp = clock.now() + (ttlSeconds !== undefined ? ttlSeconds * 1000 : config.auth.sessionTtlMs);
    return { token: tokens.issue({ bsn, exp }), bsn, expiresAt: new Date(exp).toISOString() };
  });
}
