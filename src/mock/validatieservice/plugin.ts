import type { FastifyInstance } from 'fastify';

export async function validatieservicePlugin(_app: FastifyInstance): Promise<void> {
  // Routes of the validatieservice mock come here.
}
