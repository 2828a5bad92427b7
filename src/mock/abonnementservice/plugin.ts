import type { FastifyInstance } from 'fastify';

export async function abonnementservicePlugin(_app: FastifyInstance): Promise<void> {
  // Routes of the abonnementservice mock come here.
}
