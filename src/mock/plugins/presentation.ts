import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../../errors/catalogue.ts';
import type { LetterSummary, LetterView } from '../../store/store.ts';
import type { MockContext } from '../context.ts';
import { BIJLAGEN_PER_LETTER } from '../../norms/index.ts';
import { answers, json } from '../openapi-document.ts';
import { OIN_SCHEMA } from '../openapi-schemas.ts';

/**
 * The last page the list serves: (page − 1) × pageSize must stay an exact SQLite integer (2^63; a
 * page of 1e300 was a 500 "datatype mismatch"). 10^6 pages of 100 is far past any inbox.
 */
const LAST_PAGE = 1_000_000;
const PAGE_SIZE_MAX = 100;

/**
 * ISO strings of instants, remembered: a list page of 20 letters formats 60 of them, the same ones
 * every time the burger reads the inbox (about 0.3 µs each by Date, a few % of the request). Bounded:
 * emptied when full.
 */
const ISO_CACHE_SIZE = 100_000;
const isoCache = new Map<number, string>();
const iso = (t: number | undefined): string | null => {
  if (t === undefined) return null;
  let s = isoCache.get(t);
  if (s === undefined) {
    s = new Date(t).toISOString();
    if (isoCache.size >= ISO_CACHE_SIZE) isoCache.clear();
    isoCache.set(t, s);
  }
  return s;
};

/** The burger behind a request: a Bearer session token signed by the mock (DigiD or the dev endpoint). */
function requireBurger(ctx: MockContext, request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m?.[1])
    throw new ProblemError(
      'UNAUTHENTICATED',
      'send Authorization: Bearer <session token> (from DigiD, or POST /dev/token in tests)',
      { field: 'Authorization', rule: 'Bearer token' },
    );
  const claims = ctx.tokens.verify(m[1], ctx.clock.now());
  if (claims === 'expired')
    throw new ProblemError('TOKEN_EXPIRED', 'the session expired; log in again', { field: 'Authorization' });
  if (claims === 'invalid')
    throw new ProblemError('UNAUTHENTICATED', 'the session token is not valid for this mock', {
      field: 'Authorization',
      rule: 'signed by this mock',
    });
  return claims.bsn;
}

function letterJson(l: LetterSummary | LetterView): object {
  return {
    id: l.berichtId,
    afzender: l.afnemerOin,
    berichtType: l.berichtType,
    onderwerp: l.onderwerp,
    ...('berichtTekst' in l ? { berichtTekst: l.berichtTekst } : {}),
    referentie: l.referentie ?? null,
    publicatieDatum: iso(l.publicatieDatum),
    eindDatumHandelingsTermijn: iso(l.eindDatumHandelingsTermijn),
    ontvangen: iso(l.processedAt),
    gelezen: l.readAt !== undefined,
    bijlagen: l.bijlagen.map((b) => ({
      volgorde: b.volgorde,
      omschrijving: b.omschrijving,
      bytes: b.bytes,
      sha256: b.sha256,
      href: `/api/v1/berichten/${l.berichtId}/bijlagen/${b.volgorde}`,
    })),
  };
}

/** A list entry (LetterSummary): the same fields as letterJson, built without the spread. */
function summaryJson(l: LetterSummary): object {
  return {
    id: l.berichtId,
    afzender: l.afnemerOin,
    berichtType: l.berichtType,
    onderwerp: l.onderwerp,
    referentie: l.referentie ?? null,
    publicatieDatum: iso(l.publicatieDatum),
    eindDatumHandelingsTermijn: iso(l.eindDatumHandelingsTermijn),
    ontvangen: iso(l.processedAt),
    gelezen: l.readAt !== undefined,
    bijlagen:
      l.bijlagen.length === 0
        ? []
        : l.bijlagen.map((b) => ({
            volgorde: b.volgorde,
            omschrijving: b.omschrijving,
            bytes: b.bytes,
            sha256: b.sha256,
            href: `/api/v1/berichten/${l.berichtId}/bijlagen/${b.volgorde}`,
          })),
  };
}

