/**
 * The flows exist twice: as JavaScript placed in the generated k6 scripts (src/k6gen/flows-js.ts) and
 * as TypeScript in the native engine (src/engine/native-flows.ts). This test runs both against the
 * same scripted answers and holds them to the same trace: every request (method, path, headers, body),
 * every check's outcome, every counter added (with its tags) and every think time, in order.
 * The k6 functions run in a node:vm context with k6's API stood in (http, check, sleep, Counter,
 * exec, res.json), and Math.random is pinned in both so picks and branches coincide.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import vm from 'node:vm';
import { FLOW_FUNCTIONS, HELPERS } from '../src/k6gen/flows-js.ts';
import { NATIVE_FLOWS, type FlowEnv, type FlowResponse, type IterationContext } from '../src/engine/index.ts';
import type { ScenarioData } from '../src/k6gen/scenario-data.ts';
import { FLOWS, type FlowName } from '../src/scenario/index.ts';

type Answer = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown };
type World = (method: string, path: string) => Answer;
type Event = readonly [kind: 'request' | 'check' | 'add' | 'sleep', ...details: unknown[]];

const SIM_NOW = Date.parse('2027-03-01T20:00:00+01:00');
const SPEED = 6;
const BASE_URL = 'http://127.0.0.1:1';
const DATA: ScenarioData = {
  oin: '00000001003214345000',
  berichtType: 'VAIB',
  batchSize: 3,
  attachmentShare: 0.5,
  pdf: 'JVBERi0=',
  text: 'tekst\r\nregel',
  bsns: ['111222333', '123456782', '999990019'],
  klantenPerQuery: 4,
  subscriptionMix: { alles: 1, 'bsn-lijst': 1, mutatiebasis: 1 },
  thinkTimeMs: { 'burger-reads': 6000 },
};

const verwerking = {
  items: [
    {
      id: 7,
      BerichtVerwerkResponse: {
        Berichten: { Bericht: [{ VerwerkingsCode: 'Verwerkt' }, { VerwerkingsCode: 'BerichtBestaatAl' }] },
      },
    },
  ],
};

/** Scripted answers: everything fine; refused for capacity; broken (500, no JSON); nothing to show. */
const WORLDS: Readonly<Record<string, World>> = {
  ok: (m, p) => {
    if (p.startsWith('/berichtenbox/afleveren')) return { status: 202, body: {} };
    if (p.startsWith('/berichtenbox/verwerkingsberichten/ack')) return { status: 200, body: { acknowledged: 1 } };
    if (p.startsWith('/berichtenbox/verwerkingsberichten')) return { status: 200, body: verwerking };
    if (p.startsWith('/digid/authenticate')) return { status: 200, body: { status: 'Success', token: 'tok-1' } };
    if (p.startsWith('/api/v1/berichten/')) return { status: 200, body: { id: 'b1' } };
    if (p.startsWith('/api/v1/berichten')) return { status: 200, body: { berichten: [{ id: 'b1' }, { id: 'b2' }] } };
    if (p.startsWith('/abonnementservice')) return { status: 202, body: {} };
    return { status: m === 'POST' ? 200 : 404, body: {} };
  },
  refused: (_m, p) => {
    if (p.startsWith('/berichtenbox/afleveren')) return { status: 429, headers: { 'retry-after': '5' }, body: {} };
    if (p.startsWith('/berichtenbox/verwerkingsberichten')) return { status: 200, body: { items: [] } };
    if (p.startsWith('/digid/authenticate')) return { status: 200, body: { status: 'AuthnFailed' } };
    if (p.startsWith('/abonnementservice')) return { status: 429, headers: { 'retry-after': '60' }, body: {} };
    return { status: 503, headers: { 'retry-after': '1' }, body: {} };
  },
  broken: () => ({ status: 500, body: 'Internal error' }),
  capacity: (_m, p) =>
    p.startsWith('/berichtenbox/afleveren')
      ? { status: 429, body: {} }
      : p.startsWith('/api/v1/berichten')
        ? { status: 200, body: { berichten: [] } }
        : WORLDS['ok']!('POST', p),
};

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const bodyText = (a: Answer): string => (typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {}));
const normBody = (b: unknown): string | undefined =>
  b === undefined || b === null ? undefined : String(b).replace(GUID, '<guid>');
const lowerKeys = (h: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h ?? {})
      .map(([k, v]) => [k.toLowerCase(), v])
      .sort(([a], [b]) => a!.localeCompare(b!)),
  );
/** Go's canonical header key, as k6 shows response headers: retry-after → Retry-After. */
const canonical = (k: string): string =>
  k
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('-');
const counterKey = (name: string, tags?: Readonly<Record<string, string>>): string =>
  tags && Object.keys(tags).length
    ? `${name}{${Object.entries(tags)
        .map(([k, v]) => `${k}:${v}`)
        .join(',')}}`
    : name;

