import { hash2, hash32 } from '../src/random/index.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BSN_INDEX_COUNT,
  DEFAULT_MUTATION_CYCLE_DAYS,
  DEFAULT_MUTATION_RATE_PER_DAY,
  DEFAULT_POPULATION_SIZE,
  bsnCheckDigit,
  bsnCode,
  bsnFromIndex,
  bsnNumberFromIndex,
  createPopulation,
  formatBsn,
  isNineDigits,
  isValidBsn,
  parsePopulationFile,
  PopulationFileError,
} from '../src/population/index.ts';

const OIN_A = '00000001003214345000';
const OIN_B = '00000001005401014000';

/** Reference elfproef, written independently of the implementation. */
function elfproef(s: string): boolean {
  if (!/^\d{9}$/.test(s) || s === '000000000') return false;
  const d = [...s].map(Number);
  const sum = d.slice(0, 8).reduce((acc, x, i) => acc + (9 - i) * x, 0) - (d[8] ?? 0);
  return sum % 11 === 0;
}

describe('BSN elfproef', () => {
  it('accepts known valid BSNs', () => {
    for (const b of ['111222333', '123456782', '999999990']) {
      expect(isValidBsn(b), b).toBe(true);
      expect(bsnCode(b)).toBe(Number(b));
    }
  });
  it('rejects invalid BSNs: wrong check digit, all zeros, wrong length, non-digits', () => {
    for (const b of [
      '123456789',
      '111222334',
      '000000000',
      '12345678',
      '1234567820',
      '12345678a',
      ' 23456782',
      '',
      '１２３４５６７８２',
    ]) {
      expect(isValidBsn(b), b).toBe(false);
      expect(bsnCode(b)).toBe(-1);
    }
  });
  it('agrees with a reference implementation on arbitrary 9-digit strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (s) => isValidBsn(s) === elfproef(s)),
      { numRuns: 2000 },
    );
  });
  it('isNineDigits checks the format only', () => {
    expect(isNineDigits('123456789')).toBe(true);
    expect(isNineDigits('12345678')).toBe(false);
    expect(isNineDigits('12345678x')).toBe(false);
  });
  it('bsnCheckDigit completes a prefix or reports the impossible remainder 10', () => {
    expect(bsnCheckDigit('12345678')).toBe(2);
    expect(bsnCheckDigit('11122233')).toBe(3);
    // Some 8-digit prefixes admit no check digit (remainder 10); find one.
    let impossible: string | undefined;
    for (let p = 10_000_000; p < 10_000_100 && !impossible; p++)
      if (bsnCheckDigit(String(p)) === undefined) impossible = String(p);
    expect(impossible).toBeDefined();
    for (let d = 0; d <= 9; d++) expect(isValidBsn(`${impossible}${d}`)).toBe(false);
    expect(() => bsnCheckDigit('1234567')).toThrow(/8 digits/);
  });
});

describe('bsnFromIndex', () => {
  it('gives valid, distinct, deterministic BSNs and skips impossible check digits', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const b = bsnFromIndex(i);
      expect(isValidBsn(b), `${i} → ${b}`).toBe(true);
      seen.add(b);
    }
    expect(seen.size).toBe(20_000);
    expect(bsnFromIndex(12_345)).toBe(bsnFromIndex(12_345));
    expect(formatBsn(bsnNumberFromIndex(7))).toBe(bsnFromIndex(7));
  });
  it('covers the whole index space and refuses indices outside it', () => {
    expect(isValidBsn(bsnFromIndex(BSN_INDEX_COUNT - 1))).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BSN_INDEX_COUNT - 1 }), (i) => isValidBsn(bsnFromIndex(i))),
      { numRuns: 2000 },
    );
    expect(() => bsnFromIndex(-1)).toThrow(RangeError);
    expect(() => bsnFromIndex(BSN_INDEX_COUNT)).toThrow(RangeError);
    expect(() => bsnFromIndex(1.5)).toThrow(RangeError);
  });
});