const nullableString = { type: ['string', 'null'] } as const;
/** The 200 body of the list: with a response schema Fastify serialises through fast-json-stringify (the list is on the p99.9 path). */
const listResponse = {
  type: 'object',
  properties: {
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    total: { type: 'integer' },
    berichten: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          afzender: { type: 'string' },
          berichtType: { type: 'string' },
          onderwerp: { type: 'string' },
          referentie: nullableString,
          publicatieDatum: nullableString,
          eindDatumHandelingsTermijn: nullableString,
          ontvangen: nullableString,
          gelezen: { type: 'boolean' },
          bijlagen: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                volgorde: { type: 'integer' },
                omschrijving: { type: 'string' },
                bytes: { type: 'integer' },
                sha256: { type: 'string' },
                href: { type: 'string' },
              },
              required: ['volgorde', 'omschrijving', 'bytes', 'sha256', 'href'],
            },
          },
        },
        required: [
          'id',
          'afzender',
          'berichtType',
          'onderwerp',
          'referentie',
          'publicatieDatum',
          'eindDatumHandelingsTermijn',
          'ontvangen',
          'gelezen',
          'bijlagen',
        ],
      },
    },
  },
  required: ['page', 'pageSize', 'total', 'berichten'],
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, description: 'the BerichtID' } },
  required: ['id'],
} as const;
const NULLABLE_STRING = { type: 'string', nullable: true } as const;
/** One letter as GET /api/v1/berichten/:id answers it (document only: this route has no response schema). */
const LETTER_DOC = {
  type: 'object',
  required: [
    'id',
    'afzender',
    'berichtType',
    'onderwerp',
    'berichtTekst',
    'referentie',
    'publicatieDatum',
    'eindDatumHandelingsTermijn',
    'ontvangen',
    'gelezen',
    'bijlagen',
  ],
  properties: {
    id: { type: 'string' },
    afzender: { type: 'string' },
    berichtType: { type: 'string' },
    onderwerp: { type: 'string' },
    berichtTekst: { type: 'string' },
    referentie: NULLABLE_STRING,
    publicatieDatum: NULLABLE_STRING,
    eindDatumHandelingsTermijn: NULLABLE_STRING,
    ontvangen: NULLABLE_STRING,
    gelezen: { type: 'boolean' },
    bijlagen: {
      type: 'array',
      items: {
        type: 'object',
        required: ['volgorde', 'omschrijving', 'bytes', 'sha256', 'href'],
        properties: {
          volgorde: { type: 'integer' },
          omschrijving: { type: 'string' },
          bytes: { type: 'integer' },
          sha256: { type: 'string' },
          href: { type: 'string' },
        },
      },
    },
  },
} as const;
const NO_CONTENT = { 204: { description: 'Done (also when it was already done)' } } as const;
const burger = (ok: Parameters<typeof answers>[0]['ok'] | undefined, notFound = true): ReturnType<typeof answers> =>
  answers({ caller: 'burger', ...(ok ? { ok } : {}), ...(notFound ? { problems: ['NOT_FOUND'] } : {}) });
const notVisible = (id: string): ProblemError =>
  new ProblemError('NOT_FOUND', `no letter ${id} in your Berichtenbox`, { field: 'id' });

/** The burger's inbox (presentation REST). Norm: p99.9 ≤ 200 ms. Another burger's letter is simply not found. */
export async function presentationPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const { store, clock } = ctx;
  const security = [{ bearer: [] }];

  app.get<{ Querystring: { page: number; pageSize: number; gelezen?: boolean; afzender?: string } }>(
    '/api/v1/berichten',
    {
      schema: {
        summary: "List the burger's letters, newest first",
        tags: ['presentatie'],
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            page: { type: 'integer', minimum: 1, maximum: LAST_PAGE, default: 1 },
            pageSize: { type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: 20 },
            gelezen: { type: 'boolean' },
            afzender: { ...OIN_SCHEMA, description: 'only the letters of this afnemer (OIN)' },
          },
        },
        response: { 200: listResponse },
        ...burger(undefined, false),
      },
    },
    async (request) => {
      const bsn = requireBurger(ctx, request);
      const { page, pageSize, gelezen, afzender } = request.query;
      const result = await store.listLetters({
        bsn,
        now: clock.now(),
        offset: (page - 1) * pageSize,
        limit: pageSize,
        ...(gelezen !== undefined ? { gelezen } : {}),
        ...(afzender !== undefined ? { afnemerOin: afzender } : {}),
      });
      return { page, pageSize, total: result.total, berichten: result.items.map(summaryJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/berichten/:id',
    {
      schema: {
        summary: 'Read one letter',
        tags: ['presentatie'],
        security,
        params: idParams,
        ...burger({ 200: json('The letter', LETTER_DOC) }),
      },
    },
    async (request) => {
      const bsn = requireBurger(ctx, request);
      const letter = await store.getLetter(bsn, request.params.id.toLowerCase(), clock.now());
      if (!letter) throw notVisible(request.params.id);
      return letterJson(letter);
    },
  );

  app.put<{ Params: { id: string } }>(
    '/api/v1/berichten/:id/gelezen',
    {
      schema: {
        summary: 'Mark a letter read (idempotent)',
        tags: ['presentatie'],
        security,
        params: idParams,
        ...burger(NO_CONTENT),
      },
    },
    async (request, reply) => {
      const bsn = requireBurger(ctx, request);
      if (!(await store.markRead(bsn, request.params.id.toLowerCase(), clock.now())))
        throw notVisible(request.params.id);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/berichten/:id',
    {
      schema: {
        summary: 'Delete a letter from the inbox',
        tags: ['presentatie'],
        security,
        params: idParams,
        ...burger({ 204: { description: 'Deleted' } }),
      },
    },
    async (request, reply) => {
      const bsn = requireBurger(ctx, request);
      if (!(await store.deleteLetter(bsn, request.params.id.toLowerCase(), clock.now())))
        throw notVisible(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string; n: number } }>(
    '/api/v1/berichten/:id/bijlagen/:n',
    {
      schema: {
        summary: 'Download an attachment (PDF)',
        tags: ['presentatie'],
        security,
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 64 },
            n: { type: 'integer', minimum: 1, maximum: BIJLAGEN_PER_LETTER.max },
          },
          required: ['id', 'n'],
        },
        ...burger({
          200: {
            description: 'The PDF',
            headers: { 'Content-Disposition': { schema: { type: 'string' } } },
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
        }),
      },
    },
    async (request, reply) => {
      const bsn = requireBurger(ctx, request);
      const b = await store.getBijlage(bsn, request.params.id.toLowerCase(), request.params.n, clock.now());
      if (!b)
        throw new ProblemError(
          'NOT_FOUND',
          `no attachment ${request.params.n} of letter ${request.params.id} in your Berichtenbox`,
          { field: 'n' },
        );
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="bijlage-${request.params.n}.pdf"`)
        .send(b.content);
    },
  );
}
