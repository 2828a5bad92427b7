/**
 * The reference server of the intake bench: bare Fastify, no plugins, no logging.
 *   GET /       → {"hello":"world"}
 *   POST /echo  → 202 {"ok":true} after Fastify has received (and, for JSON, parsed) the body; no other work.
 * Run as a child process: `node bin/run-ts.js bench/mock-intake/hello-server.ts [--port 0]`; prints
 * `hello listening on http://127.0.0.1:<port>` when ready, stops on SIGTERM/SIGINT.
 */
import Fastify from 'fastify';

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1] ?? '0') : 0;

// The mock's batch limit is 100 MB (BATCH_BYTES); accept the same.
const app = Fastify({ logger: false, bodyLimit: 105 * 1024 * 1024 });
// XML is read as a string, as the mock's intake reads it before its own parser runs.
app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_req, body, done) =>
  done(null, body),
);

app.get('/', async () => ({ hello: 'world' }));
app.post('/echo', async (_request, reply) => reply.code(202).send({ ok: true }));

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`hello listening on ${address}`);

const stop = async (): Promise<void> => {
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
