/** 127.0.0.0/8 (the URL parser has already normalised forms such as 127.1). */
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Why `base` may not receive load, or undefined when it may: the engine sends load only to this
 * machine (127.0.0.0/8, ::1, localhost), over http or https.
 */
export function loopbackIssue(base: unknown): string | undefined {
  if (typeof base !== 'string' || base.trim() === '') return `base: a URL such as http://127.0.0.1:8080, got ${JSON.stringify(base)}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `base: not a URL: ${JSON.stringify(base)} (expected e.g. http://127.0.0.1:8080)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `base: http or https only, got ${url.protocol.replace(/:$/, '')} in ${JSON.stringify(base)}`;
  const host = url.hostname;
  if (IPV4_LOOPBACK.test(host) || host === '[::1]' || host === 'localhost') return undefined;
  return `base: the native engine sends load only to this machine (127.0.0.1, ::1 or localhost), got host ${JSON.stringify(host)} in ${JSON.stringify(base)}`;
}
