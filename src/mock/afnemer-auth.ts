import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';
import { OIN_DIGITS } from '../norms/index.ts';
import type { KnownAfnemer, MockContext } from './context.ts';
import { peerCertificate } from './tls.ts';

export const OIN_HEADER = 'x-afnemer-oin';
const OIN_PATTERN = new RegExp(`^\\d{${OIN_DIGITS.max}}$`);

function headerOin(request: FastifyRequest): string | undefined {
  const raw = request.headers[OIN_HEADER];
  const oin = Array.isArray(raw) ? raw[0] : raw;
  return oin === '' ? undefined : oin;
}

function knownAfnemer(ctx: MockContext, oin: string, field: string): KnownAfnemer {
  const afnemer = ctx.afnemers.get(oin);
  if (!afnemer) {
    throw new ProblemError(
      'UNKNOWN_AFNEMER',
      `OIN ${oin} is not a connected afnemer of this mock; add it under 'afnemers' in the config`,
      { field, rule: 'connected afnemer' },
    );
  }
  return afnemer;
}

/**
 * The OIN of the client certificate, as Digikoppeling two-way TLS identifies an afnemer: PKIoverheid
 * certificates carry it in the subject serialNumber. A header that says otherwise is refused (403,
 * with the real code of the same check on a letter), so a forged X-Afnemer-OIN never reaches data.
 */
function certificateAfnemer(ctx: MockContext, request: FastifyRequest): KnownAfnemer {
  const peer = peerCertificate(request.raw.socket);
  if (peer.kind === 'none') {
    throw new ProblemError(
      'CLIENT_CERTIFICATE_REQUIRED',
      'this mock identifies afnemers by their TLS client certificate (Digikoppeling two-way TLS); connect with one signed by the configured CA (bbsim pki init writes test certificates)',
      { field: 'client certificate', rule: 'required' },
    );
  }
  if (peer.kind === 'refused') {
    throw new ProblemError('CLIENT_CERTIFICATE_REFUSED', `the client certificate was refused: ${peer.reason}`, {
      field: 'client certificate',
      rule: 'signed by the configured CA and within its validity',
      extra: { reason: peer.reason },
    });
  }
  const oin = peer.serialNumber;
  if (oin === undefined || !OIN_PATTERN.test(oin)) {
    throw new ProblemError(
      'CERTIFICATE_WITHOUT_OIN',
      `the client certificate's subject (${peer.subject.slice(0, 200)}) has no ${OIN_DIGITS.max}-digit OIN in serialNumber`,
      { field: 'client certificate subject serialNumber', rule: `${OIN_DIGITS.max}-digit OIN` },
    );
  }
  const claimed = headerOin(request);
  if (claimed !== undefined && claimed !== oin) {
    throw new ProblemError(
      'OIN_MISMATCH',
      `X-Afnemer-OIN '${claimed.slice(0, 40)}' differs from the OIN ${oin} of the client certificate`,
      {
        field: 'X-Afnemer-OIN',
        rule: "equal to the certificate's OIN",
        serviceCode: 'OinInCPAKomtNietOvereenMetOinInBericht',
      },
    );
  }
  return knownAfnemer(ctx, oin, 'client certificate subject serialNumber');
}

/**
 * The afnemer behind a request: the client certificate's OIN under TLS; X-Afnemer-OIN (standing
 * for the OIN in the Digikoppeling CPA) on loopback. See access-policy.ts.
 */
export function requireAfnemer(ctx: MockContext, request: FastifyRequest): KnownAfnemer {
  if (ctx.access.identity === 'certificate') return certificateAfnemer(ctx, request);
  if (ctx.access.identity === 'none') {
    throw new ProblemError(
      'NO_AFNEMER_IDENTITY',
      `this mock listens beyond loopback (${ctx.config.host}) without TLS, so X-Afnemer-OIN is not trusted: start it with --tls (client certificates), or set auth.trustOinHeader if the network is yours alone`,
      { field: 'X-Afnemer-OIN', rule: 'trusted on loopback only' },
    );
  }
  const oin = headerOin(request);
  if (oin === undefined) {
    throw new ProblemError(
      'MISSING_OIN',
      'send the afnemer OIN in the X-Afnemer-OIN header (it stands for the OIN in the CPA)',
      { field: 'X-Afnemer-OIN', rule: 'required' },
    );
  }
  if (!OIN_PATTERN.test(oin)) {
    throw new ProblemError('INVALID_OIN', `X-Afnemer-OIN '${oin.slice(0, 40)}' is not an OIN`, {
      field: 'X-Afnemer-OIN',
      rule: `${OIN_DIGITS.max} digits`,
    });
  }
  return knownAfnemer(ctx, oin, 'X-Afnemer-OIN');
}

/**
 * The caller's OIN where it is optional (the Validatieservice checks it against the query when
 * known): under TLS the certificate's (required), else the header if sent.
 */
export function optionalCallerOin(ctx: MockContext, request: FastifyRequest): string | undefined {
  if (ctx.access.identity === 'certificate') return certificateAfnemer(ctx, request).oin;
  return headerOin(request);
}

/** The caller of an operator view: true with `Authorization: Bearer <auth.operatorToken>`. */
export function isOperator(ctx: MockContext, request: FastifyRequest): boolean {
  const token = ctx.access.operatorToken;
  const auth = request.headers.authorization;
  if (token === undefined || auth === undefined || !auth.startsWith('Bearer ')) return false;
  const given = Buffer.from(auth.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
