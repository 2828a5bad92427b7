import { ClientConnectError, type ClientRequest, type ClientResponse, type HttpClient } from '../engine/client.ts';

/** Wall ms an instance that refused a connection is passed over before it is tried again. */
const DOWN_MS = 1000;

/**
 * One client over several instances of one service (mock instances sharing a PostgreSQL
 * database): each request goes to the next instance in turn, so the batches, the verwerkingsbericht
 * polls and the status reads are spread over all of them, as a round-robin load balancer would.
 * Like a load balancer, an instance that refuses the connection (nothing was sent, so nothing can
 * be stored twice) is passed over for a second and the request goes to the next one; only when
 * every instance refuses does the caller see the connect error.
 */
export function spreadClient(clients: readonly HttpClient[], now: () => number = () => performance.now()): HttpClient {
  if (clients.length === 0) throw new RangeError('spreadClient needs at least one client');
  if (clients.length === 1) return clients[0]!;
  let next = 0;
  const downUntil = clients.map(() => Number.NEGATIVE_INFINITY);
  return {
    async request(req: ClientRequest): Promise<ClientResponse> {
      const first = next;
      next = (next + 1) % clients.length;
      // Up instances first (in turn from this request's slot), then the ones marked down.
      const order = clients.map((_, k) => (first + k) % clients.length);
      const t = now();
      order.sort((a, b) => Number(downUntil[a]! > t) - Number(downUntil[b]! > t));
      let lastError: unknown;
      for (const i of order) {
        try {
          return await clients[i]!.request(req);
        } catch (err) {
          if (!(err instanceof ClientConnectError)) throw err;
          downUntil[i] = now() + DOWN_MS;
          lastError = err;
        }
      }
      throw lastError;
    },
    async close(): Promise<void> {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