describe('hashes', () => {
  it('are deterministic, seed-dependent and unsigned 32-bit', () => {
    expect(hash32('abc', 1)).toBe(hash32('abc', 1));
    expect(hash32('abc', 1)).not.toBe(hash32('abc', 2));
    expect(hash32('abc', 1)).not.toBe(hash32('abd', 1));
    expect(hash2(1, 2, 3)).toBe(hash2(1, 2, 3));
    expect(hash2(1, 2, 3)).not.toBe(hash2(2, 1, 3));
    for (const h of [hash32('x', -5), hash2(-1, -1, -1)]) {
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });
});

describe('createPopulation', () => {
  const pop = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });

  it('is deterministic per seed and differs between seeds', () => {
    const again = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });
    const other = createPopulation({ seed: 43, activeShare: 0.9, subscribedShare: 0.95 });
    const members = Array.from({ length: 2000 }, (_, i) => pop.bsn(i));
    expect(members).toEqual(Array.from({ length: 2000 }, (_, i) => again.bsn(i)));
    expect(members.map((b) => pop.wantsLettersFrom(b, OIN_A))).toEqual(
      members.map((b) => again.wantsLettersFrom(b, OIN_A)),
    );
    expect(pop.recipients(OIN_A, 50)).toEqual(again.recipients(OIN_A, 50));
    expect(members).not.toEqual(Array.from({ length: 2000 }, (_, i) => other.bsn(i)));
    const differ = members.filter((b) => pop.wantsLettersFrom(b, OIN_A) !== other.wantsLettersFrom(b, OIN_A)).length;
    expect(differ).toBeGreaterThan(0);
  });

  it('bsn(i) is a permutation: valid, distinct, in range', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const b = pop.bsn(i);
      expect(isValidBsn(b)).toBe(true);
      seen.add(b);
    }
    expect(seen.size).toBe(20_000);
    expect(isValidBsn(pop.bsn(pop.size - 1))).toBe(true);
    expect(() => pop.bsn(pop.size)).toThrow(RangeError);
    expect(() => pop.bsn(-1)).toThrow(RangeError);
  });

  it('draws shares within tolerance, independently per afnemer', () => {
    const n = 100_000;
    let active = 0,
      a = 0,
      b = 0,
      both = 0;
    for (let i = 0; i < n; i++) {
      const bsn = pop.bsn(i);
      if (pop.hasActiveBox(bsn)) active++;
      const wa = pop.wantsLettersFrom(bsn, OIN_A);
      const wb = pop.wantsLettersFrom(bsn, OIN_B);
      if (wa) a++;
      if (wb) b++;
      if (wa && wb) both++;
    }
    // ±1 % absolute is > 10 standard deviations at n = 100,000.
    expect(Math.abs(active / n - 0.9)).toBeLessThan(0.01);
    expect(Math.abs(a / n - 0.855)).toBeLessThan(0.01);
    expect(Math.abs(b / n - 0.855)).toBeLessThan(0.01);
    // Independent subscriptions: P(both) = 0.9 · 0.95².
    expect(Math.abs(both / n - 0.9 * 0.95 * 0.95)).toBeLessThan(0.01);
  });

  it('wants letters only with an active box, never for an invalid BSN', () => {
    for (let i = 0; i < 5000; i++) {
      const bsn = pop.bsn(i);
      if (pop.wantsLettersFrom(bsn, OIN_A)) expect(pop.hasActiveBox(bsn)).toBe(true);
    }
    for (const bad of ['123456789', '000000000', 'abc', '']) {
      expect(pop.hasActiveBox(bad)).toBe(false);
      expect(pop.wantsLettersFrom(bad, OIN_A)).toBe(false);
    }
  });

  it('shares 0 and 1 are exact', () => {
    const none = createPopulation({ seed: 1, activeShare: 0, subscribedShare: 1 });
    const all = createPopulation({ seed: 1, activeShare: 1, subscribedShare: 1 });
    for (let i = 0; i < 1000; i++) {
      expect(none.hasActiveBox(none.bsn(i))).toBe(false);
      expect(all.wantsLettersFrom(all.bsn(i), OIN_A)).toBe(true);
    }
    expect(() => none.recipients(OIN_A, 1)).toThrow(/no recipients/);
    expect(() => all.nonRecipients(OIN_A, 1)).toThrow(/no non-recipients/);
    expect(() => none.firstRecipientFrom(OIN_A, 0)).toThrow(/no recipients/);
    expect(none.recipients(OIN_A, 0)).toEqual([]);
  });

  it('recipients: n distinct BSNs that want the letters, paged by offset without overlap', () => {
    const first = pop.recipients(OIN_A, 3000);
    expect(first).toHaveLength(3000);
    expect(new Set(first).size).toBe(3000);
    for (const b of first) expect(pop.wantsLettersFrom(b, OIN_A)).toBe(true);
    // Paging, including across the internal checkpoints, and from a fresh population (no cache).
    expect(pop.recipients(OIN_A, 1000, 1000)).toEqual(first.slice(1000, 2000));
    expect(pop.recipients(OIN_A, 500, 2100)).toEqual(first.slice(2100, 2600));
    const fresh = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });
    expect(fresh.recipients(OIN_A, 10, 2990)).toEqual(first.slice(2990, 3000));
    expect(fresh.recipients(OIN_A, 5, 0)).toEqual(first.slice(0, 5));
    // They are the population's members in order.
    const inOrder: string[] = [];
    for (let i = 0; inOrder.length < 100; i++) if (pop.wantsLettersFrom(pop.bsn(i), OIN_A)) inOrder.push(pop.bsn(i));
    expect(first.slice(0, 100)).toEqual(inOrder);
  });

  it('nonRecipients: valid BSNs that do not want the letters', () => {
    const non = pop.nonRecipients(OIN_A, 500);
    expect(non).toHaveLength(500);
    expect(new Set(non).size).toBe(500);
    for (const b of non) {
      expect(isValidBsn(b)).toBe(true);
      expect(pop.wantsLettersFrom(b, OIN_A)).toBe(false);
    }
    expect(pop.nonRecipients(OIN_A, 100, 400)).toEqual(non.slice(400, 500));
  });

  it('firstRecipientFrom / firstNonRecipientFrom scan forward and wrap around', () => {
    for (const i of [0, 17, 123_456, pop.size - 1]) {
      expect(pop.wantsLettersFrom(pop.firstRecipientFrom(OIN_A, i), OIN_A)).toBe(true);
      expect(pop.wantsLettersFrom(pop.firstNonRecipientFrom(OIN_A, i), OIN_A)).toBe(false);
    }
    expect(pop.firstRecipientFrom(OIN_A, 5)).toBe(pop.firstRecipientFrom(OIN_A, 5));
  });

  it('rejects bad options and arguments', () => {
    expect(() => createPopulation({ seed: 1, activeShare: 1.1, subscribedShare: 0.5 })).toThrow(/activeShare/);
    expect(() => createPopulation({ seed: 1, activeShare: 0.5, subscribedShare: -0.1 })).toThrow(/subscribedShare/);
    expect(() => createPopulation({ seed: Number.NaN, activeShare: 0.5, subscribedShare: 0.5 })).toThrow(/seed/);
    expect(() => pop.recipients(OIN_A, -1)).toThrow(/non-negative/);
    expect(() => pop.recipients(OIN_A, 1, 0.5)).toThrow(/offset/);
  });

  it('is fast enough for the per-letter hot path', () => {
    const bsns = Array.from({ length: 20_000 }, (_, i) => pop.bsn(i));
    const t0 = performance.now();
    let hits = 0;
    for (let r = 0; r < 10; r++) for (const b of bsns) if (pop.wantsLettersFrom(b, OIN_A)) hits++;
    const perCallUs = ((performance.now() - t0) * 1000) / 200_000;
    expect(hits).toBeGreaterThan(0);
    // ~0.06 µs measured; 20,000 letters/s needs < 50 µs. A wide margin keeps this stable on slow CI.
    expect(perCallUs).toBeLessThan(5);
  });
});

