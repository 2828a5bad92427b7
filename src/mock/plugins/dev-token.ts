import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import { isValidBsn } from '../../population/index.ts';
import { answers, json } from '../openapi-document.ts';
import { BSN_SCHEMA } from '../openapi-schemas.ts';

/** Test tokens without a DigiD login. On by default on loopback only (access-policy.ts); `auth.devTokens` switches it. */
export async function devTokenPlugin(app: FastifyInstance): Promise<void> {
  const { config, clock, tokens, access } = app.bbsim;
  app.post<{ Body: { bsn: string; ttlSeconds?: number } }>(
    '/dev/token',
    {
      schema: {
        summary: 'Issue a burger session token for tests (the DigiD mock issues real ones)',
        tags: ['dev'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['bsn'],
          properties: { bsn: BSN_SCHEMA, ttlSeconds: { type: 'integer', minimum: 1, maximum: 86_400 } },
        },
        ...answers({
          problems: ['INVALID_BSN', 'DEV_TOKENS_DISABLED'],
          ok: {
            200: json('A session token for the burger', {
              type: 'object',
              required: ['token', 'bsn', 'expiresAt'],
              properties: {
                token: { type: 'string' },
                bsn: { type: 'string' },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            }),
          },
        }),
      },
    },
    async (request) => {
      if (!access.devTokens) {
        const why =
          config.auth.devTokens === false
            ? 'auth.devTokens: false'
            : `the mock listens beyond loopback (${config.host}); set auth.devTokens: true to allow it`;
        throw new ProblemError(
          'DEV_TOKENS_DISABLED',
          `the dev token endpoint is off (${why}); log in through DigiD`,
          {},
        );
      }
      const { bsn, ttlSeconds } = request.body;
      if (!isValidBsn(bsn))
        throw new ProblemError('INVALID_BSN', `BSN ${bsn} fails the elfproef`, { field: 'bsn', rule: 'elfproef' });
      const exp = clock.now() + (ttlSeconds !== undefined ? ttlSeconds * 1000 : config.auth.sessionTtlMs);
      return { token: tokens.issue({ bsn, exp }), bsn, expiresAt: new Date(exp).toISOString() };
    },
  );
}
