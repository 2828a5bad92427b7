import type { FastifyInstance } from 'fastify';

export async function digidPlugin(_app: FastifyInstance): Promise<void> {
  // Routes of the digid mock come here.
}
