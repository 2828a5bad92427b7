import { checkTargetUrl } from '../net/index.ts';

/**
 * Why `base` may not receive load, or undefined when it may: the one rule of src/net (http or
 * https, on this machine: 127.0.0.0/8, ::1, localhost).
 */
export function loopbackIssue(base: unknown): string | undefined {
  const r = checkTargetUrl(base, { field: 'base' });
  return r.ok ? undefined : r.message;
}