/** The k6 function of a flow run in a vm context with k6's API stood in; its trace. */
function runK6(flow: FlowName, world: World, random: number): Event[] {
  const events: Event[] = [];
  const source = FLOW_FUNCTIONS[flow]!;
  const fn = /export function (\w+)\(/.exec(source)![1]!;
  const respond = (
    method: string,
    url: string,
    body: unknown,
    params: { headers?: Record<string, string>; tags?: Record<string, string> } | undefined,
  ) => {
    const path = url.slice(BASE_URL.length);
    events.push([
      'request',
      method,
      path,
      lowerKeys(params?.headers),
      normBody(body),
      params?.tags?.['service'],
      params?.tags?.['flow'],
    ]);
    const a = world(method, path);
    const text = bodyText(a);
    return {
      status: a.status,
      body: text,
      headers: Object.fromEntries(Object.entries(a.headers ?? {}).map(([k, v]) => [canonical(k), v])),
      json: (selector?: string) => {
        const v = JSON.parse(text) as Record<string, unknown>; // k6 throws on a body that is not JSON, too
        return selector === undefined ? v : v[selector];
      },
    };
  };
  const counter = (name: string) => ({
    add: (n: number, tags?: Record<string, string>) => {
      events.push(['add', name, n]);
      if (tags && Object.keys(tags).length) events.push(['add', counterKey(name, tags), n]);
    },
  });
  const context = vm.createContext({
    http: {
      get: (url: string, params?: never) => respond('GET', url, undefined, params),
      post: (url: string, body: unknown, params?: never) => respond('POST', url, body, params),
    },
    check: (res: unknown, checks: Record<string, (r: unknown) => boolean>) => {
      for (const f of Object.values(checks)) events.push(['check', f(res)]);
      return true;
    },
    sleep: (s: number) => events.push(['sleep', Math.round(s * 1000)]),
    exec: { instance: { currentTestRunDuration: 0 } },
    __ENV: {},
    BASE_URL,
    DATA,
    SPEED,
    BUCKET_S: 1,
    lettersOffered: counter('bbsim_letters_offered'),
    lettersAdmitted: counter('bbsim_letters_admitted'),
    lettersCoded: counter('bbsim_letters_coded'),
    batchesRefused: counter('bbsim_batches_refused'),
    authentications: counter('bbsim_authentications'),
    subscriptions: counter('bbsim_subscription_requests'),
    firstRequest: counter('bbsim_first_request_ms'),
  });
  vm.runInContext(
    `Math.random = () => ${random};\n${HELPERS.replace(/^export /gm, '')}\n${source.replace(/^export /gm, '')}\n`,
    context,
  );
  // speed 0: sim now stays SIM_NOW whatever the wall clock; wallClock: think time at SPEED, as the native env below.
  const clock = { sim0: SIM_NOW, wall0: 0, speed: 0, sched: null, wallClock: true };
  (context as Record<string, (c: unknown) => void>)[fn]!(clock);
  return events;
}

/** The native flow against the same answers; its trace. */
async function runNativeFlow(flow: FlowName, world: World, random: number): Promise<Event[]> {
  const events: Event[] = [];
  vi.spyOn(Math, 'random').mockReturnValue(random);
  const ctx: IterationContext = {
    request: async (tags, req) => {
      events.push([
        'request',
        req.method,
        req.path,
        lowerKeys(req.headers),
        normBody(req.body),
        tags.service,
        tags.flow,
      ]);
      const a = world(req.method, req.path);
      const res: FlowResponse = { status: a.status, headers: lowerKeys(a.headers), body: bodyText(a), serviceMs: 1 };
      return res;
    },
    sleep: async (ms) => {
      events.push(['sleep', Math.round(ms)]);
    },
    check: (ok) => {
      events.push(['check', ok]);
    },
    add: (name, n) => {
      events.push(['add', name, n]);
    },
    gauge: () => undefined,
    lateMs: () => 0,
  };
  const env: FlowEnv = {
    data: DATA,
    simNow: () => SIM_NOW,
    simAgo: (ms) => SIM_NOW - ms * SPEED,
    thinkWallMs: (f) => (DATA.thinkTimeMs[f] ?? 0) / SPEED,
  };
  await NATIVE_FLOWS[flow](ctx, env);
  vi.restoreAllMocks();
  return events;
}

afterEach(() => vi.restoreAllMocks());

describe('flow parity: the k6 function and the native flow send, check and count the same', () => {
  for (const flow of Object.keys(FLOWS) as FlowName[]) {
    for (const [name, world] of Object.entries(WORLDS)) {
      for (const random of [0.1, 0.6, 0.95]) {
        it(`${flow} · ${name} · random ${random}`, async () => {
          let k6: Event[];
          try {
            k6 = runK6(flow, world, random);
          } catch (err) {
            // k6's res.json() throws on a body that is not JSON; the k6 flows only read JSON after a 200.
            throw new Error(`the k6 flow threw: ${String(err)}`, { cause: err });
          }
          const native = await runNativeFlow(flow, world, random);
          expect(native).toEqual(k6);
          expect(k6.some((e) => e[0] === 'request')).toBe(true);
        });
      }
    }
  }

  it('would see a drift: a changed body, check or counter makes the traces differ', async () => {
    const k6 = runK6('deliver-batch', WORLDS['ok']!, 0.1);
    const native = await runNativeFlow('deliver-batch', WORLDS['ok']!, 0.1);
    const withOtherBody = native.map((e) =>
      e[0] === 'request' ? [...e.slice(0, 4), String(e[4]).replace('bbsim load test', 'other'), ...e.slice(5)] : e,
    );
    expect(withOtherBody).not.toEqual(k6);
    expect(native.filter((e) => e[0] !== 'check')).not.toEqual(k6);
    expect(native.filter((e) => !(e[0] === 'add' && e[1] === 'bbsim_letters_admitted'))).not.toEqual(k6);
  });
});