describe('population members (bounded size)', () => {
  const pop = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });
  const small = createPopulation({ seed: 9, activeShare: 0.9, subscribedShare: 0.95, size: 1000 });

  it('has DEFAULT_POPULATION_SIZE members by default and validates the size', () => {
    expect(pop.size).toBe(DEFAULT_POPULATION_SIZE);
    expect(small.size).toBe(1000);
    expect(() => small.bsn(1000)).toThrow(RangeError);
    expect(isValidBsn(small.bsn(999))).toBe(true);
    for (const size of [0, -1, 1.5, BSN_INDEX_COUNT + 1, Number.NaN]) {
      expect(() => createPopulation({ seed: 1, activeShare: 0.5, subscribedShare: 0.5, size }), String(size)).toThrow(
        /size/,
      );
    }
    const full = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95, size: BSN_INDEX_COUNT });
    expect(full.bsn(12_345)).toBe(pop.bsn(12_345)); // the size cuts the same permutation
    expect(isValidBsn(full.bsn(BSN_INDEX_COUNT - 1))).toBe(true);
  });

  it('indexOf inverts bsn(i) and isMember agrees with enumeration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: pop.size - 1 }), (i) => pop.indexOf(pop.bsn(i)) === i),
      { numRuns: 3000 },
    );
    const full = createPopulation({ seed: 7, activeShare: 0.9, subscribedShare: 0.95, size: BSN_INDEX_COUNT });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BSN_INDEX_COUNT - 1 }), (i) => full.indexOf(full.bsn(i)) === i),
      { numRuns: 3000 },
    );
    const members = new Set(Array.from({ length: small.size }, (_, i) => small.bsn(i)));
    let found = 0;
    for (let j = 0; j < 200_000; j++) {
      const b = bsnFromIndex(j);
      const inSet = members.has(b);
      if (small.isMember(b) !== inSet) throw new Error(`isMember(${b}) disagrees with enumeration`);
      if (inSet) found++;
    }
    // 1000 members spread over ≈ 9e7 BSNs: a handful fall in the first 200,000 indices, usually none.
    expect(found).toBeLessThan(20);
    for (const b of members) expect(small.isMember(b)).toBe(true);
    for (const bad of ['123456789', '000000000', '12345678', 'abcdefghi', '']) {
      expect(small.isMember(bad)).toBe(false);
      expect(small.indexOf(bad)).toBe(-1);
    }
  });

  it("scope 'sample': a valid BSN that is not a member has no active box and wants no letters", () => {
    const small = createPopulation({ seed: 9, activeShare: 0.9, subscribedShare: 0.95, size: 1000, scope: 'sample' });
    let nonMembers = 0;
    for (let j = 0; j < 50_000 && nonMembers < 2000; j++) {
      const b = bsnFromIndex(j * 1789);
      if (small.isMember(b)) continue;
      nonMembers++;
      expect(small.hasActiveBox(b)).toBe(false);
      expect(small.wantsLettersFrom(b, OIN_A)).toBe(false);
      expect(small.wantsLettersFrom(b, OIN_A, Date.UTC(2026, 5, 1))).toBe(false);
    }
    expect(nonMembers).toBe(2000);
    // BSNs outside the index space (prefix 0000000, or the unused 10th completion) are never members.
    for (let n = 1; n < 100; n++) {
      const b = formatBsn(n);
      if (isValidBsn(b)) expect(small.isMember(b)).toBe(false);
    }
  });

  it('paging and scanning stay inside the members', () => {
    const r = small.recipients(OIN_A, 100);
    for (const b of r) expect(small.isMember(b)).toBe(true);
    expect(() => small.recipients(OIN_A, 1000)).toThrow(/exhausted/);
    expect(small.isMember(small.firstRecipientFrom(OIN_A, 123_456))).toBe(true);
    expect(small.isMember(small.firstNonRecipientFrom(OIN_A, small.size - 1))).toBe(true);
  });
});

