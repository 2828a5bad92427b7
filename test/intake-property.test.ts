/**
 * Property test of the intake: at least 10,000 generated batches — valid ones from generateBatch
 * (XML and JSON, 1–20 letters, now and then 1000) and mutations of them — thrown at the real app
 * through `app.inject`, on a real SQLite file, with a manual clock. Over the whole run:
 *  (a) no response is ever 5xx;
 *  (b) every 4xx is problem+json with `code`, `title` and `detail` (and the problem the model expects);
 *  (c) every 202 gets, once processed, exactly one verwerkingsbericht that lists every letter of the
 *      batch exactly once, in order, with exactly one VerwerkingsCode each (the one the model
 *      predicts), and whose BatchInformatie counters match those codes;
 *  (d) at the end the `letters` table holds exactly the BerichtIDs coded Verwerkt across all
 *      verwerkingsberichten, and no BerichtID was coded Verwerkt twice.
 * The cases come from fast-check arbitraries sampled with a fixed seed (BBSIM_PROPERTY_SEED
 * overrides it), in a loop rather than fc.assert because the app is stateful: a failure names the
 * case index and its recipe, which the same seed reproduces. The model of the expected answer is
 * in test/helpers/intake-cases.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock/index.ts';
import { minimalPdf, VERWERKINGS_CODES, type VerwerkingsCode } from '../src/berichten/index.ts';
import { buildMock } from '../src/mock/app.ts';
import { DEFAULT_AFNEMERS } from '../src/mock/afnemers.ts';
import { technischProbleemDraw } from '../src/berichten/index.ts';
import { drainVerwerkingsberichten, T0, type VbItem } from './helpers/mock.ts';
import {
  applyAcceptedBatchMut,
  applyLetterMut,
  applyReject,
  baseSpec,
  garbage,
  idsOf,
  P,
  predict,
  recipeArb,
  render,
  type BaseRecipe,
  type BatchSpec,
  type ExpectedLetter,
  type ModelContext,
  type ModelState,
  type Prediction,
  type Recipe,
  type Rendered,
  type SpecEnv,
} from './helpers/intake-cases.ts';

const SEED = Number(process.env['BBSIM_PROPERTY_SEED'] ?? 20_261_117);
/** Never fewer than 10,000 batches: the environment may only raise it. */
const MIN_BATCHES = 10_000;
const BATCHES = Math.max(MIN_BATCHES, Number(process.env['BBSIM_PROPERTY_BATCHES'] ?? MIN_BATCHES));
/** Batches sent between two processing rounds. */
const CHUNK = 250;
const MOCK_SEED = 7;
const FAULT_RATE = 0.01;
const URL = '/berichtenbox/afleveren';
const AFNEMERS = DEFAULT_AFNEMERS.slice(0, 2);

interface Pending {
  readonly index: number;
  readonly label: string;
  readonly oin: string;
  readonly batchId: string;
  readonly attempt: number;
  readonly count: number;
  /** The model's letters; undefined when the 202 was not predicted (then only the shape is checked). */
  readonly letters: readonly ExpectedLetter[] | undefined;
  readonly processAt: number;
}

interface Receipt {
  BatchID: string;
  status: string;
  attempt: number;
  letters: number;
  expectedProcessedAt: string;
}

const COUNTERS: readonly [string, VerwerkingsCode | undefined][] = [
  ['TotaalAantalOntvangenBerichten', undefined],
  ['AantalBerichtenSuccesvolVerwerkt', 'Verwerkt'],
  ['AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier', 'NietActiefOfGeabonneerd'],
  ['AantalBerichtenMetTechnischProbleem', 'TechnischProbleem'],
  ['AantalBerichtenBerichtTypeNietCorrect', 'BerichtTypeNietOndersteund'],
  ['AantalBerichtenPublicatieDatumNietCorrect', 'PublicatieDatumLigtTeVerInDeToekomst'],
  ['AantalBerichtenAanmaakDatumNietCorrect', 'AanmaakDatumLigtTeVerInHetVerleden'],
];
const KNOWN_CODES: ReadonlySet<string> = new Set(VERWERKINGS_CODES);

