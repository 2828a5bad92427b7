/**
 * /openapi.json as the contract, checked on the document itself (the real app through inject):
 * every operation's answers declared with the shared Problem component, exact request schemas,
 * valid examples, path ids refused past their maxLength on every route, 405 with Allow, and the
 * page overflow that was a 500.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS_BATCH } from '../src/berichten/index.ts';
import { buildMock } from '../src/mock/app.ts';
import { NS_AANVRAAG } from '../src/mock/abonnementservice/aanvraag.ts';
import { NS_SOAP11 } from '../src/mock/validatieservice/soap.ts';

interface Schema {
  type?: string;
  format?: string;
  pattern?: string;
  maxLength?: number;
  xml?: { name?: string; namespace?: string };
  anyOf?: unknown[];
  oneOf?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Schema; example?: unknown }>;
}
interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema: Schema;
  example?: unknown;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema; example?: unknown }> };
  responses: Record<string, Response>;
  security?: unknown[];
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const START = Date.parse('2027-03-04T14:00:00+01:00');
const OIN = '00000001003214345000';

function operations(doc: Doc): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, op })),
  );
}

/** Every schema in a tree (properties, items, combinators). */
function* schemas(s: unknown): Generator<Schema & Record<string, unknown>> {
  if (typeof s !== 'object' || s === null) return;
  yield s as Schema & Record<string, unknown>;
  for (const v of Object.values(s)) {
    if (Array.isArray(v)) for (const x of v) yield* schemas(x);
    else if (typeof v === 'object') yield* schemas(v);
  }
}

