import { createHash } from 'node:crypto';
import { NORMS, type Norm } from '../norms/index.ts';
import { scenarioData, type DataOptions } from './scenario-data.ts';
import { flowShare, flowWallProfile, scenarioWallMs, FLOWS, type FlowName, type Scenario } from '../scenario/index.ts';
import { FLOW_FUNCTIONS, HELPERS } from './flows-js.ts';

export type GenerateOptions = DataOptions;

/** Exported function name in the script for each flow (k6's `exec`). */
const EXEC: Record<FlowName, string> = {
  'deliver-batch': 'deliverBatch',
  'fetch-verwerkingsberichten': 'fetchVerwerkingsberichten',
  'burger-reads': 'burgerReads',
  'digid-authenticate': 'digidAuthenticate',
  'validation-query': 'validationQuery',
  'subscription-request': 'subscriptionRequest',
  'machtigen-check': 'machtigenCheck',
};

/** Expected wall latency of one iteration, s (sizes the VU pools: rate × latency, with headroom). */
const EXPECTED_ITERATION_S: Record<FlowName, number> = {
  'deliver-batch': 0.2,
  'fetch-verwerkingsberichten': 0.05,
  // A login (DigiD's service time in the mock: lognormal, median 300 ms, p99 1.5 s, mean 381 ms)
  // and two reads of about 25 ms each; the think times between them are added per speed.
  'burger-reads': 0.8,
  // DigiD's mean service time (381 ms) and the HTTP round trip on a loaded machine.
  'digid-authenticate': 0.5,
  'validation-query': 2,
  'subscription-request': 0.05,
  'machtigen-check': 0.5,
};

/** Letters per deliver-batch iteration EXPECTED_ITERATION_S is measured for; a larger batch takes proportionally longer. */
const EXPECTED_BATCH_LETTERS = 100;

/**
 * Expected wall latency of one iteration of a flow. A batch of 1,000 letters took 2-3 s against the
 * mock on a busy 2-core machine: with 0.2 s the pool ran out of VUs and k6 dropped a third of the
 * iterations (forecast replays of a whole hour of letters).
 */
function expectedIterationS(flow: FlowName, batchSize: number): number {
  const s = EXPECTED_ITERATION_S[flow];
  return flow === 'deliver-batch' ? Math.max(s, (s * batchSize) / EXPECTED_BATCH_LETTERS) : s;
}

/** Client-side thresholds for the latency norms of the services a scenario touches (k6 syntax). */
export function thresholdsOf(norms: readonly Norm[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of norms) {
    if (n.quantity !== 'latency' || n.unit !== 'ms') continue;
    const stat = n.statistic === 'avg' ? 'avg' : n.statistic === 100 ? 'max' : `p(${String(n.statistic)})`;
    const key = `http_req_duration{service:${n.service}}`;
    (out[key] ??= []).push(`${stat}<${n.limit}`);
  }
  return out;
}

/**
 * The script's options, computed in k6's init context from PLAN (the flows at the generated speed)
 * and SPEED (env, default the generated one): rates scale with the speed and durations shrink by it,
 * as wallProfile does. The timeline thresholds are here too: k6 puts a submetric in its end-of-test
 * summary only when a threshold names it, so each bucket × service gets one that always holds (it
 * collects, it does not judge), giving the report latency percentiles, counts and failures per bucket.
 */
