import { isLoopbackUrl, LOOPBACK_RULE } from './loopback.ts';

/** The schemes a target may have: the services speak HTTP, nothing else. */
export const TARGET_SCHEMES = ['http', 'https'] as const;

export type TargetUrlResult =
  | { readonly ok: true; readonly url: URL; readonly base: string }
  | { readonly ok: false; readonly code: TargetIssueCode; readonly message: string };

/** Why a target was refused: stable codes, so a script can tell them apart. */
export type TargetIssueCode =
  | 'BBSIM_TARGET_NOT_A_URL'
  | 'BBSIM_TARGET_SCHEME'
  | 'BBSIM_TARGET_NOT_LOOPBACK'
  | 'BBSIM_TARGET_HAS_PATH';

export interface TargetUrlOptions {
  /** The option or field named in messages, e.g. '--target' or 'base'. */
  readonly field: string;
  /** Accept a host that is not on this machine (rehearse --allow-remote). Default false. */
  readonly allowRemote?: boolean;
}

/**
 * The one check of a target base URL for every command that sends load: a URL with an http(s)
 * scheme, on this machine unless allowed otherwise. `base` is the URL without a trailing slash,
 * ready for `${base}/path`. A forgotten scheme ('127.0.0.1:8080', which WHATWG parses as scheme
 * '127.0.0.1'!) is named as such instead of surfacing as ERR_INVALID_URL or an odd scheme.
 */
export function checkTargetUrl(input: unknown, opts: TargetUrlOptions): TargetUrlResult {
  const { field } = opts;
  const example = 'http://127.0.0.1:8080';
  if (typeof input !== 'string' || input.trim() === '') {
    return {
      ok: false,
      code: 'BBSIM_TARGET_NOT_A_URL',
      message: `${field}: a URL such as ${example}, got ${JSON.stringify(input)}`,
    };
  }
  const text = input.trim();
  // host:port or a bare host without a scheme: say so, and show the fix.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return {
      ok: false,
      code: 'BBSIM_TARGET_NOT_A_URL',
      message: `${field}: ${JSON.stringify(text)} has no scheme; write http://${text.replace(/^\/+/, '')} (http or https)`,
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      code: 'BBSIM_TARGET_NOT_A_URL',
      message: `${field}: not a URL: ${JSON.stringify(text)} (expected e.g. ${example})`,
    };
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!(TARGET_SCHEMES as readonly string[]).includes(scheme)) {
    return {
      ok: false,
      code: 'BBSIM_TARGET_SCHEME',
      message: `${field}: http or https only, got ${scheme} in ${JSON.stringify(text)}`,
    };
  }
  if (url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      code: 'BBSIM_TARGET_HAS_PATH',
      message: `${field}: a base URL without query or fragment, got ${JSON.stringify(text)}`,
    };
  }
  if (!opts.allowRemote && !isLoopbackUrl(url)) {
    return {
      ok: false,
      code: 'BBSIM_TARGET_NOT_LOOPBACK',
      message: `${field}: load goes only to ${LOOPBACK_RULE}, got host ${JSON.stringify(url.hostname)} in ${JSON.stringify(text)}`,
    };
  }
  return { ok: true, url, base: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}
