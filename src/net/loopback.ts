/** 127.0.0.0/8 in dotted form (the WHATWG URL parser has already normalised forms such as 127.1). */
const IPV4_LOOPBACK = /^127(?:\.\d{1,3}){3}$/;

/**
 * The one loopback rule of bbsim: load goes only to this machine, 127.0.0.0/8, ::1 or localhost.
 * `host` as URL.hostname gives it ('[::1]' for IPv6) or bare.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || IPV4_LOOPBACK.test(h);
}

/** Whether a parsed URL points at this machine. */
export function isLoopbackUrl(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/** The rule in words, for error messages. */
export const LOOPBACK_RULE = 'this machine (127.0.0.0/8, ::1 or localhost)';
