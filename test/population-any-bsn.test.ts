/**
 * Population for any BSN, through the real mock: an afnemer with its OWN recipient list (random valid
 * BSNs the mock never handed out) gets Verwerkt at the configured shares, and the Validatieservice
 * answers the same for the same BSNs. An own population file is what the mock answers from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bsnCheckDigit } from '../src/population/index.ts';
import {
  BELASTINGDIENST,
  UWV,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { batch, xml as batchXml } from './helpers/batches.ts';

const OIN = BELASTINGDIENST.oin;

/** Random valid BSNs from a PRNG independent of the mock (mulberry32). */
function randomBsns(n: number, seed: number): string[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Set<string>();
  while (out.size < n) {
    const prefix = String(Math.floor(rnd() * 1e8)).padStart(8, '0');
    const check = bsnCheckDigit(prefix);
    if (check !== undefined && prefix !== '00000000') out.add(`${prefix}${check}`);
  }
  return [...out];
}

/** Delivers one letter per BSN (batches of 1000) and returns each BSN's VerwerkingsCode. */
async function codesFor(mock: TestMock, bsns: string[], oin = OIN): Promise<Map<string, string>> {
  const bsnOf = new Map<string, string>();
  for (let i = 0; i < bsns.length; i += 1000) {
    const part = bsns.slice(i, i + 1000);
    const b = batch(part.length, {
      now: mock.clock.now(),
      afnemerOin: oin,
      berichtType: oin === OIN ? 'VAIB' : UWV.berichtTypes[0]!,
    });
    b.Bericht.forEach((l, k) => {
      l.BerichtInformatie.GebruikerID = part[k]!;
      bsnOf.set(l.BerichtInformatie.BerichtID.toLowerCase(), part[k]!);
    });
    const res = await deliverXml(mock.app, batchXml(b), oin);
    expect(res.statusCode, res.body).toBe(202);
  }
  mock.clock.advance(30 * 60_000); // parking at 45/s and processing take sim time
  const codes = new Map<string, string>();
  for (const item of await drainVerwerkingsberichten(mock.app, oin)) {
    for (const l of item.BerichtVerwerkResponse.Berichten.Bericht)
      codes.set(bsnOf.get(l.BerichtID.toLowerCase()) ?? '?', l.VerwerkingsCode);
  }
  return codes;
}

async function validate(mock: TestMock, bsns: string[], oin = OIN, type = 'VAIB'): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (let i = 0; i < bsns.length; i += 250) {
    const res = await mock.app.inject({
      method: 'POST',
      url: '/validatieservice/v1/validate',
      headers: { 'x-afnemer-oin': oin },
      payload: {
        berichtleverancierCode: oin,
        berichtTypeCode: type,
        klanten: bsns.slice(i, i + 250).map((key) => ({ key, rol: 'Burger' })),
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    for (const r of res.json<{ resultaten: { key: string; isBerichtSturen: boolean }[] }>().resultaten)
      out.set(r.key, r.isBerichtSturen);
  }
  return out;
}

describe('any valid BSN can have a box (default population scope)', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(async () => mock.close());

  it('random valid BSNs (not from the mock) give Verwerkt at activeShare × subscribedShare, and the Validatieservice agrees per BSN', async () => {
    const bsns = randomBsns(3000, 15);
    const pop = mock.app.bbsim.population;
    expect(bsns.filter((b) => pop.isMember(b)).length).toBeLessThan(10); // practically none is in the enumerable sample
    const answers = await validate(mock, bsns); // at the instant of delivery
    const codes = await codesFor(mock, bsns);
    expect(codes.size).toBe(bsns.length);
    let verwerkt = 0;
    for (const b of bsns) {
      const code = codes.get(b);
      expect(['Verwerkt', 'NietActiefOfGeabonneerd'], `${b}: ${code}`).toContain(code);
      if (code === 'Verwerkt') verwerkt++;
      if ((code === 'Verwerkt') !== answers.get(b))
        throw new Error(`${b}: intake ${code}, Validatieservice ${answers.get(b)}`);
    }
    // 0.9 × 0.95 = 0.855; 5 standard deviations of a binomial share over 3,000 (σ ≈ 0.0064).
    const p = 0.9 * 0.95;
    expect(Math.abs(verwerkt / bsns.length - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / bsns.length));
  });
});

describe('an own population from a file', () => {
  let mock: TestMock;
  let listed: string[];
  let outside: string[];
  beforeAll(async () => {
    const bsns = randomBsns(600, 77);
    listed = bsns.slice(0, 400);
    outside = bsns.slice(400);
    // Flags for the Belastingdienst: every 4th does not want its letters; UWV left to the seeded share.
    const rows = listed.map((b, i) => `${b},${i % 4 === 3 ? 0 : 1},`);
    const file = join(process.env.TMPDIR ?? '/tmp', `bbsim-pop-${process.pid}.csv`);
    writeFileSync(file, `bsn,${OIN},${UWV.oin}\n${rows.join('\n')}\n`);
    mock = await startTestMock({ population: { file } });
  });
  afterAll(async () => mock.close());

  it('answers from the file: listed BSNs by their flags, others have no box; intake and Validatieservice agree', async () => {
    const all = [...listed, ...outside];
    const answers = await validate(mock, all);
    const codes = await codesFor(mock, all);
    listed.forEach((b, i) => {
      const want = i % 4 !== 3;
      expect(codes.get(b), b).toBe(want ? 'Verwerkt' : 'NietActiefOfGeabonneerd');
      expect(answers.get(b), b).toBe(want);
    });
    for (const b of outside) {
      expect(codes.get(b), b).toBe('NietActiefOfGeabonneerd');
      expect(answers.get(b), b).toBe(false);
    }
    // The Abonnementservice's "alles" enumerates the file's subscribers.
    expect(mock.app.bbsim.population.allRecipients(OIN, mock.clock.now())).toEqual(
      listed.filter((_b, i) => i % 4 !== 3),
    );
  });

  it('a bad population file stops the mock at start with every problem named', async () => {
    const file = join(process.env.TMPDIR ?? '/tmp', `bbsim-badpop-${process.pid}.csv`);
    writeFileSync(file, '123456782\n123456789\n');
    await expect(startTestMock({ population: { file } })).rejects.toThrow(/line 2: '123456789' is not a valid BSN/);
  });
});
