import { Transform, type TransformCallback } from 'node:stream';
import { Gauge, type Registry } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/catalogue.ts';
import { sendProblem } from './problems.ts';

export interface InFlightBound {
  /** Body bytes reserved by the requests in flight now. */
  readonly used: number;
  readonly limit: number;
}

const RESERVED = Symbol('bbsim.inFlightReserved');
type Reserving = FastifyRequest & { [RESERVED]?: { bytes: number } | null };

/**
 * Bounds the request body bytes all requests in flight hold together. A request that declares a
 * Content-Length reserves it before a byte of the body is read (so ten sockets that each declare
 * 90 MB and stall cannot make the mock buffer 900 MB); a chunked body reserves as its bytes arrive.
 * Over the bound: 503 with Retry-After and `Connection: close`, nothing read or stored. A reservation
 * is released when the response is finished or the connection is gone (a timeout, a reset).
 */
export function installInFlightBound(
  app: FastifyInstance,
  limit: number,
  retryAfterS: number,
  registry: Registry,
): InFlightBound {
  let used = 0;
  new Gauge({
    name: 'bbsim_in_flight_body_bytes',
    help: 'Request body bytes reserved by the requests in flight (bounded by limits.inFlightBodyBytes)',
    registers: [registry],
    collect() {
      this.set(used);
    },
  });
  const refuse = (declared: number | undefined): ProblemError =>
    new ProblemError(
      'IN_FLIGHT_LIMIT',
      `the mock holds ${used} request body bytes in flight and at most ${limit} (limits.inFlightBodyBytes)${declared !== undefined ? `; this body declares ${declared}` : ''}: nothing was read or stored, send it again after the Retry-After`,
      {
        field: 'Content-Length',
        rule: `request bodies in flight at most ${limit} bytes`,
        retryAfter: retryAfterS,
        extra: { inFlightBytes: used, limit },
      },
    );

  const reserve = (request: Reserving, reply: FastifyReply, bytes: number): void => {
    let held = request[RESERVED];
    if (!held) {
      held = { bytes: 0 };
      request[RESERVED] = held;
      const release = (): void => {
        used -= held!.bytes;
        held!.bytes = 0;
      };
      // 'close' follows 'finish' on every response (Node's and inject's), and alone comes when the
      // connection is gone first: one listener instead of two, on every request with a body.
      reply.raw.once('close', release);
    }
    held.bytes += bytes;
    used += bytes;
  };

  // Declared up front, so setting it does not change the shape of every request object.
  app.decorateRequest(RESERVED, null);
  app.addHook('onRequest', (request: Reserving, reply, done) => {
    const header = request.headers['content-length'];
    const declared = header === undefined ? 0 : Number(header);
    if (!(declared > 0)) return done();
    if (used + declared > limit) {
      const p = refuse(declared);
      // The body is not read: close the connection instead of draining it.
      reply.header('connection', 'close');
      sendProblem(reply, p.definition, p.message, p.details);
      return;
    }
    reserve(request, reply, declared);
    done();
  });

  app.addHook('preParsing', (request: Reserving, reply, payload, done) => {
    if (request[RESERVED] || request.headers['transfer-encoding'] === undefined) return done(null, payload);
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        if (used + chunk.length > limit) {
          reply.header('connection', 'close');
          callback(refuse(undefined));
          return;
        }
        reserve(request, reply, chunk.length);
        callback(null, chunk);
      },
    });
    payload.on('error', (err) => counting.destroy(err));
    done(null, payload.pipe(counting));
  });

  return {
    get used() {
      return used;
    },
    limit,
  };
}