/** Property (c) for one verwerkingsbericht; returns what is wrong (empty: fine). */
function checkVerwerkingsbericht(
  item: VbItem,
  p: Pick<Pending, 'batchId' | 'count' | 'letters'>,
  xmlCodes: readonly (readonly string[])[] | undefined,
): string[] {
  const errors: string[] = [];
  const r = item.BerichtVerwerkResponse;
  const got = r.Berichten.Bericht;
  if (r.BatchInformatie['BatchID'] !== p.batchId)
    errors.push(`BatchID ${String(r.BatchInformatie['BatchID'])} ≠ ${p.batchId}`);
  if (got.length !== p.count) errors.push(`${got.length} letters listed, the batch had ${p.count}`);
  got.forEach((g, k) => {
    if (typeof g.VerwerkingsCode !== 'string' || !KNOWN_CODES.has(g.VerwerkingsCode))
      errors.push(`letter ${k}: VerwerkingsCode ${JSON.stringify(g.VerwerkingsCode)} is not one code`);
    const e = p.letters?.[k];
    if (p.letters && !e) return;
    if (e && (g.BerichtID !== e.berichtId || g.VerwerkingsCode !== e.code || g.BerichtType !== e.berichtType)) {
      errors.push(
        `letter ${k}: got ${g.BerichtID}/${g.BerichtType}/${g.VerwerkingsCode} (${g.Toelichting}), model says ${e.berichtId}/${e.berichtType}/${e.code}`,
      );
    }
  });
  if (p.letters && got.length !== p.letters.length) errors.push(`model has ${p.letters.length} letters`);
  for (const [name, code] of COUNTERS) {
    const want = code === undefined ? got.length : got.filter((g) => g.VerwerkingsCode === code).length;
    if (r.BatchInformatie[name] !== want)
      errors.push(`${name} = ${String(r.BatchInformatie[name])}, the letters say ${want}`);
  }
  if (xmlCodes) {
    if (xmlCodes.length !== got.length) errors.push(`XML lists ${xmlCodes.length} letters, JSON ${got.length}`);
    xmlCodes.forEach((codes, k) => {
      if (codes.length !== 1) errors.push(`XML letter ${k} has ${codes.length} VerwerkingsCode elements`);
      else if (codes[0] !== got[k]?.VerwerkingsCode)
        errors.push(`XML letter ${k} code ${codes[0]} ≠ JSON ${got[k]?.VerwerkingsCode}`);
    });
  }
  return errors;
}

/** Property (d): the stored letters against the Verwerkt codes handed out. */
function compareLetterSets(stored: readonly string[], verwerkt: readonly string[]): string[] {
  const errors: string[] = [];
  const storedSet = new Set(stored);
  if (storedSet.size !== stored.length)
    errors.push(`letters table has ${stored.length - storedSet.size} duplicate bericht_ids`);
  const seen = new Set<string>();
  // GUIDs compare case-insensitively: the store keeps them lower-case, the answer echoes them as sent.
  for (const id of verwerkt.map((v) => v.toLowerCase())) {
    if (seen.has(id)) errors.push(`${id} coded Verwerkt twice`);
    seen.add(id);
  }
  for (const id of seen) if (!storedSet.has(id)) errors.push(`${id} coded Verwerkt but not in the letters table`);
  for (const id of storedSet) if (!seen.has(id)) errors.push(`${id} in the letters table but never coded Verwerkt`);
  return errors;
}

