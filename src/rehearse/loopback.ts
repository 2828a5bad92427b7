/** The one loopback rule lives in src/net; re-exported for the rehearse modules. */
export { isLoopbackUrl } from '../net/index.ts';
