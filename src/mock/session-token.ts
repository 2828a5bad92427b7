import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Burger session tokens: `base64url(payload).base64url(HMAC-SHA256)`, signed by the mock.
 * The DigiD mock issues them; for now the dev endpoint does. Expiry is on the sim clock.
 */
export interface SessionClaims {
  readonly bsn: string;
  /** Sim epoch ms. */
  readonly exp: number;
  /** Level of assurance, when issued by DigiD. */
  readonly loa?: string;
}

export interface SessionTokens {
  issue(claims: SessionClaims): string;
  /** The claims, or a reason string when the token is not valid at `now`. */
  verify(token: string, now: number): SessionClaims | 'invalid' | 'expired';
}

/** Tokens whose signature was checked, so a burger's next requests skip the HMAC (bounded). */
/**
 * The one canonical encoding of a token: unpadded base64url payload, a dot, and the 43 characters
 * of an unpadded base64url HMAC-SHA256 whose last character carries no stray bits. Node's base64url
 * decoder is lenient (it skips '=', '!', '.' and other junk), so without this check a signature with
 * anything appended still verified.
 */
const CANONICAL_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const VERIFIED_CACHE_SIZE = 10_000;

export function createSessionTokens(secret: string | undefined): SessionTokens {
  // A KeyObject made once (the secret's UTF-8 bytes, as a string key would be): about 10 % less per HMAC.
  const key = createSecretKey(Buffer.from(secret ?? randomBytes(32).toString('hex'), 'utf8'));
  const sign = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest();
  const verified = new Map<string, SessionClaims>();
  return {
    issue(claims) {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    verify(token, now) {
      const known = verified.get(token);
      if (known) return known.exp < now ? 'expired' : known;
      if (!CANONICAL_TOKEN.test(token)) return 'invalid';
      const dot = token.indexOf('.');
      const payload = token.slice(0, dot);
      // The payload is signed as text, so it must decode to exactly what was signed.
      if (Buffer.from(payload, 'base64url').toString('base64url') !== payload) return 'invalid';
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      let claims: unknown;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return 'invalid';
      }
      if (!isClaims(claims)) return 'invalid';
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
      verified.set(token, claims);
      return claims.exp < now ? 'expired' : claims;
    },
  };
}

function isClaims(v: unknown): v is SessionClaims {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['bsn'] === 'string' && typeof o['exp'] === 'number';
}
