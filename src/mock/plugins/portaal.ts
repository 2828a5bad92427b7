import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VERWERKINGS_CODES } from '../../berichten/index.ts';
import { ProblemError } from '../../errors/catalogue.ts';
import { isOperator, requireAfnemer } from '../afnemer-auth.ts';
import type { PortalRow } from '../../store/store.ts';
import { answers, json } from '../openapi-document.ts';
import { OIN_HEADER_SCHEMA, OIN_SCHEMA } from '../openapi-schemas.ts';

interface PortalQuerystring {
  afnemer?: string;
  van?: string;
  tot?: string;
}

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    afnemer: { ...OIN_SCHEMA, description: 'OIN of one afnemer' },
    van: { type: 'string', format: 'date', description: 'first day (YYYY-MM-DD, inclusive)' },
    tot: { type: 'string', format: 'date', description: 'last day (YYYY-MM-DD, inclusive)' },
  },
} as const;

const headers = { type: 'object', properties: { 'x-afnemer-oin': OIN_HEADER_SCHEMA } } as const;
const ROWS = {
  type: 'object',
  required: ['rows'],
  properties: {
    rows: {
      type: 'array',
      items: {
        type: 'object',
        required: ['day', 'afnemerOin', 'offered', 'processed', 'rejected', 'naam'],
        additionalProperties: true,
        properties: {
          day: { type: 'string', format: 'date' },
          afnemerOin: { type: 'string' },
          offered: { type: 'integer' },
          processed: { type: 'integer' },
          rejected: { type: 'object', additionalProperties: { type: 'integer' } },
          naam: { type: 'string', nullable: true },
        },
      },
    },
  },
} as const;
const portaalAnswers = (ok: NonNullable<Parameters<typeof answers>[0]['ok']>): ReturnType<typeof answers> =>
  answers({ caller: 'afnemer', problems: ['NOT_YOUR_DATA'], ok });

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Leveranciersportaal: per afnemer per day offered, processed and rejected by code (SNO MijnOverheid 4.3). */
export async function portaalPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const { store, afnemers } = ctx;
  /**
   * Whose rows: an afnemer sees only its own (identified as on every afnemer route: certificate, or
   * the header on loopback); every afnemer's rows only with the operator credential from the config.
   */
  const scope = (request: FastifyRequest<{ Querystring: PortalQuerystring }>): string | undefined => {
    const asked = request.query.afnemer;
    if (isOperator(ctx, request)) return asked;
    const caller = requireAfnemer(ctx, request);
    if (asked !== undefined && asked !== caller.oin) {
      throw new ProblemError(
        'NOT_YOUR_DATA',
        `afnemer ${caller.oin} may read its own portal rows only, not those of ${asked}${ctx.access.operatorToken !== undefined ? ' (the operator view needs the operator token)' : ''}`,
        { field: 'afnemer', rule: "the caller's own OIN" },
      );
    }
    return caller.oin;
  };
  const load = async (request: FastifyRequest<{ Querystring: PortalQuerystring }>): Promise<PortalRow[]> => {
    const afnemer = scope(request);
    const q = request.query;
    await ctx.processDue();
    return store.portal({
      ...(afnemer !== undefined ? { afnemerOin: afnemer } : {}),
      ...(q.van !== undefined ? { fromDay: q.van } : {}),
      ...(q.tot !== undefined ? { toDay: q.tot } : {}),
    });
  };

  app.get<{ Querystring: PortalQuerystring }>(
    '/berichtenbox/portaal.json',
    {
      schema: {
        summary:
          "Leveranciersportaal as JSON: the caller's own rows (X-Afnemer-OIN on loopback, else the client certificate); every afnemer's with the operator token",
        tags: ['portaal'],
        querystring,
        headers,
        ...portaalAnswers({ 200: json('Per afnemer per day: offered, processed, rejected by VerwerkingsCode', ROWS) }),
      },
    },
    async (request) => {
      const rows = await load(request);
      return { rows: rows.map((r) => ({ ...r, naam: afnemers.get(r.afnemerOin)?.naam ?? null })) };
    },
  );

  app.get<{ Querystring: PortalQuerystring }>(
    '/berichtenbox/portaal',
    {
      schema: {
        summary: 'Leveranciersportaal (HTML)',
        tags: ['portaal'],
        querystring,
        headers,
        ...portaalAnswers({
          200: { description: 'The portal page', content: { 'text/html': { schema: { type: 'string' } } } },
        }),
      },
    },
    async (request, reply) => {
      const rows = await load(request);
      const codes = VERWERKINGS_CODES.filter((c) => c !== 'Verwerkt');
      const body = rows
        .map(
          (r) =>
            `<tr><td>${escapeHtml(r.day)}</td><td>${escapeHtml(afnemers.get(r.afnemerOin)?.naam ?? '')}</td><td><code>${r.afnemerOin}</code></td>` +
            `<td class="n">${r.offered}</td><td class="n">${r.processed}</td>` +
            codes.map((c) => `<td class="n">${r.rejected[c] ?? 0}</td>`).join('') +
            '</tr>',
        )
        .join('\n');
      const html = `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Leveranciersportaal — bbsim</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3rem .5rem}td.n{text-align:right}th{background:#eef;font-weight:600;font-size:12px;max-width:7.5rem;vertical-align:bottom}td:first-child{white-space:nowrap}</style>
</head><body>
<h1>Leveranciersportaal</h1>
<p>Per afnemer per dag: aangeboden, verwerkt en afgewezen berichten (per VerwerkingsCode). Dagen in Europe/Amsterdam, op de gesimuleerde klok.</p>
<table id="portaal"><thead><tr><th>Dag</th><th>Afnemer</th><th>OIN</th><th>Aangeboden</th><th>Verwerkt</th>${codes.map((c) => `<th title="${c}">${c.replace(/(?<=[a-z])(?=[A-Z])/g, '<wbr>')}</th>`).join('')}</tr></thead>
<tbody>
${body || `<tr><td colspan="${5 + codes.length}">Nog geen berichten.</td></tr>`}
</tbody></table>
</body></html>`;
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );
}
