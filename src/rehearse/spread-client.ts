import type { ClientRequest, ClientResponse, HttpClient } from '../engine/client.ts';

/**
 * One client over several instances of one service (mock instances sharing a PostgreSQL
 * database): each request goes to the next instance in turn, so the batches, the verwerkingsbericht
 * polls and the status reads are spread over all of them, as a round-robin load balancer would.
 */
export function spreadClient(clients: readonly HttpClient[]): HttpClient {
  if (clients.length === 0) throw new RangeError('spreadClient needs at least one client');
  if (clients.length === 1) return clients[0]!;
  let next = 0;
  return {
    request(req: ClientRequest): Promise<ClientResponse> {
      const c = clients[next]!;
      next = (next + 1) % clients.length;
      return c.request(req);
    },
    async close(): Promise<void> {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
