/**
 * The k6 (JavaScript) implementation of each flow, as source text placed in the generated script.
 * Each function is one iteration of its flow; requests are tagged with `service` and `flow` so the
 * thresholds and the verdict can select them. Everything they need (BSNs, the PDF) is embedded in
 * the script's DATA constant, so `k6 run k6/<name>.js` works with nothing else.
 */
export const FLOW_FUNCTIONS: Readonly<Record<string, string>> = {
  'deliver-batch': `
export function deliverBatch(clock) {
  const now = new Date(simNow(clock) - 1000).toISOString();
  const batchId = uuid();
  const letters = [];
  for (let i = 0; i < DATA.batchSize; i++) {
    // Bijlagen undefined is left out by JSON.stringify.
    const bijlagen = DATA.pdf && Math.random() < DATA.attachmentShare ? [{ Inhoud: DATA.pdf, BijlageType: 'Pdf', Omschrijving: 'bijlage', Volgorde: '1' }] : undefined;
    letters.push({ BerichtInformatie: { BatchID: batchId, BerichtID: uuid(), BerichtType: DATA.berichtType, Onderwerp: 'bbsim load test', BerichtTekst: DATA.text, GebruikerID: pick(DATA.bsns), SoortGebruiker: 'Burger' }, Bijlagen: bijlagen });
  }
  const body = JSON.stringify({ Berichten: { BatchInformatie: { BatchID: batchId, AanmaakDatum: now, BerichtLeverancierID: DATA.oin }, Bericht: letters } });
  // The sim instant it is sent: the mock counts the letters in its norm windows by it (as DigiD's minute).
  const headers = { 'content-type': 'application/json', 'x-afnemer-oin': DATA.oin, 'x-bbsim-sent-at': String(Math.round(simNow(clock))) };
  const res = http.post(BASE_URL + '/berichtenbox/afleveren', body, { headers, tags: T('berichtenbox-intake', 'deliver-batch') });
  lettersOffered.add(DATA.batchSize);
  if (res.status === 202) lettersAdmitted.add(DATA.batchSize);
  else batchesRefused.add(1, { status: String(res.status) });
  check(res, { 'batch accepted (202) or refused with Retry-After (429)': (r) => r.status === 202 || (r.status === 429 && !!r.headers['Retry-After']) });
}`,
  'fetch-verwerkingsberichten': `
export function fetchVerwerkingsberichten() {
  const res = http.get(BASE_URL + '/berichtenbox/verwerkingsberichten?limit=100', { headers: { 'x-afnemer-oin': DATA.oin }, tags: T('berichtenbox-intake', 'fetch-verwerkingsberichten') });
  check(res, { 'verwerkingsberichten 200': (r) => r.status === 200 });
  if (res.status !== 200) return;
  const items = /** @type {any[]} */ (res.json('items') || []);
  for (const item of items) for (const l of item.BerichtVerwerkResponse.Berichten.Bericht) lettersCoded.add(1, { code: l.VerwerkingsCode });
  if (items.length > 0) {
    http.post(BASE_URL + '/berichtenbox/verwerkingsberichten/ack', JSON.stringify({ ids: items.map((i) => i.id) }), { headers: { 'content-type': 'application/json', 'x-afnemer-oin': DATA.oin }, tags: T('berichtenbox-intake', 'fetch-verwerkingsberichten') });
  }
}`,
  'burger-reads': `
export function burgerReads(clock) {
  const login = http.post(BASE_URL + '/digid/authenticate', JSON.stringify({ bsn: pick(DATA.bsns) }), { headers: digidHeaders(clock), tags: T('digid', 'burger-reads') });
  const status = login.status === 200 ? login.json('status') : 'HTTP ' + login.status;
  authentications.add(1, { status: String(status) });
  if (status !== 'Success') return;
  const auth = (extraTags) => ({ headers: { authorization: 'Bearer ' + login.json('token') }, tags: Object.assign(T('presentatie', 'burger-reads'), extraTags) });
  thinkTime('burger-reads', clock);
  const list = http.get(BASE_URL + '/api/v1/berichten?pageSize=20', auth());
  check(list, { 'inbox 200': (r) => r.status === 200 });
  const letters = /** @type {any[]} */ (list.status === 200 ? list.json('berichten') || [] : []);
  if (letters.length > 0) {
    thinkTime('burger-reads', clock);
    // One name for every letter's URL: k6 names a request by its URL, and a time series per letter
    // id grew without bound over a whole day (peak-day: k6 at 4.5 GB).
    const one = http.get(BASE_URL + '/api/v1/berichten/' + letters[0].id, auth({ name: BASE_URL + '/api/v1/berichten/{id}' }));
    check(one, { 'letter 200': (r) => r.status === 200 });
  }
}`,
  'digid-authenticate': `
export function digidAuthenticate(clock) {
  const res = http.post(BASE_URL + '/digid/authenticate', JSON.stringify({ bsn: pick(DATA.bsns) }), { headers: digidHeaders(clock), tags: T('digid', 'digid-authenticate') });
  authentications.add(1, { status: res.status === 200 ? String(res.json('status')) : 'HTTP ' + res.status });
  check(res, { 'authentication answered': (r) => r.status === 200 || r.status === 503 });
}`,
  'validation-query': `
export function validationQuery() {
  const klanten = [];
  for (let i = 0; i < DATA.klantenPerQuery; i++) klanten.push({ key: pick(DATA.bsns), rol: 'Burger' });
  const res = http.post(BASE_URL + '/validatieservice/v1/validate', JSON.stringify({ berichtleverancierCode: DATA.oin, berichtTypeCode: DATA.berichtType, klanten: klanten }), { headers: { 'content-type': 'application/json' }, tags: T('validatieservice', 'validation-query') });
  check(res, { 'validation answered': (r) => r.status === 200 || r.status === 503 });
}`,
  'subscription-request': `
export function subscriptionRequest(clock) {
  const kind = pickWeighted(DATA.subscriptionMix);
  /** @type {Record<string, unknown>} */
  const body = { type: kind, oin: DATA.oin };
  if (kind === 'bsn-lijst') {
    const bsns = [];
    for (let i = 0; i < 10; i++) bsns.push(pick(DATA.bsns));
    body.bsns = bsns;
  }
  // mutatiebasis asks for the changes since a moment that must not lie in the (sim) future.
  if (kind === 'mutatiebasis') body.sinds = new Date(simNow(clock) - 86400000).toISOString();
  const res = http.post(BASE_URL + '/abonnementservice/v1/verzoeken', JSON.stringify(body), { headers: { 'content-type': 'application/json', 'x-afnemer-oin': DATA.oin }, tags: T('abonnementservice', 'subscription-request') });
  subscriptions.add(1, { kind: kind, status: String(res.status) });
  check(res, { 'subscription request accepted or refused by quota (202/429)': (r) => r.status === 202 || r.status === 429 });
}`,
  'machtigen-check': `
export function machtigenCheck() {
  const a = pick(DATA.bsns);
  let b = pick(DATA.bsns);
  if (b === a) b = DATA.bsns[(DATA.bsns.indexOf(a) + 1) % DATA.bsns.length];
  const res = http.post(BASE_URL + '/machtigen/v1/bevoegdheid', JSON.stringify({ vertegenwoordiger: a, vertegenwoordigde: { bsn: b }, dienst: 'aangifte-ib' }), { headers: { 'content-type': 'application/json' }, tags: T('digid-machtigen', 'machtigen-check') });
  check(res, { 'machtigen answered': (r) => r.status === 200 || r.status === 503 });
}`,
};

