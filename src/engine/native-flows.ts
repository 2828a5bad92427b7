import { randomUUID } from 'node:crypto';
import type { ScenarioData } from '../k6gen/index.ts';
import type { FlowName } from '../scenario/index.ts';
import type { FlowResponse, IterationContext, RequestTags } from './load-plan.ts';

/** What the flows share in a run: the scenario's data and the target's sim clock (read in setup). */
export interface FlowEnv {
  readonly data: ScenarioData;
  /** Sim now, epoch ms. */
  simNow(): number;
  /** The sim instant `wallMs` of wall time before now (at the speed now: the spans asked for are a second or so). */
  simAgo(wallMs: number): number;
  /** Wall ms of a flow's think time (written in sim ms, divided by the scenario's speed as in k6). */
  thinkWallMs(flow: FlowName): number;
}

export type NativeFlow = (ctx: IterationContext, env: FlowEnv) => Promise<void>;

/** The k6 script's custom counters (src/k6gen/generate-k6.ts); tagged ones also as `name{tag:value}`. */
export const FLOW_COUNTERS = [
  'bbsim_letters_offered',
  'bbsim_letters_admitted',
  'bbsim_letters_coded',
  'bbsim_batches_refused',
  'bbsim_authentications',
  'bbsim_subscription_requests',
] as const;