/** `<Verwerkingsbericht id=…>` → per letter, the VerwerkingsCode elements it carries. */
function parseXmlListing(xml: string): Map<number, string[][]> {
  const out = new Map<number, string[][]>();
  for (const m of xml.matchAll(/<Verwerkingsbericht id="(\d+)" attempt="\d+">([\s\S]*?)<\/Verwerkingsbericht>/g)) {
    const letters = (m[2] ?? '')
      .split('<res:Bericht>')
      .slice(1)
      .map((b) => [...b.matchAll(/<VerwerkingsCode>([^<]*)<\/VerwerkingsCode>/g)].map((c) => c[1] ?? ''));
    out.set(Number(m[1]), letters);
  }
  return out;
}

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

interface Built {
  label: string;
  headers: Record<string, string>;
  body: string | Buffer;
  spec: BatchSpec | undefined;
  rendered: Rendered | undefined;
  /** Problem codes a garbage body must get. */
  garbageExpect: readonly string[] | 'any4xx' | undefined;
}

// Kept for the non-vacuity checks after the run.
let sampleItem: { item: VbItem; pending: Pending } | undefined;
let dbPath = '';

describe('intake property: 10,000 generated batches against the real app', () => {
  let dir = '';
  let app: FastifyInstance | undefined;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    // A logic test: the temp dir goes on /dev/shm (tmpfs) when there is one, to keep fsync cost
    // out of it. Durability on a real disk is what test/crash.test.ts proves.
    const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    dir = mkdtempSync(join(root, 'bbsim-property-'));
    dbPath = join(dir, 'mock.db');
    app = await buildMock(
      {
        db: dbPath,
        seed: MOCK_SEED,
        workerIntervalMs: 60_000,
        // The limiter must not bind: this test is about validation and bookkeeping, not capacity.
        capacity: { messagesPerHour: 100_000_000, messagesPerDay: 1_000_000_000 },
        faults: { technischProbleemRate: FAULT_RATE },
      },
      { clock },
    );
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`≥ ${MIN_BATCHES} batches: no 5xx, problem+json 4xx, one exact verwerkingsbericht per 202, letters table = Verwerkt codes`, async () => {
    const a = app!;
    const started = performance.now();
    const population = a.bbsim.population;
    const env = (): SpecEnv => ({ now: clock.now(), population, afnemers: AFNEMERS, earlierIds });
    const modelCtx = (): ModelContext => ({
      now: clock.now(),
      population,
      futureSkewMs: 5 * 60_000,
      berichtTypes: new Map(DEFAULT_AFNEMERS.map((x) => [x.oin, new Set(x.berichtTypes)])),
      technischProbleem: technischProbleemDraw(MOCK_SEED, FAULT_RATE),
    });
    const state: ModelState = { stored: new Set(), attempts: new Map() };
    const earlierIds: string[] = [];
    const history: Built[] = [];
    const bases: BaseRecipe[] = [];
    const violations: string[] = [];
    const violate = (index: number, label: string, what: string): void => {
      if (violations.length < 200) violations.push(`#${index} [${label}] ${what}`);
    };

    const statuses = new Map<number, number>();
    const problems = new Map<string, number>();
    const codes = new Map<string, number>();
    const labels = new Map<string, number>();
    const verwerkt: string[] = [];
    let sent = 0;
    let accepted = 0;
    let lettersAccepted = 0;
    let lettersReported = 0;

    const recipes = fc.sample(recipeArb, { seed: SEED, numRuns: BATCHES });
    const fallbackBase = (pick: number, format: 'xml' | 'json'): BaseRecipe => ({
      seed: pick,
      letters: 1 + (pick % 20),
      format,
      afnemer: 0,
      berichtType: pick,
      recipientShare: 1,
      attachmentShare: 0,
      attachmentBytes: 1000,
      attachmentsPerLetter: 1,
      textChars: 100,
      publicatieDatum: true,
      repeatBatchId: true,
    });

    const build = (recipe: Recipe): Built => {
      const e = env();
      const structured = (spec: BatchSpec, label: string): Built => {
        const rendered = render(spec);
        return {
          label,
          headers: { 'content-type': rendered.contentType, 'x-afnemer-oin': spec.senderOin },
          body: rendered.body,
          spec,
          rendered,
          garbageExpect: undefined,
        };
      };
      switch (recipe.kind) {
        case 'batch': {
          const spec = baseSpec(recipe.base, e);
          const parts: string[] = [recipe.muts.length === 0 && !recipe.batchMut ? 'valid' : 'mutated'];
          if (recipe.batchMut && applyAcceptedBatchMut(spec, recipe.batchMut, e))
            parts.push(`batch:${recipe.batchMut.b}`);
          for (const pm of recipe.muts)
            if (applyLetterMut(spec, pm.at, pm.mut, e))
              parts.push(pm.mut.m === 'variant' ? `variant:${pm.mut.v}` : pm.mut.m);
          spec.docVariants = [...recipe.docVariants];
          for (const v of recipe.docVariants) parts.push(`doc:${v}`);
          if (recipe.muts.length === 0 && !recipe.batchMut) bases.push(recipe.base);
          return structured(spec, parts.join(' '));
        }
        case 'reject': {
          let spec = baseSpec(recipe.base, e);
          const parts = [`reject:${recipe.reject}`];
          for (const pm of recipe.muts) if (applyLetterMut(spec, pm.at, pm.mut, e)) parts.push(pm.mut.m);
          spec = applyReject(spec, recipe.reject, e, () =>
            baseSpec({ ...recipe.base, textChars: 0, attachmentShare: 0 }, e, 1001),
          );
          return structured(spec, parts.join(' '));
        }
        case 'garbage': {
          const spec = baseSpec(recipe.base, e);
          const g = garbage(recipe.garbage, render(spec), recipe.pos, recipe.bytes, recipe.contentType, spec.senderOin);
          return {
            label: `garbage:${recipe.garbage}:${spec.format}`,
            headers: g.headers,
            body: g.body,
            spec: undefined,
            rendered: undefined,
            garbageExpect: g.expect,
          };
        }
        case 'redeliver': {
          const b = bases.length > 0 ? bases[recipe.pick % bases.length]! : fallbackBase(recipe.pick, recipe.format);
          return structured(baseSpec({ ...b, format: recipe.format }, e), 'redeliver');
        }
        case 'resend': {
          const h = history.length > 0 ? history[recipe.pick % history.length] : undefined;
          if (!h) return structured(baseSpec(fallbackBase(recipe.pick, 'xml'), e), 'resend');
          return { ...h, label: `resend(${h.label})` };
        }
      }
    };

    const pending: Pending[] = [];
    for (let start = 0; start < recipes.length; start += CHUNK) {
      // ---- send a chunk ----
      for (let index = start; index < Math.min(recipes.length, start + CHUNK); index++) {
        const recipe = recipes[index]!;
        const built = build(recipe);
        if (built.label.startsWith('resend(')) bump(labels, 'resend');
        else for (const part of built.label.split(' ')) bump(labels, part);
        let prediction: Prediction;
        if (built.garbageExpect !== undefined) prediction = { kind: 'reject', codes: built.garbageExpect };
        else prediction = predict(built.spec!, built.rendered!, state, modelCtx());

        const res = await a.inject({ method: 'POST', url: URL, headers: built.headers, payload: built.body });
        sent++;
        bump(statuses, res.statusCode);
        if (built.spec) {
          for (const id of idsOf(built.spec))
            if (earlierIds.length < 5000) earlierIds.push(id);
            else earlierIds[sent % 5000] = id;
          if (built.body.length < 100_000 && recipe.kind !== 'resend') {
            if (history.length < 500) history.push(built);
            else history[sent % 500] = built;
          }
        }

        // (a)
        if (res.statusCode >= 500) {
          violate(index, built.label, `HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
          continue;
        }
        if (res.statusCode === 202) {
          const receipt = res.json<Receipt>();
          accepted++;
          lettersAccepted += receipt.letters;
          const processAt = Date.parse(receipt.expectedProcessedAt);
          if (prediction.kind === 'reject') {
            violate(
              index,
              built.label,
              `202 (${receipt.letters} letters) but the model expects ${JSON.stringify(prediction.codes)}`,
            );
            pending.push({
              index,
              label: built.label,
              oin: built.headers['x-afnemer-oin'] ?? '',
              batchId: receipt.BatchID,
              attempt: receipt.attempt,
              count: receipt.letters,
              letters: undefined,
              processAt,
            });
            continue;
          }
          if (
            receipt.BatchID !== prediction.batchId ||
            receipt.attempt !== prediction.attempt ||
            receipt.letters !== prediction.letters.length ||
            receipt.status !== 'geaccepteerd'
          ) {
            violate(
              index,
              built.label,
              `receipt ${JSON.stringify(receipt)}; model: ${prediction.batchId} attempt ${prediction.attempt}, ${prediction.letters.length} letters`,
            );
          }
          prediction.commit();
          pending.push({
            index,
            label: built.label,
            oin: prediction.oin,
            batchId: receipt.BatchID,
            attempt: receipt.attempt,
            count: receipt.letters,
            letters: prediction.letters,
            processAt,
          });
          continue;
        }
        // (b)
        let problem: { code?: unknown; title?: unknown; detail?: unknown; status?: unknown } = {};
        if (!String(res.headers['content-type'] ?? '').startsWith('application/problem+json')) {
          violate(
            index,
            built.label,
            `HTTP ${res.statusCode} with content-type ${String(res.headers['content-type'])}`,
          );
        }
        try {
          problem = res.json();
        } catch {
          violate(index, built.label, `HTTP ${res.statusCode} body is not JSON: ${res.body.slice(0, 200)}`);
        }
        const { code, title, detail } = problem;
        if (
          typeof code !== 'string' ||
          typeof title !== 'string' ||
          typeof detail !== 'string' ||
          code === '' ||
          title === '' ||
          detail === '' ||
          problem.status !== res.statusCode
        ) {
          violate(
            index,
            built.label,
            `HTTP ${res.statusCode} problem lacks code/title/detail/status: ${res.body.slice(0, 300)}`,
          );
        }
        bump(problems, String(code));
        if (prediction.kind === 'accept') {
          violate(
            index,
            built.label,
            `HTTP ${res.statusCode} ${String(code)} (${String(detail)}) but the model expects 202`,
          );
        } else if (prediction.codes !== 'any4xx' && !prediction.codes.includes(String(code))) {
          violate(
            index,
            built.label,
            `problem ${String(code)} (${String(detail)}), model expects ${prediction.codes.join(' or ')}`,
          );
        }
      }

      // ---- process and collect the verwerkingsberichten ----
      // +1 ms: expectedProcessedAt is printed to the millisecond, the stored instant has a fraction
      // (letters are parked 1000/45 ms apart), so the printed time can be just before it.
      const due = pending.reduce((t, p) => Math.max(t, p.processAt + 1), clock.now());
      clock.advance(due - clock.now());
      await a.bbsim.processDue();
      const byKey = new Map(pending.map((p) => [`${p.oin}|${p.batchId}|${p.attempt}`, p]));
      const matched = new Set<string>();
      for (const oin of new Set(AFNEMERS.map((x) => x.oin))) {
        const xmlRes = await a.inject({
          method: 'GET',
          url: '/berichtenbox/verwerkingsberichten?limit=1000',
          headers: { 'x-afnemer-oin': oin, accept: 'application/xml' },
        });
        expect(xmlRes.statusCode).toBe(200);
        expect(xmlRes.body).not.toMatch(/<Verwerkingsberichten next=/);
        const xml = parseXmlListing(xmlRes.body);
        const items = await drainVerwerkingsberichten(a, oin);
        if (xml.size !== items.length)
          violate(start, 'listing', `XML listing has ${xml.size} verwerkingsberichten, JSON ${items.length}`);
        for (const item of items) {
          const batchId = String(item.BerichtVerwerkResponse.BatchInformatie['BatchID']);
          const key = `${oin}|${batchId}|${item.attempt}`;
          const p = byKey.get(key);
          if (!p) {
            violate(start, 'listing', `verwerkingsbericht ${item.id} for ${key} matches no 202`);
            continue;
          }
          if (matched.has(key)) violate(p.index, p.label, `second verwerkingsbericht ${item.id} for ${key}`);
          matched.add(key);
          for (const err of checkVerwerkingsbericht(item, p, xml.get(item.id))) violate(p.index, p.label, err);
          lettersReported += item.BerichtVerwerkResponse.Berichten.Bericht.length;
          for (const l of item.BerichtVerwerkResponse.Berichten.Bericht) {
            bump(codes, l.VerwerkingsCode);
            if (l.VerwerkingsCode === 'Verwerkt') verwerkt.push(`${p.oin}|${l.BerichtID}`); // BerichtIDs are unique per afnemer
          }
          if (p.letters && p.count > 1 && (sampleItem === undefined || p.letters.some((x) => x.code === 'Verwerkt')))
            sampleItem ??= { item, pending: p };
        }
      }
      for (const [key, p] of byKey)
        if (!matched.has(key)) violate(p.index, p.label, `202 for ${key} but no verwerkingsbericht after processing`);
      pending.length = 0;
    }

    // ---- (d) the store against everything that was coded Verwerkt ----
    await a.close();
    app = undefined;
    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare("SELECT afnemer_oin || '|' || bericht_id FROM letters").pluck().all() as string[];
    const deliveries = db.prepare('SELECT count(*) FROM deliveries').pluck().get() as number;
    const results = db.prepare('SELECT count(*) FROM results').pluck().get() as number;
    const unacked = db
      .prepare('SELECT count(*) FROM verwerkingsberichten WHERE acknowledged_at IS NULL')
      .pluck()
      .get() as number;
    const shortDeliveries = db
      .prepare(
        'SELECT count(*) FROM deliveries d WHERE d.letters != (SELECT count(*) FROM results r WHERE r.delivery_id = d.id)',
      )
      .pluck()
      .get() as number;
    db.close();
    const elapsed = (performance.now() - started) / 1000;

    const sorted = <K>(m: Map<K, number>): string =>
      [...m]
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${String(k)}=${v}`)
        .join(', ');
    console.log(
      [
        `intake property: seed ${SEED}, ${sent} batches in ${elapsed.toFixed(1)} s (${accepted} admitted with ${lettersAccepted} letters; ${lettersReported} letter results reported)`,
        `  statuses: ${sorted(statuses)}`,
        `  problems: ${sorted(problems)}`,
        `  codes:    ${sorted(codes)}`,
        `  cases:    ${sorted(labels)}`,
        `  store:    ${stored.length} letters, ${deliveries} deliveries, ${results} results`,
      ].join('\n'),
    );

    expect(violations).toEqual([]);
    expect(compareLetterSets(stored, verwerkt)).toEqual([]);
    expect(new Set(stored)).toEqual(state.stored);
    expect(sent).toBeGreaterThanOrEqual(MIN_BATCHES);
    expect(deliveries).toBe(accepted);
    expect(results).toBe(lettersAccepted);
    expect(lettersReported).toBe(lettersAccepted);
    expect(unacked).toBe(0);
    expect(shortDeliveries).toBe(0);
    // The generators must keep reaching every outcome, or a green run proves less than it claims.
    for (const c of VERWERKINGS_CODES) expect(codes.get(c) ?? 0, `code ${c}`).toBeGreaterThan(0);
    for (const c of Object.values(P)) expect(problems.get(c) ?? 0, `problem ${c}`).toBeGreaterThan(0);
    for (const s of [202, 400, 401, 403, 415]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);
    for (const m of [
      'badGuid',
      'bsn',
      'volgorde',
      'volgordeDup',
      'pub',
      'onderwerp',
      'tekst',
      'referentie',
      'type',
      'dupInBatch',
      'reuseEarlier',
      'attachment',
      'big',
      'missing',
      'extra',
      'hide',
      'dropInfo',
      'notObject',
      'redeliver',
      'resend',
      'reject:tooMany',
      'reject:empty',
      'reject:doctype',
      'reject:entity',
      'garbage:randomBytes:xml',
      'garbage:truncate:xml',
      'garbage:truncate:json',
    ]) {
      expect(labels.get(m) ?? 0, `case ${m}`).toBeGreaterThan(0);
    }
    expect(accepted).toBeGreaterThan(BATCHES / 2);
  }, 300_000);

  it('the oracles are not vacuous: a deleted letter row, or a tampered verwerkingsbericht, is caught', () => {
    // (d): delete one letter row inside a transaction, compare, roll back.
    const db = new Database(dbPath);
    try {
      const verwerktNow = db
        .prepare(
          "SELECT d.afnemer_oin || '|' || r.bericht_id FROM results r JOIN deliveries d ON d.id = r.delivery_id WHERE r.code = 'Verwerkt'",
        )
        .pluck()
        .all() as string[];
      const all = (): string[] =>
        db.prepare("SELECT afnemer_oin || '|' || bericht_id FROM letters").pluck().all() as string[];
      expect(compareLetterSets(all(), verwerktNow)).toEqual([]);
      db.pragma('foreign_keys = OFF');
      db.exec('BEGIN');
      const victim = db
        .prepare("SELECT afnemer_oin || '|' || bericht_id FROM letters ORDER BY rowid LIMIT 1 OFFSET 17")
        .pluck()
        .get() as string;
      db.prepare("DELETE FROM letters WHERE afnemer_oin || '|' || bericht_id = ?").run(victim);
      expect(compareLetterSets(all(), verwerktNow)).toEqual([`${victim} coded Verwerkt but not in the letters table`]);
      db.exec('ROLLBACK');
      expect(compareLetterSets(all(), verwerktNow)).toEqual([]);
      expect(compareLetterSets(all(), [...verwerktNow, verwerktNow[3]!])).toEqual([
        `${verwerktNow[3]} coded Verwerkt twice`,
      ]);
      expect(compareLetterSets(all(), verwerktNow.slice(1))).toEqual([
        `${verwerktNow[0]} in the letters table but never coded Verwerkt`,
      ]);
    } finally {
      db.close();
    }

    // (c): the same check on a real verwerkingsbericht, then on broken copies of it.
    expect(sampleItem).toBeDefined();
    const { item, pending } = sampleItem!;
    expect(checkVerwerkingsbericht(item, pending, undefined)).toEqual([]);
    const tamper = (f: (letters: VbItem['BerichtVerwerkResponse']['Berichten']['Bericht']) => void): VbItem => {
      const copy = structuredClone(item);
      f(copy.BerichtVerwerkResponse.Berichten.Bericht);
      return copy;
    };
    const dropped = tamper((l) => {
      l.pop();
    });
    const doubled = tamper((l) => {
      l.push(l[0]!);
    });
    const swapped = tamper((l) => {
      l.reverse();
    });
    const recoded = tamper((l) => {
      l[0]!.VerwerkingsCode = l[0]!.VerwerkingsCode === 'Verwerkt' ? 'BerichtBestaatAl' : 'Verwerkt';
    });
    for (const broken of [dropped, doubled, swapped, recoded])
      expect(checkVerwerkingsbericht(broken, pending, undefined)).not.toEqual([]);
    expect(
      checkVerwerkingsbericht(item, pending, [
        ['Verwerkt', 'Verwerkt'],
        ...item.BerichtVerwerkResponse.Berichten.Bericht.slice(1).map((l) => [l.VerwerkingsCode]),
      ]),
    ).not.toEqual([]);
  });

  // Regression: these sizes once failed where startxref gains a digit (the size jumped by 2).
  it('minimalPdf makes a PDF of every size, including where startxref gains a digit', () => {
    for (const size of [1163, 10_164, 100_165]) expect(minimalPdf(size).length).toBe(size);
  });
});