/** Helpers shared by the flow functions. */
export const HELPERS = `
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
/** A key of a { key: weight } object, drawn with those weights. */
function pickWeighted(weights) {
  const keys = Object.keys(weights);
  let r = Math.random() * keys.reduce((a, k) => a + weights[k], 0);
  for (const k of keys) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return keys[keys.length - 1];
}
// Request tags: service and flow select the norms' submetrics; b is the timeline bucket (wall
// seconds since the start / BUCKET_S) whose submetrics give the report its latency-over-time chart.
// exec.instance makes a new object on every read (2 % of k6's CPU in a peak-day evening, pprof):
// each VU reads the run's start once and takes the bucket from the wall clock after that.
let runStartMs = -1;
const T = (service, flow) => {
  if (runStartMs < 0) runStartMs = Date.now() - exec.instance.currentTestRunDuration;
  return { service: service, flow: flow, b: String(Math.floor((Date.now() - runStartMs) / 1000 / BUCKET_S)) };
};
function uuid() {
  const h = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) s += '-';
    else if (i === 14) s += '4';
    else if (i === 19) s += h[8 + Math.floor(Math.random() * 4)];
    else s += h[Math.floor(Math.random() * 16)];
  }
  return s;
}
// The mock runs on a sim clock and AanmaakDatum must lie near its now: setup() reads it from /status
// (a target without /status is taken to run on the wall clock).
export function setup() {
  // A service of one's own need not have /status: its 404 is an answer, not a failed request.
  const res = http.get(BASE_URL + '/status', { tags: { service: 'ops', flow: 'setup' }, responseCallback: http.expectedStatuses({ min: 200, max: 399 }, 404) });
  const wall = Date.now();
  // The runner passes its start instant: command to first request is part of bbsim's overhead.
  if (__ENV.BBSIM_T0) firstRequest.add(wall - Number(__ENV.BBSIM_T0));
  if (res.status === 200) {
    const sched = res.json('schedule');
    return { sim0: Date.parse(String(res.json('now'))), wall0: wall, speed: Number(res.json('speed')) || 1, sched: Array.isArray(sched) && sched.length > 1 ? speedSchedule(sched) : null };
  }
  return { sim0: wall, wall0: wall, speed: 1, sched: null, wallClock: true };
}
// The mock's speed schedule (GET /status \`schedule\`, issue 23): per segment its sim instant, speed and
// wall position (summed once, as src/clock/speed-schedule.ts does), to follow its sim time exactly.
/** @param {any} list */
function speedSchedule(list) {
  /** @type {{ from: number, speed: number, wall: number }[]} */
  const out = [];
  for (const s of list) {
    const from = Date.parse(String(s.from));
    const prev = out[out.length - 1];
    out.push({ from: from, speed: Number(s.speed), wall: prev ? prev.wall + (from - prev.from) / prev.speed : 0 });
  }
  return out;
}
/** @param {{ from: number, speed: number, wall: number }[]} sched @param {number} t */
function segmentAt(sched, t) {
  let i = 0;
  while (i + 1 < sched.length && sched[i + 1].from <= t) i++;
  return sched[i];
}
/** @param {any} clock @param {number} t */
function speedAt(clock, t) {
  return clock.sched ? segmentAt(clock.sched, t).speed : clock.speed;
}
/** @param {any} clock */
function simNow(clock) {
  const dw = Date.now() - clock.wall0;
  if (!clock.sched) return clock.sim0 + dw * clock.speed;
  const a = segmentAt(clock.sched, clock.sim0);
  const w = a.wall + (clock.sim0 - a.from) / a.speed + dw;
  let i = 0;
  while (i + 1 < clock.sched.length && clock.sched[i + 1].wall <= w) i++;
  const s = clock.sched[i];
  return s.from + (w - s.wall) * s.speed;
}
// The sim instant the authentication is sent: the mock counts DigiD's offered minute by it, not by
// when the request got through to its handler (a burst held up on the way read as a busier minute).
/** @param {any} clock */
function digidHeaders(clock) {
  return clock ? { 'content-type': 'application/json', 'x-bbsim-sent-at': String(Math.round(simNow(clock))) } : { 'content-type': 'application/json' };
}
// Think time is written in sim ms; at speed s it takes 1/s of that in wall time (the mock's speed
// now along its schedule; the script's SPEED against a target without a sim clock).
/** @param {string} flow @param {any} clock */
function thinkTime(flow, clock) {
  const speed = clock && !clock.wallClock ? speedAt(clock, simNow(clock)) : SPEED;
  const ms = (DATA.thinkTimeMs[flow] || 0) / speed;
  if (ms > 0) sleep(ms / 1000);
}
`;
