import type { FastifyReply, FastifyRequest } from 'fastify';

/** true when the client asks for XML before JSON in its Accept header. */
export function prefersXml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const xml = Math.min(
    ...['application/xml', 'text/xml'].map((t) => accept.indexOf(t)).filter((i) => i >= 0),
    Infinity,
  );
  const json = accept.indexOf('application/json');
  return xml !== Infinity && (json < 0 || xml < json);
}

export function sendXml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.type('application/xml; charset=utf-8').send(xml);
}
