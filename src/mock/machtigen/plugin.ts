import type { FastifyInstance } from 'fastify';

export async function machtigenPlugin(_app: FastifyInstance): Promise<void> {
  // Routes of the machtigen mock come here.
}