const OPTIONS_JS = `
// Rates scale with the sim speed (more sim time per wall second); durations shrink by it.
const K = SPEED / GENERATED_SPEED;
const DURATION_MS = PLAN_DURATION_MS / K;
// At most 60 timeline points per service: 1 s buckets up to a minute, wider beyond.
const BUCKET_S = Math.max(1, Math.ceil(DURATION_MS / 1000 / 60));
function timelineThresholds() {
  /** @type {Record<string, string[]>} */
  const out = {};
  // Two spare buckets: setup() and the graceful stop run past the profile's duration.
  const buckets = Math.ceil(DURATION_MS / 1000 / BUCKET_S) + 2;
  for (const service of SERVICES) {
    for (let b = 0; b < buckets; b++) {
      out['http_req_duration{service:' + service + ',b:' + b + '}'] = ['max>=0'];
      out['http_req_failed{service:' + service + ',b:' + b + '}'] = ['rate>=0'];
    }
  }
  return out;
}
// Twice the VUs Little's law expects (rate × expected latency) for a small pool; a large one
// fluctuates relatively less, so beyond 100 it grows by 3 standard deviations (as √n) and 25 %.
/** @param {number} need */
function preAllocated(need) {
  return Math.max(2, Math.ceil(Math.min(2 * need, 1.25 * need + 3 * Math.sqrt(need) + 75)));
}
// k6 makes VUs beyond the pre-allocated ones while it runs, up to maxVUs: four times a small pool,
// twice a large one and 400 (every VU holds its own copy of the script and its data).
/** @param {number} pre */
function mostVUs(pre) {
  return Math.max(8, Math.min(4 * pre, 2 * pre + 400));
}
/** @type {Record<string, import('k6/options').Scenario>} */
const scenarios = {};
for (const flow of Object.keys(PLAN)) {
  const p = PLAN[flow];
  scenarios[flow] = {
    executor: 'ramping-arrival-rate',
    exec: p.exec,
    startRate: Math.round(p.startRate * K),
    timeUnit: p.timeUnit,
    preAllocatedVUs: preAllocated(p.vus * K),
    maxVUs: mostVUs(preAllocated(p.vus * K)),
    stages: p.stages.map((st) => ({ target: Math.round(st.target * K), duration: Math.max(1, Math.round(st.ms / K)) + 'ms' })),
    tags: { flow: flow },
  };
}

// Mutual TLS (Digikoppeling two-way TLS: the afnemer's OIN in its client certificate): -e TLS_CERT=<file.crt>
// -e TLS_KEY=<file.key> (PEM, read here in the init context); k6 trusts a test CA through SSL_CERT_FILE=<ca.crt>.
const TLS_AUTH = __ENV.TLS_CERT ? [{ cert: open(__ENV.TLS_CERT), key: open(__ENV.TLS_KEY || '') }] : undefined;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: scenarios,
  tlsAuth: TLS_AUTH,
  thresholds: Object.assign(NORM_THRESHOLDS, timelineThresholds()),
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'],
  systemTags: ['status', 'method', 'name', 'group', 'check', 'error', 'error_code', 'scenario', 'expected_response'],
};`;

/**
 * One self-contained k6 script for a scenario: a ramping-arrival-rate executor per flow (open
 * model), stages in wall time from the sim profile and the clock speed, thresholds from the norms,
 * tags per service and flow, custom metrics, and a handleSummary that writes the summary JSON.
 * Deterministic: the same scenario and options give the same text (for `generate --check`).
 */
/** Per flow at the generated speed: wall iterations per timeUnit, stage lengths in wall ms and the VU estimate. */
interface FlowPlan {
  readonly exec: string;
  readonly startRate: number;
  readonly timeUnit: '1s' | '1m' | '1h';
  readonly vus: number;
  readonly stages: readonly { readonly target: number; readonly ms: number }[];
}

function flowPlans(scenario: Scenario): Record<string, FlowPlan> {
  const batchSize = scenario.data?.batchSize ?? 100;
  const plan: Record<string, FlowPlan> = {};
  for (const [i, f] of scenario.flows.entries()) {
    // The flow's own load, or its weight share of the scenario's; in wall time along the schedule.
    const profile = flowWallProfile(scenario, i);
    const share = flowShare(scenario, i);
    // deliver-batch counts letters (the norms' unit): one iteration delivers batchSize of them.
    const perIteration = f.flow === 'deliver-batch' ? batchSize : 1;
    const peak = (profile.peakRate * share) / perIteration;
    // k6 wants whole iterations per timeUnit: pick the unit that keeps at least ~20 per unit at the peak.
    const [timeUnit, unitS] =
      peak >= 20 ? (['1s', 1] as const) : peak * 60 >= 20 ? (['1m', 60] as const) : (['1h', 3600] as const);
    const scale = (r: number): number => Number((((r * share) / perIteration) * unitS).toFixed(4));
    // Think time is sim ms, paid in wall time at 1/speed per step (burger-reads pauses twice); the
    // pools are sized at the slowest speed, where a think time lasts longest.
    const slowest = Math.min(...scenario.clock.schedule.map((x) => x.speed));
    const thinkS = ((f.thinkTimeMs ?? 0) / slowest / 1000) * (f.flow === 'burger-reads' ? 2 : 1);
    plan[f.flow] = {
      exec: EXEC[f.flow],
      startRate: scale(profile.startRate),
      timeUnit,
      // Little's law: the VUs busy at the peak (the pools are sized from it, see preAllocated).
      vus: Number((peak * (expectedIterationS(f.flow, batchSize) + thinkS)).toFixed(3)),
      stages: profile.stages.map((st) => ({ target: scale(st.target), ms: Math.round(st.durationMs) })),
    };
  }
  return plan;
}

/**
 * The VU pools each flow's executor gets at clock speed `speed` (the script's OPTIONS_JS computes
 * the same in k6's init context). k6 splits both pools over execution segments, so a run in N
 * segments needs maxVUs >= N for every flow: a segment with no VU of a flow never runs its share.
 */
export function vuPools(
  scenario: Scenario,
  speed = scenario.clock.speed,
): Record<string, { preAllocatedVUs: number; maxVUs: number }> {
  const k = speed / scenario.clock.speed;
  return Object.fromEntries(
    Object.entries(flowPlans(scenario)).map(([flow, p]) => {
      const pre = preAllocatedVUs(p.vus * k);
      return [flow, { preAllocatedVUs: pre, maxVUs: maxVUsOf(pre) }];
    }),
  );
}

