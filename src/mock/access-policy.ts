import type { MockConfig } from './config.ts';
import { isLoopbackHost } from '../net/index.ts';

/** The one loopback rule (src/net), for a listen address as for a load target. */
export { isLoopbackHost } from '../net/index.ts';

/**
 * How an afnemer is identified:
 *  - certificate: the OIN in the TLS client certificate's subject serialNumber (the CPA's OIN); a header is never trusted;
 *  - header: X-Afnemer-OIN (on loopback, or with auth.trustOinHeader), standing for the certificate;
 *  - none: an exposed mock without TLS: afnemer routes refuse every caller (401).
 */
export type IdentityMode = 'certificate' | 'header' | 'none';

/** Who may see what, decided once from the config (where the mock listens, TLS, explicit switches). */
export interface AccessPolicy {
  readonly identity: IdentityMode;
  /** The mock listens on more than this machine (config.host is not loopback). */
  readonly exposed: boolean;
  readonly devTokens: boolean;
  readonly passwordlessLogin: boolean;
  readonly operatorToken: string | undefined;
}

export function accessPolicy(config: MockConfig): AccessPolicy {
  const exposed = !isLoopbackHost(config.host);
  const identity: IdentityMode =
    config.tls !== undefined ? 'certificate' : !exposed || config.auth.trustOinHeader === true ? 'header' : 'none';
  // The dev shortcuts default to on for a personal simulator and off for a shared one: only an explicit switch overrides.
  const devTokens = config.auth.devTokens ?? !exposed;
  return Object.freeze({
    identity,
    exposed,
    devTokens,
    passwordlessLogin: config.auth.passwordlessLogin ?? config.auth.devTokens ?? !exposed,
    operatorToken: config.auth.operatorToken,
  });
}

/** Lines for the start-up banner: how afnemers are identified and which shortcuts are on. */
export function describeAccess(policy: AccessPolicy, host: string): string[] {
  const where = policy.exposed ? `exposed (${host} is not loopback)` : 'loopback only';
  const identity =
    policy.identity === 'certificate'
      ? 'client certificate (OIN from the subject serialNumber; X-Afnemer-OIN must agree or is refused)'
      : policy.identity === 'header'
        ? 'X-Afnemer-OIN header (no certificate: fine on loopback, never on a shared network)'
        : 'none: afnemer routes refuse every caller (start with --tls, or set auth.trustOinHeader)';
  const on = (b: boolean): string => (b ? 'ON' : 'off');
  return [
    `access: ${where}`,
    `afnemer identity: ${identity}`,
    `dev shortcuts: POST /dev/token ${on(policy.devTokens)}, password-less POST /digid/authenticate ${on(policy.passwordlessLogin)}${policy.exposed ? ' (on only when the config says so)' : ''}`,
    `leveranciersportaal operator view: ${policy.operatorToken !== undefined ? 'with the operator token (auth.operatorToken)' : 'off (each afnemer sees its own rows)'}`,
  ];
}