describe('/openapi.json declares what the mock answers', () => {
  let app: FastifyInstance;
  let doc: Doc;

  beforeAll(async () => {
    app = await buildMock({ logger: false, clock: { start: START } });
    doc = (await app.inject({ url: '/openapi.json' })).json<Doc>();
  });
  afterAll(async () => {
    await app.close();
  });

  it('every operation has its success answer and every global answer, each problem the shared component', () => {
    expect(doc.components.schemas['Problem']).toMatchObject({
      required: ['type', 'title', 'status', 'detail', 'code'],
    });
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(32);
    for (const { method, path, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => /^[23]/.test(s)),
        `${where}: a 2xx or 3xx`,
      ).toBe(true);
      expect(op.responses['200']?.description, `${where}: no placeholder`).not.toBe('Default Response');
      for (const s of ['400', '408', '431', '503']) expect(statuses, `${where} declares ${s}`).toContain(s);
      if (op.requestBody || method !== 'get')
        for (const s of ['413', '415']) expect(statuses, `${where} declares ${s}`).toContain(s);
      if ((op.parameters ?? []).some((p) => p.in === 'path'))
        expect(statuses, `${where} declares 414`).toContain('414');
      for (const [s, r] of Object.entries(op.responses)) {
        if (Number(s) < 400 || (path === '/ready' && s === '503')) continue;
        expect(r.content?.['application/problem+json']?.schema, `${where} ${s}`).toEqual({
          $ref: '#/components/schemas/Problem',
        });
        if (s === '429' || s === '503') expect(r.headers?.['Retry-After'], `${where} ${s} Retry-After`).toBeDefined();
      }
    }
  });

  it('route-specific answers: afnemer and burger checks, 202 receipts with Location, SOAP faults, redirects', () => {
    const afleveren = doc.paths['/berichtenbox/afleveren']!['post']!;
    expect(Object.keys(afleveren.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '413', '415', '429', '503']),
    );
    expect(afleveren.responses['202']!.headers?.['Location']).toBeDefined();
    expect(
      doc.paths['/abonnementservice/v1/verzoeken']!['post']!.responses['202']!.headers?.['Location'],
    ).toBeDefined();
    expect(Object.keys(doc.paths['/abonnementservice/v1/verzoeken']!['post']!.responses)).toEqual(
      expect.arrayContaining(['409', '429']),
    );
    expect(Object.keys(doc.paths['/api/v1/berichten/{id}']!['get']!.responses)).toEqual(
      expect.arrayContaining(['200', '401', '404']),
    );
    expect(doc.paths['/validatieservice']!['post']!.responses['400']!.content).toHaveProperty(['text/xml']);
    expect(doc.paths['/validatieservice']!['post']!.responses['503']!.content).toHaveProperty(['text/xml']);
    expect(doc.paths['/digid/saml/idp/login']!['post']!.responses['303']!.headers?.['Location']).toMatchObject({
      required: true,
    });
    expect(doc.paths['/digid/saml/idp/request_authentication']!['get']!.responses['400']!.content).toHaveProperty([
      'text/html',
    ]);
  });

  it('request schemas: BSN format, OIN and GUID patterns, bsn-or-username, XML roots and namespaces', () => {
    const all = [...schemas(doc.paths)];
    const bsns = all.filter((s) => s.format === 'bsn');
    expect(bsns.length).toBeGreaterThanOrEqual(8);
    for (const s of bsns) expect(s.pattern).toBe('^\\d{9}$');
    const authenticate = doc.paths['/digid/authenticate']!['post']!.requestBody!.content['application/json']!.schema;
    expect(authenticate.anyOf).toEqual([{ required: ['bsn'] }, { required: ['username'] }]);
    const berichten = doc.paths['/berichtenbox/afleveren']!['post']!.requestBody!.content;
    expect(berichten['application/xml']!.schema.xml).toEqual({ name: 'Berichten', namespace: NS_BATCH });
    expect(berichten['application/json']!.schema.properties!['Berichten']!.properties!['Bericht']!).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 1000,
    });
    expect(
      doc.paths['/abonnementservice/v1/verzoeken']!['post']!.requestBody!.content['application/xml']!.schema.xml,
    ).toMatchObject({ name: 'AbonnementAanvraag', namespace: NS_AANVRAAG });
    expect(doc.paths['/validatieservice']!['post']!.requestBody!.content['text/xml']!.schema.xml).toMatchObject({
      name: 'Envelope',
      namespace: NS_SOAP11,
    });
    expect(
      doc.paths['/digid/saml/idp/resolve_artifact']!['post']!.requestBody!.content['text/xml']!.schema.xml,
    ).toMatchObject({ name: 'Envelope' });
    for (const p of doc.paths['/berichtenbox/verwerkingsberichten']!['get']!.parameters!.filter(
      (x) => x.in === 'header',
    ))
      expect(p.schema.pattern).toBe('^\\d{20}$');
  });

  it('every JSON example is valid against its schema', () => {
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      formats: { bsn: /^\d{9}$/, 'date-time': true, date: true, byte: true, binary: true, uri: true },
    });
    let checked = 0;
    for (const { method, path, op } of operations(doc)) {
      const media = op.requestBody?.content['application/json'];
      const example = media?.example ?? media?.schema.example;
      if (media && example !== undefined) {
        expect(ajv.validate(media.schema, example), `${method} ${path}: ${ajv.errorsText()}`).toBe(true);
        checked += 1;
      }
      for (const p of op.parameters ?? []) {
        const ex = p.example ?? p.schema.example;
        if (ex === undefined) continue;
        expect(ajv.validate(p.schema, ex), `${method} ${path} ${p.name}: ${ajv.errorsText()}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('a path id one past its maxLength is refused on every route that has one', async () => {
    const token = (await app.inject({ method: 'POST', url: '/dev/token', payload: { bsn: '111222333' } })).json<{
      token: string;
    }>().token;
    let checked = 0;
    for (const { method, path, op } of operations(doc)) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path');
      for (const p of params.filter((x) => x.schema.type === 'string')) {
        expect(p.schema.maxLength, `${path} {${p.name}} has a maxLength`).toBeLessThanOrEqual(100);
        const url = params.reduce(
          (u, q) => u.replace(`{${q.name}}`, q === p ? 'a'.repeat(p.schema.maxLength! + 1) : '1'),
          path,
        );
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { 'x-afnemer-oin': OIN, authorization: `Bearer ${token}` },
        });
        expect([400, 414], `${method.toUpperCase()} ${url}: ${res.body}`).toContain(res.statusCode);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('a configured injected fault status is declared on its service', async () => {
    const faulty = await buildMock({
      logger: false,
      clock: { start: START },
      faults: { services: { digid: { errorRate: 0.1, errorStatus: 502 } } },
    });
    try {
      const d = (await faulty.inject({ url: '/openapi.json' })).json<Doc>();
      expect(Object.keys(d.paths['/digid/authenticate']!['post']!.responses)).toContain('502');
      expect(Object.keys(d.paths['/machtigen/v1/bevoegdheid']!['post']!.responses)).not.toContain('502');
    } finally {
      await faulty.close();
    }
  });
});

describe('methods and overflow', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildMock({ logger: false, clock: { start: START } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('a known path with another method is 405 with Allow (problem+json); an unknown path 404', async () => {
    for (const [method, url, allow] of [
      ['TRACE', '/health', 'GET, HEAD'],
      ['DELETE', '/status', 'GET, HEAD'],
      ['GET', '/validatieservice', 'POST'],
      ['PATCH', '/api/v1/berichten/abc', 'DELETE, GET, HEAD'],
      ['QUERY', '/digid/stats', 'GET, HEAD'],
      ['POST', '/berichtenbox/batches/x', 'GET, HEAD'],
    ] as const) {
      const res = await app.inject({ method: method as 'GET', url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers['allow']).toBe(allow);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'BBSIM_METHOD_NOT_ALLOWED', status: 405 });
    }
    expect((await app.inject({ method: 'TRACE', url: '/nope' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/berichten/a/b/c' })).statusCode).toBe(404);
  });

  it('GET /api/v1/berichten?page=30069967594686297145344 is a 400 naming the range, never a 500', async () => {
    const token = (await app.inject({ method: 'POST', url: '/dev/token', payload: { bsn: '111222333' } })).json<{
      token: string;
    }>().token;
    for (const page of ['30069967594686297145344', '1e400', 'Infinity', '9007199254740993']) {
      const res = await app.inject({
        url: `/api/v1/berichten?page=${page}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, `page=${page}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'BBSIM_INVALID_REQUEST',
        field: 'querystring.page',
        rule: 'integer in 1..1000000',
      });
    }
  });
});