describe('population mutations over sim time', () => {
  const DAY_MS = 86_400_000;
  const T = Date.UTC(2026, 10, 17, 9, 0, 0);
  const pop = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });

  it('exposes the effective rate and cycle; caps the rate so shares stay exact', () => {
    expect(pop.mutationRatePerDay).toBe(DEFAULT_MUTATION_RATE_PER_DAY);
    expect(pop.mutationCycleDays).toBe(DEFAULT_MUTATION_CYCLE_DAYS);
    const all = createPopulation({ seed: 1, activeShare: 1, subscribedShare: 1, mutationRatePerDay: 0.5 });
    expect(all.mutationRatePerDay).toBe(0);
    expect(all.mutationsBetween(OIN_A, 0, T)).toEqual([]);
    for (let i = 0; i < 500; i++) expect(all.wantsLettersFrom(all.bsn(i), OIN_A, T + i * DAY_MS)).toBe(true);
    const capped = createPopulation({
      seed: 1,
      activeShare: 0.9,
      subscribedShare: 0.95,
      mutationRatePerDay: 1,
      mutationCycleDays: 10,
    });
    expect(capped.mutationRatePerDay).toBeCloseTo((4 * 0.05) / 10, 12);
    expect(() =>
      createPopulation({ seed: 1, activeShare: 0.9, subscribedShare: 0.9, mutationRatePerDay: -0.1 }),
    ).toThrow(/mutationRatePerDay/);
    expect(() => createPopulation({ seed: 1, activeShare: 0.9, subscribedShare: 0.9, mutationCycleDays: 0 })).toThrow(
      /mutationCycleDays/,
    );
  });

  it('without a time, wantsLettersFrom is the base state; with one, only a small share differs', () => {
    const n = 100_000;
    for (const t of [T, T + 3 * DAY_MS, T + 200 * DAY_MS, Date.UTC(2031, 0, 1)]) {
      let wantsBase = 0,
        wantsAt = 0,
        differ = 0;
      for (let i = 0; i < n; i++) {
        const b = pop.bsn(i);
        const base = pop.wantsLettersFrom(b, OIN_A);
        const at = pop.wantsLettersFrom(b, OIN_A, t);
        if (base) wantsBase++;
        if (at) wantsAt++;
        if (base !== at) differ++;
        if (at && !pop.hasActiveBox(b)) throw new Error(`${b} wants letters at ${t} without an active box`);
      }
      // The share of recipients is the configured one at every instant (balanced toggling) …
      expect(Math.abs(wantsAt / n - 0.855)).toBeLessThan(0.01);
      expect(Math.abs(wantsAt - wantsBase) / n).toBeLessThan(0.003);
      // … and about activeShare · rate · cycle / 4 (= 0.63 %) of the pairs differ from their base state.
      expect(differ / n).toBeGreaterThan(0.004);
      expect(differ / n).toBeLessThan(0.009);
    }
  });

  it('is deterministic per seed and OIN', () => {
    const again = createPopulation({ seed: 42, activeShare: 0.9, subscribedShare: 0.95 });
    const other = createPopulation({ seed: 43, activeShare: 0.9, subscribedShare: 0.95 });
    const m = pop.mutationsBetween(OIN_A, T, T + 7 * DAY_MS);
    expect(m.length).toBeGreaterThan(0);
    expect(again.mutationsBetween(OIN_A, T, T + 7 * DAY_MS)).toEqual(m);
    expect(pop.mutationsBetween(OIN_A, T, T + 7 * DAY_MS)).toEqual(m); // cached pass gives the same
    expect(other.mutationsBetween(OIN_A, T, T + 7 * DAY_MS)).not.toEqual(m);
    const b = new Set(pop.mutationsBetween(OIN_B, T, T + 7 * DAY_MS).map((x) => x.bsn));
    const overlap = m.filter((x) => b.has(x.bsn)).length;
    expect(overlap).toBeLessThan(m.length / 10); // independent per afnemer
  });

  it('changes about activeShare · rate of the pairs per day', () => {
    // 200,000 members · 0.9 active · 0.1 % per day = 180 per day; a pair changes at most once per 14 days.
    const days = 10;
    const m = pop.mutationsBetween(OIN_A, T, T + days * DAY_MS);
    const expected = pop.size * 0.9 * DEFAULT_MUTATION_RATE_PER_DAY * days;
    expect(Math.abs(m.length - expected) / expected).toBeLessThan(0.1);
    // Both directions happen, in balance.
    const on = m.filter((x) => x.active).length;
    expect(on / m.length).toBeGreaterThan(0.4);
    expect(on / m.length).toBeLessThan(0.6);
    // Per day the counts add up (intervals are half-open: (since, until]).
    let sum = 0;
    for (let d = 0; d < days; d++) sum += pop.mutationsBetween(OIN_A, T + d * DAY_MS, T + (d + 1) * DAY_MS).length;
    expect(sum).toBe(m.length);
    expect(pop.mutationsBetween(OIN_A, T, T)).toEqual([]);
  });

  it('agrees with wantsLettersFrom at every instant', () => {
    const p = createPopulation({
      seed: 5,
      activeShare: 0.8,
      subscribedShare: 0.7,
      size: 20_000,
      mutationRatePerDay: 0.01,
      mutationCycleDays: 10,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 * DAY_MS }),
        fc.integer({ min: 1, max: 30 * DAY_MS }),
        (offset, span) => {
          const since = T + offset;
          const until = since + span;
          const changed = new Map(p.mutationsBetween(OIN_B, since, until).map((x) => [x.bsn, x]));
          for (let i = 0; i < p.size; i++) {
            const b = p.bsn(i);
            const before = p.wantsLettersFrom(b, OIN_B, since);
            const after = p.wantsLettersFrom(b, OIN_B, until);
            const c = changed.get(b);
            if (!c) {
              if (before !== after) return false; // a change not reported
              continue;
            }
            if (c.active !== after) return false; // wrong state reported
            if (!(c.at > since && c.at <= until)) return false;
            if (p.wantsLettersFrom(b, OIN_B, c.at) !== after) return false;
            if (p.wantsLettersFrom(b, OIN_B, c.at - 1) === after) return false; // it did change at `at`
            if (!p.hasActiveBox(b)) return false;
          }
          return true;
        },
      ),
      { numRuns: 12 },
    );
  });

  it('allRecipients enumerates exactly the members that want the letters at t', () => {
    const p = createPopulation({ seed: 11, activeShare: 0.9, subscribedShare: 0.95, size: 30_000 });
    for (const t of [undefined, T, T + 5 * DAY_MS]) {
      const all = p.allRecipients(OIN_A, t);
      const expected: string[] = [];
      for (let i = 0; i < p.size; i++) if (p.wantsLettersFrom(p.bsn(i), OIN_A, t)) expected.push(p.bsn(i));
      expect(all).toEqual(expected);
    }
    expect(p.allRecipients(OIN_A).slice(0, 50)).toEqual(p.recipients(OIN_A, 50));
    const none = createPopulation({ seed: 1, activeShare: 0, subscribedShare: 1, size: 100 });
    expect(none.allRecipients(OIN_A, T)).toEqual([]);
  });

  it('firstRecipientFrom / firstNonRecipientFrom honour the time', () => {
    for (const i of [0, 999, 150_000]) {
      const t = T + i;
      expect(pop.wantsLettersFrom(pop.firstRecipientFrom(OIN_A, i, t), OIN_A, t)).toBe(true);
      expect(pop.wantsLettersFrom(pop.firstNonRecipientFrom(OIN_A, i, t), OIN_A, t)).toBe(false);
    }
  });

  it('rejects bad instants', () => {
    expect(() => pop.mutationsBetween(OIN_A, T, T - 1)).toThrow(/before/);
    expect(() => pop.mutationsBetween(OIN_A, Number.NaN, T)).toThrow(/since/);
    expect(() => pop.mutationsBetween(OIN_A, T, Number.POSITIVE_INFINITY)).toThrow(/until/);
    expect(() => pop.allRecipients(OIN_A, Number.NaN)).toThrow(/at/);
  });

  it('time-aware and membership lookups stay fast enough for the per-letter hot path', () => {
    const bsns = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? pop.bsn(i) : bsnFromIndex(i * 4447)));
    const t0 = performance.now();
    let hits = 0;
    for (let r = 0; r < 10; r++) for (const b of bsns) if (pop.wantsLettersFrom(b, OIN_A, T + r)) hits++;
    const perCallUs = ((performance.now() - t0) * 1000) / 200_000;
    expect(hits).toBeGreaterThan(0);
    expect(perCallUs).toBeLessThan(5);
  });
});