/**
 * The VUs a pool pre-allocates for `need` busy at its peak (rate × expected latency, Little's law):
 * twice that for a small pool; a large one fluctuates relatively less, so it gets 25 % and three
 * standard deviations (√need) over it. The whole peak-day had 9,500 pre-allocated VUs (38,000 at
 * most) at twice the need with the old latency guesses; now about 4,300 (the script's
 * preAllocated() computes the same in k6's init context).
 */
export function preAllocatedVUs(need: number): number {
  return Math.max(2, Math.ceil(Math.min(2 * need, 1.25 * need + 3 * Math.sqrt(need) + 75)));
}

/** maxVUs for a pool: four times a small one, twice a large one and 400 (each VU holds its own copy of the script and data). */
export function maxVUsOf(pre: number): number {
  return Math.max(8, Math.min(4 * pre, 2 * pre + 400));
}

/** The SCRIPT_HASH line's placeholder: the hash covers the script with it, then replaces it. */
const HASH_PLACEHOLDER = '@@bbsim-script-hash@@';

/** A generated script's fingerprint (its SCRIPT_HASH constant): segments of one run must share it. */
export function scriptHashOf(script: string): string | undefined {
  return /^const SCRIPT_HASH = '([0-9a-f]{16})';$/m.exec(script)?.[1];
}

export function generateK6Script(scenario: Scenario, opts: GenerateOptions): string {
  const plan = flowPlans(scenario);
  const norms = NORMS.filter((n) => scenario.norms.includes(n.id));
  const data = scenarioData(scenario, opts);
  const used = [...new Set(scenario.flows.map((f) => f.flow))];
  const text = `// Generated by \`bbsim generate\` from scenarios/${scenario.name}.ts — do not edit; regenerate.
// ${scenario.description}
// Flows: ${used.map((f) => `${f} (${FLOWS[f].title})`).join('; ')}.
// Run: k6 run -e BASE_URL=http://127.0.0.1:8080 k6/${scenario.name}.js
// Over mutual TLS: SSL_CERT_FILE=pki/ca.crt k6 run -e BASE_URL=https://localhost:8080 -e TLS_CERT=pki/clients/<OIN>.crt -e TLS_KEY=pki/clients/<OIN>.key k6/${scenario.name}.js
// Generated for sim clock speed ${scenario.clock.speed}; against a mock at another speed add -e SPEED=<its speed>:
// wall rates and durations follow it.
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Gauge } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const GENERATED_SPEED = ${scenario.clock.speed};
const SPEED = Number(__ENV.SPEED) || GENERATED_SPEED;
const SUMMARY = __ENV.SUMMARY_PATH || 'results/${scenario.name}-summary.json';
// sha256 of this script (taken with this value blank): the segments of one run must have run the same one.
const SCRIPT_HASH = '${HASH_PLACEHOLDER}';
/** Per flow at the generated speed: wall iterations per timeUnit and stage lengths in wall ms. */
const PLAN = ${JSON.stringify(plan, null, 2)};
const PLAN_DURATION_MS = ${Math.round(scenarioWallMs(scenario))};
const SERVICES = ${JSON.stringify(scenario.services)};
const NORM_THRESHOLDS = ${JSON.stringify(thresholdsOf(norms))};
const DATA = ${JSON.stringify(data)};

const lettersOffered = new Counter('bbsim_letters_offered');
const lettersAdmitted = new Counter('bbsim_letters_admitted');
const lettersCoded = new Counter('bbsim_letters_coded');
const batchesRefused = new Counter('bbsim_batches_refused');
const authentications = new Counter('bbsim_authentications');
const subscriptions = new Counter('bbsim_subscription_requests');
const firstRequest = new Gauge('bbsim_first_request_ms');

${OPTIONS_JS}
${HELPERS}
${used.map((f) => FLOW_FUNCTIONS[f]).join('\n')}

export function handleSummary(data) {
  return {
    [SUMMARY]: JSON.stringify(Object.assign({ scenario: ${JSON.stringify(scenario.name)}, scriptHash: SCRIPT_HASH, speed: SPEED, bucketSeconds: BUCKET_S }, segmentOf(), { k6: data }), null, 2),
    stdout: 'bbsim: k6 summary written to ' + SUMMARY + '\\n',
  };
}

// Which part of the load this process ran (k6 --execution-segment); nothing when it ran all of it.
function segmentOf() {
  const o = exec.test.options;
  return o.executionSegment ? { segment: o.executionSegment, segmentSequence: o.executionSegmentSequence || '' } : {};
}
`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return text.replace(HASH_PLACEHOLDER, hash);
}