/** A day in ms: mutatiebasis asks for the changes since a day before sim now, as the k6 flow does. */
const DAY_MS = 86_400_000;

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * x-bbsim-sent-at: the sim instant this request was meant to go out (the open model's arrival),
 * not when the engine got to it. Iterations the engine starts up to dropAfterMs late (a busy
 * moment) go out together; stamped when sent, they made the DigiD minute they landed in read
 * 10,539 in the whole peak-day where 9,500 were asked.
 */
function sentAt(ctx: IterationContext, env: FlowEnv): string {
  return String(Math.round(env.simAgo(ctx.lateMs())));
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** A key of a { key: weight } record, drawn with those weights (the k6 script's pickWeighted). */
function pickWeighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K {
  const keys = Object.keys(weights) as K[];
  let r = Math.random() * keys.reduce((a, k) => a + (weights[k] ?? 0), 0);
  for (const k of keys) {
    r -= weights[k] ?? 0;
    if (r < 0) return k;
  }
  return keys[keys.length - 1]!;
}

/** k6's res.json(): the parsed body, or undefined when it is not JSON. */
function json(res: FlowResponse): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(res.body);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Adds to a counter and to its tagged submetric, as k6's Counter.add(n, { tag: value }) shows with a threshold. */
function addTagged(ctx: IterationContext, counter: string, tag: string, value: string, n: number): void {
  ctx.add(counter, n);
  ctx.add(`${counter}{${tag}:${value}}`, n);
}

async function think(ctx: IterationContext, env: FlowEnv, flow: FlowName): Promise<void> {
  const ms = env.thinkWallMs(flow);
  if (ms > 0) await ctx.sleep(ms);
}

async function deliverBatch(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const d = env.data;
  const now = new Date(env.simNow() - 1000).toISOString();
  const batchId = randomUUID();
  const letters: Record<string, unknown>[] = [];
  for (let i = 0; i < d.batchSize; i++) {
    const letter: Record<string, unknown> = {
      BerichtInformatie: {
        BatchID: batchId,
        BerichtID: randomUUID(),
        BerichtType: d.berichtType,
        Onderwerp: 'bbsim load test',
        BerichtTekst: d.text,
        GebruikerID: pick(d.bsns),
        SoortGebruiker: 'Burger',
      },
    };
    if (d.pdf && Math.random() < d.attachmentShare)
      letter['Bijlagen'] = [{ Inhoud: d.pdf, BijlageType: 'Pdf', Omschrijving: 'bijlage', Volgorde: '1' }];
    letters.push(letter);
  }
  const body = JSON.stringify({
    Berichten: {
      BatchInformatie: { BatchID: batchId, AanmaakDatum: now, BerichtLeverancierID: d.oin },
      Bericht: letters,
    },
  });
  const res = await ctx.request(
    { service: 'berichtenbox-intake', flow: 'deliver-batch' },
    {
      method: 'POST',
      path: '/berichtenbox/afleveren',
      // The sim instant it is sent: the mock counts the letters in its norm windows by it (as the k6 flow).
      headers: { ...JSON_HEADERS, 'x-afnemer-oin': d.oin, 'x-bbsim-sent-at': sentAt(ctx, env) },
      body,
    },
  );
  ctx.add('bbsim_letters_offered', d.batchSize);
  if (res.status === 202) ctx.add('bbsim_letters_admitted', d.batchSize);
  else addTagged(ctx, 'bbsim_batches_refused', 'status', String(res.status), 1);
  ctx.check(res.status === 202 || (res.status === 429 && !!res.headers['retry-after']));
}

interface VerwerkingsItem {
  readonly id: number;
  readonly BerichtVerwerkResponse?: {
    readonly Berichten?: { readonly Bericht?: readonly { readonly VerwerkingsCode: string }[] };
  };
}

async function fetchVerwerkingsberichten(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const d = env.data;
  const tags: RequestTags = { service: 'berichtenbox-intake', flow: 'fetch-verwerkingsberichten' };
  const res = await ctx.request(tags, {
    method: 'GET',
    path: '/berichtenbox/verwerkingsberichten?limit=100',
    headers: { 'x-afnemer-oin': d.oin },
  });
  ctx.check(res.status === 200);
  if (res.status !== 200) return;
  const items = (json(res)?.['items'] ?? []) as readonly VerwerkingsItem[];
  for (const item of items)
    for (const l of item.BerichtVerwerkResponse?.Berichten?.Bericht ?? [])
      addTagged(ctx, 'bbsim_letters_coded', 'code', l.VerwerkingsCode, 1);
  if (items.length > 0) {
    await ctx.request(tags, {
      method: 'POST',
      path: '/berichtenbox/verwerkingsberichten/ack',
      headers: { ...JSON_HEADERS, 'x-afnemer-oin': d.oin },
      body: JSON.stringify({ ids: items.map((i) => i.id) }),
    });
  }
}

async function authenticate(
  ctx: IterationContext,
  env: FlowEnv,
  flow: FlowName,
): Promise<{ res: FlowResponse; status: string; body: Record<string, unknown> | undefined }> {
  const res = await ctx.request(
    { service: 'digid', flow },
    {
      method: 'POST',
      path: '/digid/authenticate',
      // The sim instant it is sent: the mock counts DigiD's offered minute by it (as the k6 flow).
      headers: { ...JSON_HEADERS, 'x-bbsim-sent-at': sentAt(ctx, env) },
      body: JSON.stringify({ bsn: pick(env.data.bsns) }),
    },
  );
  const body = res.status === 200 ? json(res) : undefined;
  const status = res.status === 200 ? String(body?.['status']) : `HTTP ${res.status}`;
  addTagged(ctx, 'bbsim_authentications', 'status', status, 1);
  return { res, status, body };
}

async function burgerReads(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const login = await authenticate(ctx, env, 'burger-reads');
  if (login.status !== 'Success') return;
  const tags: RequestTags = { service: 'presentatie', flow: 'burger-reads' };
  const headers = { authorization: `Bearer ${String(login.body?.['token'])}` };
  await think(ctx, env, 'burger-reads');
  const list = await ctx.request(tags, { method: 'GET', path: '/api/v1/berichten?pageSize=20', headers });
  ctx.check(list.status === 200);
  const letters =
    list.status === 200 ? ((json(list)?.['berichten'] ?? []) as readonly { readonly id: string | number }[]) : [];
  if (letters.length > 0) {
    await think(ctx, env, 'burger-reads');
    const one = await ctx.request(tags, {
      method: 'GET',
      path: `/api/v1/berichten/${String(letters[0]!.id)}`,
      headers,
    });
    ctx.check(one.status === 200);
  }
}

async function digidAuthenticate(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const { res } = await authenticate(ctx, env, 'digid-authenticate');
  ctx.check(res.status === 200 || res.status === 503);
}

async function validationQuery(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const d = env.data;
  const klanten: { key: string; rol: 'Burger' }[] = [];
  for (let i = 0; i < d.klantenPerQuery; i++) klanten.push({ key: pick(d.bsns), rol: 'Burger' });
  const body = JSON.stringify({ berichtleverancierCode: d.oin, berichtTypeCode: d.berichtType, klanten });
  const res = await ctx.request(
    { service: 'validatieservice', flow: 'validation-query' },
    { method: 'POST', path: '/validatieservice/v1/validate', headers: JSON_HEADERS, body },
  );
  ctx.check(res.status === 200 || res.status === 503);
}

async function subscriptionRequest(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const d = env.data;
  const kind = pickWeighted(d.subscriptionMix);
  const request: Record<string, unknown> = { type: kind, oin: d.oin };
  if (kind === 'bsn-lijst') {
    const bsns: string[] = [];
    for (let i = 0; i < 10; i++) bsns.push(pick(d.bsns));
    request['bsns'] = bsns;
  }
  // mutatiebasis asks for the changes since a moment that must not lie in the (sim) future.
  if (kind === 'mutatiebasis') request['sinds'] = new Date(env.simNow() - DAY_MS).toISOString();
  const res = await ctx.request(
    { service: 'abonnementservice', flow: 'subscription-request' },
    {
      method: 'POST',
      path: '/abonnementservice/v1/verzoeken',
      headers: { ...JSON_HEADERS, 'x-afnemer-oin': d.oin },
      body: JSON.stringify(request),
    },
  );
  ctx.add('bbsim_subscription_requests', 1);
  ctx.add(`bbsim_subscription_requests{kind:${kind},status:${res.status}}`, 1);
  ctx.check(res.status === 202 || res.status === 429);
}

async function machtigenCheck(ctx: IterationContext, env: FlowEnv): Promise<void> {
  const bsns = env.data.bsns;
  const a = pick(bsns);
  let b = pick(bsns);
  if (b === a) b = bsns[(bsns.indexOf(a) + 1) % bsns.length]!;
  const body = JSON.stringify({ vertegenwoordiger: a, vertegenwoordigde: { bsn: b }, dienst: 'aangifte-ib' });
  const res = await ctx.request(
    { service: 'digid-machtigen', flow: 'machtigen-check' },
    { method: 'POST', path: '/machtigen/v1/bevoegdheid', headers: JSON_HEADERS, body },
  );
  ctx.check(res.status === 200 || res.status === 503);
}

/**
 * One iteration of each flow, doing what the k6 script's function of the same flow does
 * (src/k6gen/flows-js.ts): the same requests, bodies, tags, checks and counters.
 */
export const NATIVE_FLOWS: Readonly<Record<FlowName, NativeFlow>> = {
  'deliver-batch': deliverBatch,
  'fetch-verwerkingsberichten': fetchVerwerkingsberichten,
  'burger-reads': burgerReads,
  'digid-authenticate': digidAuthenticate,
  'validation-query': validationQuery,
  'subscription-request': subscriptionRequest,
  'machtigen-check': machtigenCheck,
};