/** A random valid BSN drawn without the population (uniform over the 9-digit numbers passing the elfproef). */
function randomValidBsn(rnd: () => number): string {
  for (;;) {
    const prefix = String(Math.floor(rnd() * 1e8)).padStart(8, '0');
    const check = bsnCheckDigit(prefix);
    if (check !== undefined && prefix !== '00000000') return `${prefix}${check}`;
  }
}

/** mulberry32: a small seeded PRNG independent of the population's hashes. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("population for any BSN (scope 'any-bsn', the default)", () => {
  const pop = createPopulation({ seed: 5, activeShare: 0.9, subscribedShare: 0.95, size: 1000 });

  it('random valid BSNs outside the sample have a box and want letters at the configured shares', () => {
    expect(pop.scope).toBe('any-bsn');
    const rnd = mulberry32(20261206);
    const n = 20_000;
    let active = 0;
    let wants = 0;
    let members = 0;
    for (let k = 0; k < n; k++) {
      const b = randomValidBsn(rnd);
      if (pop.isMember(b)) members++;
      if (pop.hasActiveBox(b)) active++;
      if (pop.wantsLettersFrom(b, OIN_A, Date.UTC(2027, 2, 1))) wants++;
    }
    expect(members).toBeLessThan(5); // 1,000 sampled out of ≈ 9e7: practically none of them
    // Binomial bounds at 5 standard deviations: p = 0.9 (σ ≈ 0.0021) and p = 0.855 (σ ≈ 0.0025).
    expect(Math.abs(active / n - 0.9)).toBeLessThan(5 * Math.sqrt((0.9 * 0.1) / n));
    expect(Math.abs(wants / n - 0.855)).toBeLessThan(5 * Math.sqrt((0.855 * 0.145) / n));
  });

  it('the enumerable sample is a subset of the same rule', () => {
    const sample = createPopulation({ seed: 5, activeShare: 0.9, subscribedShare: 0.95, size: 1000, scope: 'sample' });
    for (let i = 0; i < pop.size; i++) {
      const b = pop.bsn(i);
      expect(b).toBe(sample.bsn(i));
      if (
        pop.wantsLettersFrom(b, OIN_B, Date.UTC(2027, 2, 1)) !== sample.wantsLettersFrom(b, OIN_B, Date.UTC(2027, 2, 1))
      )
        throw new Error(`${b} differs`);
    }
    const all = new Set(pop.allRecipients(OIN_A));
    for (let i = 0; i < pop.size; i++)
      if (all.has(pop.bsn(i)) !== pop.wantsLettersFrom(pop.bsn(i), OIN_A))
        throw new Error(`allRecipients disagrees on ${pop.bsn(i)}`);
  });

  it('BSNs outside the index space can have a box too, invalid ones never', () => {
    let active = 0;
    let tried = 0;
    for (let n = 1; n < 20_000; n++) {
      const b = formatBsn(n); // prefix 0000000: outside the sample's index space
      if (!isValidBsn(b)) continue;
      tried++;
      if (pop.hasActiveBox(b)) active++;
    }
    expect(active / tried).toBeGreaterThan(0.8);
    for (const bad of ['123456789', '000000000', '12345678', '']) expect(pop.hasActiveBox(bad)).toBe(false);
  });

  it('rejects an unknown scope', () => {
    expect(() =>
      createPopulation({ seed: 1, activeShare: 0.5, subscribedShare: 0.5, scope: 'everyone' as never }),
    ).toThrow(/scope/);
  });
});

describe('own population from a file', () => {
  it('plain list: listed BSNs have a box, others none; subscriptions by the seeded share', () => {
    const bsns = Array.from({ length: 4000 }, (_, i) => bsnFromIndex(i * 13 + 5));
    const listed = parsePopulationFile(`# my list\n${bsns.join('\n')}\n\n`);
    const pop = createPopulation({ seed: 3, activeShare: 0.1, subscribedShare: 0.8, listed, mutationRatePerDay: 0 });
    expect(pop.scope).toBe('listed');
    expect(pop.size).toBe(4000);
    expect(pop.bsn(0)).toBe(bsns[0]);
    expect(pop.indexOf(bsns[17]!)).toBe(17);
    for (const b of bsns) expect(pop.hasActiveBox(b)).toBe(true); // activeShare does not apply
    expect(pop.hasActiveBox(bsnFromIndex(1))).toBe(false);
    const share = bsns.filter((b) => pop.wantsLettersFrom(b, OIN_A)).length / bsns.length;
    expect(Math.abs(share - 0.8)).toBeLessThan(5 * Math.sqrt((0.8 * 0.2) / 4000));
    expect(pop.allRecipients(OIN_A).length).toBe(Math.round(share * 4000));
  });

  it('per-afnemer flags decide their pairs and never mutate; empty cells follow the share', () => {
    const [a, b, c] = [bsnFromIndex(10), bsnFromIndex(20), bsnFromIndex(30)];
    const listed = parsePopulationFile(`bsn;${OIN_A};${OIN_B}\r\n${a};1;0\r\n${b};nee;\r\n${c};ja;1\r\n`);
    const pop = createPopulation({ seed: 3, activeShare: 0.9, subscribedShare: 0.5, listed, mutationRatePerDay: 0.05 });
    for (const t of [undefined, Date.UTC(2027, 0, 1), Date.UTC(2027, 5, 1), Date.UTC(2028, 0, 1)]) {
      expect(pop.wantsLettersFrom(a!, OIN_A, t)).toBe(true);
      expect(pop.wantsLettersFrom(a!, OIN_B, t)).toBe(false);
      expect(pop.wantsLettersFrom(b!, OIN_A, t)).toBe(false);
      expect(pop.wantsLettersFrom(c!, OIN_B, t)).toBe(true);
    }
    expect(pop.allRecipients(OIN_A)).toEqual([a, c]);
    expect(pop.mutationsBetween(OIN_A, Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1))).toEqual([]);
  });

  it('reports every bad line at once', () => {
    let err: unknown;
    try {
      parsePopulationFile(`bsn,${OIN_A},123\n123456789,1\n111222333,2\n111222333,1\n999999990,1,0,1\n`, 'mine.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PopulationFileError);
    const problems = (err as PopulationFileError).problems;
    expect(problems).toEqual([
      "line 1, column 3: '123' is not an OIN (20 digits)",
      "line 2: '123456789' is not a valid BSN (9 digits passing the elfproef)",
      "line 3, column 2: '2' is not a flag (1/0, ja/nee, true/false, yes/no, or empty)",
      'line 4: BSN 111222333 is already listed on line 3',
      "line 5: 3 flags but the header names 2 afnemers (a header 'bsn,<OIN>,…' names them)",
    ]);
    expect((err as Error).message).toMatch(/^mine\.csv: 5 problems/);
    expect(() => parsePopulationFile('# nothing\n')).toThrow(/lists no BSN/);
  });
});
