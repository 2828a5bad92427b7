/**
 * A synthetic population of burgers, computed rather than stored: whether a BSN has an active
 * Berichtenbox and whether it wants a given afnemer's letters are seeded hashes of the BSN, so the
 * mock, the load generator and the tests agree on the same people without sharing a table, and a
 * lookup costs two 32-bit hashes (it runs once per letter).
 *
 * Scope (`scope`). By default (`'any-bsn'`) EVERY valid BSN can have a box: whether it has one and
 * whether it wants an afnemer's letters are the same seeded hashes for any valid BSN, so an afnemer
 * that brings its own recipient list (or asks the Validatieservice about it first) sees the
 * configured shares. What must be enumerable (the Abonnementservice's "alles" and mutatiebasis, the
 * DigiD test users, the load generators' recipients) enumerates the SAMPLE: `bsn(0) … bsn(size-1)`,
 * a seeded permutation of the valid BSNs cut off at `size`. The sample is a subset of the same rule
 * (a sampled BSN answers exactly as it would outside the sample), so "alles" lists the sample's
 * subscribers, not all ≈ 77 million a rule over 90 million BSNs would give; a caller that wants those
 * asks per BSN (bsn-lijst, Validatieservice). With `scope: 'sample'` only sample members have a box
 * (the behaviour before any-BSN: valid BSNs outside the sample have none). Sample membership is
 * cheap: the permutation is invertible (see `makePermutation`), so `isMember` is an inverse
 * permutation, not a search.
 *
 * Own population (`listed`, from a file: see `parsePopulationFile`). The members are the listed BSNs
 * in file order, each with an active box; a valid BSN not listed has none. Per (BSN, afnemer) the
 * file may give the subscription; pairs it leaves open follow the seeded `subscribedShare` and its
 * mutations; given pairs never change.
 *
 * Mutations over sim time. Whether a member has an active box does not change. Its preference for an
 * afnemer ("wants this afnemer's letters") does: a share of the (member, afnemer) pairs toggles
 * periodically, so the state of a pair at sim instant t is
 *
 *     wants(t) = member ∧ active ∧ (base XOR flipped(t))
 *
 * where `base` is the state any caller that passes no time sees. The participating pairs and their
 * phase come from the SAME hash that decides `base` (its residual bits), so a time-aware lookup costs
 * no extra hash. A participating pair with phase m (sim ms) is flipped during [m + 2kD, m + (2k+1)D)
 * for every integer k, with D = cycle/2: one change every D, on a fixed seeded schedule with no start
 * or end (any sim date has mutations). Participation is balanced between the two base states
 * (share q_s of the subscribed, q_u of the not-subscribed pairs with s·q_s = (1−s)·q_u), so at every
 * instant the expected share of subscribed pairs is exactly `subscribedShare`, and at most
 * rate·cycle/4 of the pairs differ from their base state at any instant. The expected share of pairs
 * whose preference changes per sim day is `mutationRatePerDay` (for members with an active box each
 * change is a change of state); it is capped at 4·min(s, 1−s)/cycleDays, so 0 when subscribedShare is
 * 0 or 1 (shares stay exact).
 */
import { hash2, hash32 } from '../random/index.ts';
import { BSN_INDEX_COUNT, bsnCode, bsnNumberFromIndex, formatBsn } from './bsn.ts';
import { readPopulationFile, type ListedPopulation } from './population-file.ts';

/** Default number of members: big enough for the load generators (≥ 100,000 recipients per afnemer at the default shares), small enough to enumerate in tens of milliseconds. */
export const DEFAULT_POPULATION_SIZE = 200_000;
/** Default share of (member, afnemer) preferences that change per sim day (0.1 %). */
export const DEFAULT_MUTATION_RATE_PER_DAY = 0.001;
/** Default period of a toggling preference, in sim days (on for half of it, off for the other half). */
export const DEFAULT_MUTATION_CYCLE_DAYS = 28;

/** Who can have a box: any valid BSN (the sample is what enumerations list), or only the sample. See the module comment. */
export const POPULATION_SCOPES = ['any-bsn', 'sample'] as const;
export type PopulationScope = (typeof POPULATION_SCOPES)[number];

const DAY_MS = 86_400_000;

export interface PopulationOptions {
  /** Any integer; the same seed gives the same population. */
  readonly seed: number;
  /** Share (0..1) of members with an active Berichtenbox. */
  readonly activeShare: number;
  /** Share (0..1) of active boxes that want a given afnemer's letters (drawn independently per afnemer). */
  readonly subscribedShare: number;
  /** Number of members, 1..BSN_INDEX_COUNT (default DEFAULT_POPULATION_SIZE). Enumerations are O(size). */
  readonly size?: number;
  /** Expected share (0..1) of (member, afnemer) preferences that change per sim day (default 0.1 %); capped, see the module comment. */
  readonly mutationRatePerDay?: number;
  /** Period of a toggling preference in sim days (> 0, default 28). */
  readonly mutationCycleDays?: number;
  /** Who can have a box (default 'any-bsn'); ignored with `listed`/`file`. */
  readonly scope?: PopulationScope;
  /** An own population (its BSNs and optional subscription flags); `size` and `activeShare` are then ignored. */
  readonly listed?: ListedPopulation;
  /** A population file to read into `listed` (see `parsePopulationFile`). */
  readonly file?: string | undefined;
}

/** A member whose state for an afnemer changed in an interval. */
export interface PreferenceMutation {
  readonly bsn: string;
  /** Its state at the end of the interval: true = active box and wants the afnemer's letters. */
  readonly active: boolean;
  /** Sim instant (epoch ms) of its last change in the interval. */
  readonly at: number;
}

export interface Population {
  readonly seed: number;
  readonly activeShare: number;
  readonly subscribedShare: number;
  /** Number of members; `bsn(i)` is defined for 0 ≤ i < size. */
  readonly size: number;
  /** The effective mutation rate (the requested one, capped; see the module comment). */
  readonly mutationRatePerDay: number;
  readonly mutationCycleDays: number;
  /** 'any-bsn', 'sample' or 'listed' (an own population). */
  readonly scope: PopulationScope | 'listed';
  /** A valid BSN among bsn(0..size-1) (the enumerable sample, or the listed BSNs). O(1). */
  isMember(bsn: string): boolean;
  /** The member index of a BSN (`bsn(indexOf(b)) === b`), or -1 when it is not a member. O(1). */
  indexOf(bsn: string): number;
  /** Has an active box (does not change over time). Invalid BSN, or (scope 'sample' / listed) not a member → false. */
  hasActiveBox(bsn: string): boolean;
  /**
   * Has an active box AND wants this afnemer's (OIN's) letters: at sim instant `at` (epoch ms) when
   * given, else in the base state. Invalid BSN, or (scope 'sample' / listed) not a member → false.
   * Costs two hashes either way.
   */
  wantsLettersFrom(bsn: string, oin: string, at?: number): boolean;
  /** The i-th member: a seeded permutation of the valid BSNs (distinct i → distinct BSN). */
  bsn(i: number): string;
  /**
   * n members that want `oin`'s letters (base state), in population order, skipping the first `offset`
   * such members; so `recipients(oin, n, k*n)` pages through them without overlap. Sequential paging is
   * amortised O(n) (positions are checkpointed).
   */
  recipients(oin: string, n: number, offset?: number): string[];
  /** Like `recipients` but members that do NOT want `oin`'s letters (no active box or not subscribed). */
  nonRecipients(oin: string, n: number, offset?: number): string[];
  /** Every member that wants `oin`'s letters at `at` (base state when absent), in population order. O(size). */
  allRecipients(oin: string, at?: number): string[];
  /** The first member at or after index `index` (mod size, wrapping) that wants `oin`'s letters (at `at` when given); O(1) expected. */
  firstRecipientFrom(oin: string, index: number, at?: number): string;
  /** The first member at or after index `index` (mod size, wrapping) that does not want `oin`'s letters. */
  firstNonRecipientFrom(oin: string, index: number, at?: number): string;
  /**
   * Members whose state for `oin` changed in (since, until] (sim epoch ms), in population order, each
   * with its state at `until` and the instant of its last change. A member that changed twice is listed
   * with its (unchanged) state. Members without an active box never change. O(changing pairs) after a
   * first O(size) pass per OIN.
   */
  mutationsBetween(oin: string, since: number, until: number): PreferenceMutation[];
}

// ---------------------------------------------------------------------------------------------

/** Folds any safe integer (or other number) into 32 bits. */
function seed32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`population seed must be a finite number, got ${seed}`);
  const t = Math.trunc(seed);
  const lo = t >>> 0;
  const hi = Math.floor(t / 0x1_0000_0000) >>> 0;
  return hash2(lo, hi, 0x5eed5eed);
}

const TWO32 = 0x1_0000_0000;
const SALT_ACTIVE = 0x41435456; // 'ACTV'
const SALT_PERMUTE = 0x5045524d; // 'PERM'
const SALT_SUBSCRIBE = 0x53554253; // 'SUBS'

// ---------------------------------------------------------------------------------------------
// BSN index space (see bsn.ts): index = (prefix − 1)·9 + k, k = rank of d8 among the valid completions.
// ---------------------------------------------------------------------------------------------

const COMPLETIONS_PER_PREFIX = 9;

/** The index i with bsnNumberFromIndex(i) === code, or -1 when the BSN is outside the index space. `code` must pass the elfproef. */
function indexOfCode(code: number): number {
  const prefix = Math.floor(code / 100);
  if (prefix < 1) return -1;
  const d8 = Math.floor(code / 10) % 10;
  let s7 = 0;
  let p = prefix;
  for (let w = 3; w <= 9; w++) {
    s7 += w * (p % 10);
    p = Math.floor(p / 10);
  }
  let k = 0;
  for (let d = 0; d < d8; d++) if ((s7 + 2 * d) % 11 !== 10) k++;
  if (k >= COMPLETIONS_PER_PREFIX) return -1; // the 10th valid completion is not used
  return (prefix - 1) * COMPLETIONS_PER_PREFIX + k;
}

// ---------------------------------------------------------------------------------------------
// A seeded bijection on 0..BSN_INDEX_COUNT-1: invertible mixing on 27 bits, cycle-walking into range.
// ---------------------------------------------------------------------------------------------

const PERM_BITS = 27; // 2^27 = 134,217,728 ≥ BSN_INDEX_COUNT (≈ 9.0e7), so ≈ 1.5 steps per lookup
const PERM_MASK = (1 << PERM_BITS) - 1;
if (BSN_INDEX_COUNT > PERM_MASK + 1) throw new Error('permutation domain too small for the BSN index space');

const MULTIPLIERS = [0x2c1b3c6d, 0x297a2d39, 0x1f123bb5, 0x5f356495] as const;
const SHIFTS = [13, 11, 14, 12] as const;

/** The inverse of an odd number modulo 2^32 (Newton's iteration; also the inverse modulo 2^27). */
function inverseOdd(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
}

/** Inverse of x ^= x >>> s on PERM_BITS bits. */
function unXorShift(y: number, s: number): number {
  let x = y;
  for (let k = s; k < PERM_BITS; k += s) x = y ^ (x >>> s);
  return x;
}

interface Permutation {
  readonly forward: (i: number) => number;
  readonly inverse: (j: number) => number;
}

function makePermutation(seed: number): Permutation {
  const keys = [0, 1, 2, 3].map((r) => hash2(seed, r, SALT_PERMUTE) & PERM_MASK);
  const [k0 = 0, k1 = 0, k2 = 0, k3 = 0] = keys;
  const [m0, m1, m2, m3] = MULTIPLIERS;
  const [s0, s1, s2, s3] = SHIFTS;
  const i0 = inverseOdd(m0);
  const i1 = inverseOdd(m1);
  const i2 = inverseOdd(m2);
  const i3 = inverseOdd(m3);
  // Each step (xor key, multiply by odd mod 2^27, xorshift right) is invertible on 27 bits.
  const step = (x: number): number => {
    x = Math.imul(x ^ k0, m0) & PERM_MASK;
    x ^= x >>> s0;
    x = Math.imul(x ^ k1, m1) & PERM_MASK;
    x ^= x >>> s1;
    x = Math.imul(x ^ k2, m2) & PERM_MASK;
    x ^= x >>> s2;
    x = Math.imul(x ^ k3, m3) & PERM_MASK;
    x ^= x >>> s3;
    return x;
  };
  const unstep = (y: number): number => {
    y = (Math.imul(unXorShift(y, s3), i3) & PERM_MASK) ^ k3;
    y = (Math.imul(unXorShift(y, s2), i2) & PERM_MASK) ^ k2;
    y = (Math.imul(unXorShift(y, s1), i1) & PERM_MASK) ^ k1;
    y = (Math.imul(unXorShift(y, s0), i0) & PERM_MASK) ^ k0;
    return y;
  };
  return {
    forward: (i: number): number => {
      let x = step(i);
      while (x >= BSN_INDEX_COUNT) x = step(x); // cycle-walking keeps it a bijection on the range
      return x;
    },
    inverse: (j: number): number => {
      let x = unstep(j);
      while (x >= BSN_INDEX_COUNT) x = unstep(x); // walks the same cycle backwards
      return x;
    },
  };
}

// ---------------------------------------------------------------------------------------------

function checkShare(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new RangeError(`population ${name} must be a number in 0..1, got ${v}`);
  return v;
}

function checkCount(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

function checkInstant(name: string, v: number): number {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite sim instant (epoch ms), got ${v}`);
  return v;
}

/** Positions of every CHUNK-th match, so paging with an offset need not rescan from 0. */
const CHUNK = 1024;

interface Cursor {
  /** checkpoints[k] = population index of the match with ordinal k·CHUNK. */
  readonly checkpoints: number[];
}

/** The pairs of one afnemer whose state changes over time: members with an active box whose preference toggles. */
interface Togglers {
  readonly index: Int32Array;
  /** Phase m (sim ms): flipped during [m + 2kD, m + (2k+1)D). */
  readonly phase: Float64Array;
  /** 1 when the base state is "wants the letters". */
  readonly base: Uint8Array;
}

/** Most OINs whose togglers are kept (they are rebuilt when evicted). */
const MAX_TOGGLER_CACHE = 64;

export function createPopulation(opts: PopulationOptions): Population {
  const activeShare = checkShare('activeShare', opts.activeShare);
  const subscribedShare = checkShare('subscribedShare', opts.subscribedShare);
  const listed = opts.listed ?? (opts.file !== undefined ? readPopulationFile(opts.file) : undefined);
  const scope = listed ? 'listed' : (opts.scope ?? 'any-bsn');
  if (!listed && !POPULATION_SCOPES.includes(scope as PopulationScope))
    throw new RangeError(`population scope must be one of ${POPULATION_SCOPES.join(', ')}, got '${String(scope)}'`);
  const size = listed ? listed.bsns.length : (opts.size ?? DEFAULT_POPULATION_SIZE);
  if (!Number.isInteger(size) || size < 1 || size > BSN_INDEX_COUNT) {
    throw new RangeError(
      listed
        ? 'a population file must list at least one BSN'
        : `population size must be an integer in 1..${BSN_INDEX_COUNT}, got ${size}`,
    );
  }
  const requestedRate = checkShare('mutationRatePerDay', opts.mutationRatePerDay ?? DEFAULT_MUTATION_RATE_PER_DAY);
  const cycleDays = opts.mutationCycleDays ?? DEFAULT_MUTATION_CYCLE_DAYS;
  if (!Number.isFinite(cycleDays) || cycleDays <= 0)
    throw new RangeError(`population mutationCycleDays must be a number > 0, got ${cycleDays}`);
  const mutationRatePerDay = Math.min(requestedRate, (4 * Math.min(subscribedShare, 1 - subscribedShare)) / cycleDays);
  const cycleMs = cycleDays * DAY_MS;
  const halfCycleMs = cycleMs / 2;

  const s = seed32(opts.seed);
  const activeSeed = hash2(s, SALT_ACTIVE, 0);
  const subscribeSeed = activeSeed ^ SALT_SUBSCRIBE;
  // A hash h (uniform on 0..2^32-1) "hits" a share when h < share·2^32; share 1 always hits, 0 never.
  const activeThreshold = listed ? TWO32 : activeShare * TWO32;
  const subscribedThreshold = subscribedShare * TWO32;
  // Toggling pairs: h < P (base subscribed) or S ≤ h < S + P (base not subscribed), with
  // P = rate·cycleDays/4 · 2^32, so that s·q_s = (1−s)·q_u = P/2^32 (see the module comment).
  const toggleWidth = ((mutationRatePerDay * cycleDays) / 4) * TWO32;
  const perm = makePermutation(s);
  const oinSalts = new Map<string, number>();
  const cursors = new Map<string, Cursor>();
  const togglerCache = new Map<string, Togglers>();

  const oinSalt = (oin: string): number => {
    let salt = oinSalts.get(oin);
    if (salt === undefined) {
      salt = hash32(oin, s);
      oinSalts.set(oin, salt);
    }
    return salt;
  };

  const pairHash = (code: number, salt: number): number => hash2(code, salt, subscribeSeed);
  // An own population: members in file order, each with an active box.
  const listedCodes = listed ? Int32Array.from(listed.bsns, (b) => bsnCode(b)) : undefined;
  const listedIndex = listedCodes ? new Map<number, number>(Array.from(listedCodes, (c, i) => [c, i])) : undefined;
  const listedFlags = listed?.flags;
  const activeCode = listed
    ? (): boolean => true
    : (code: number): boolean => hash2(code, 0, activeSeed) < activeThreshold;

  /** The phase of a toggling pair, or -1 when the pair's preference never changes. */
  const phaseOf = (h: number): number => {
    if (toggleWidth <= 0) return -1;
    let v: number;
    if (h < subscribedThreshold) {
      if (h >= toggleWidth) return -1;
      v = h;
    } else {
      v = h - subscribedThreshold;
      if (v >= toggleWidth) return -1;
    }
    return Math.floor((v / toggleWidth) * cycleMs);
  };

  /** Whether a toggling pair with phase m is flipped at t. */
  const flippedAt = (m: number, t: number): boolean => Math.floor((t - m) / halfCycleMs) % 2 === 0;

  /** Preference of a pair: base, or at `at` when given. */
  const subscribedAt = (h: number, at: number | undefined): boolean => {
    const base = h < subscribedThreshold;
    if (at === undefined) return base;
    const m = phaseOf(h);
    return m < 0 ? base : base !== flippedAt(m, at);
  };

  /** The file's flag for (member index, OIN): 1 wants, 0 does not, -1 (or none) left to the seeded share. */
  const flagOf = (oin: string, code: number): number => {
    const f = listedFlags?.get(oin);
    if (!f) return -1;
    return f[listedIndex?.get(code) ?? -1] ?? -1;
  };

  const wantsCode = (code: number, salt: number, oin: string, at?: number): boolean => {
    if (!activeCode(code)) return false;
    const flag = listedFlags ? flagOf(oin, code) : -1;
    return flag >= 0 ? flag === 1 : subscribedAt(pairHash(code, salt), at);
  };

  const codeAt = listedCodes
    ? (i: number): number => listedCodes[i] ?? -1
    : (i: number): number => bsnNumberFromIndex(perm.forward(i));

  /** Member index of a BSN number (elfproef passed), or -1. */
  const memberIndexOfCode = (code: number): number => {
    if (listedIndex) return listedIndex.get(code) ?? -1;
    const j = indexOfCode(code);
    if (j < 0) return -1;
    const i = perm.inverse(j);
    return i < size ? i : -1;
  };

  const memberCode = (b: string): number => {
    const code = bsnCode(b);
    return code >= 0 && memberIndexOfCode(code) >= 0 ? code : -1;
  };

  /** The BSN as a number when it can have a box in this scope (any valid BSN, or a member), else -1. */
  const scopedCode = scope === 'any-bsn' ? bsnCode : memberCode;

  const bsn = (i: number): string => {
    if (!Number.isInteger(i) || i < 0 || i >= size) {
      throw new RangeError(`population index must be an integer in 0..${size - 1}, got ${i}`);
    }
    return formatBsn(codeAt(i));
  };

  const assertPossible = (oin: string, want: boolean): void => {
    if (want && (activeThreshold === 0 || (subscribedThreshold === 0 && toggleWidth === 0))) {
      throw new RangeError(
        `population has no recipients for ${oin} (activeShare ${activeShare}, subscribedShare ${subscribedShare})`,
      );
    }
    if (!want && activeThreshold >= TWO32 && subscribedThreshold >= TWO32 && toggleWidth === 0) {
      throw new RangeError(`population has no non-recipients for ${oin} (activeShare and subscribedShare are both 1)`);
    }
  };

  const page = (oin: string, want: boolean, n: number, offset: number): string[] => {
    checkCount('n', n);
    checkCount('offset', offset);
    const out: string[] = [];
    if (n === 0) return out;
    assertPossible(oin, want);
    const salt = oinSalt(oin);
    const key = `${want ? '+' : '-'}${oin}`;
    let cursor = cursors.get(key);
    if (!cursor) {
      cursor = { checkpoints: [] };
      cursors.set(key, cursor);
    }
    const cps = cursor.checkpoints;
    // Resume from the nearest known checkpoint at or before `offset`.
    const k = Math.min(Math.floor(offset / CHUNK), cps.length - 1);
    let ordinal = k >= 0 ? k * CHUNK : 0;
    let i = k >= 0 ? (cps[k] ?? 0) : 0;
    const end = offset + n;
    for (; ordinal < end; i++) {
      if (i >= size)
        throw new RangeError(
          `population exhausted: fewer than ${end} ${want ? 'recipients' : 'non-recipients'} for ${oin} among ${size} members`,
        );
      const code = codeAt(i);
      if (wantsCode(code, salt, oin) !== want) continue;
      if (ordinal % CHUNK === 0 && ordinal / CHUNK === cps.length) cps.push(i);
      if (ordinal >= offset) out.push(formatBsn(code));
      ordinal++;
    }
    return out;
  };

  const firstFrom = (oin: string, want: boolean, index: number, at: number | undefined): string => {
    checkCount('index', index);
    if (at !== undefined) checkInstant('at', at);
    assertPossible(oin, want);
    const salt = oinSalt(oin);
    let i = index % size;
    for (let tried = 0; tried < size; tried++) {
      const code = codeAt(i);
      if (wantsCode(code, salt, oin, at) === want) return formatBsn(code);
      i = i + 1 === size ? 0 : i + 1;
    }
    throw new RangeError(
      `population has no ${want ? 'recipients' : 'non-recipients'} for ${oin}${at !== undefined ? ` at ${new Date(at).toISOString()}` : ''}`,
    );
  };

  const togglersOf = (oin: string): Togglers => {
    const hit = togglerCache.get(oin);
    if (hit) return hit;
    const salt = oinSalt(oin);
    const index: number[] = [];
    const phase: number[] = [];
    const base: number[] = [];
    if (toggleWidth > 0 && activeThreshold > 0) {
      for (let i = 0; i < size; i++) {
        const code = codeAt(i);
        if (!activeCode(code)) continue;
        if (listedFlags && flagOf(oin, code) >= 0) continue; // given by the file: never changes
        const h = pairHash(code, salt);
        const m = phaseOf(h);
        if (m < 0) continue;
        index.push(i);
        phase.push(m);
        base.push(h < subscribedThreshold ? 1 : 0);
      }
    }
    const t: Togglers = { index: Int32Array.from(index), phase: Float64Array.from(phase), base: Uint8Array.from(base) };
    if (togglerCache.size >= MAX_TOGGLER_CACHE) togglerCache.clear();
    togglerCache.set(oin, t);
    return t;
  };

  const mutationsBetween = (oin: string, since: number, until: number): PreferenceMutation[] => {
    checkInstant('since', since);
    checkInstant('until', until);
    if (until < since) throw new RangeError(`until (${until}) must not be before since (${since})`);
    const out: PreferenceMutation[] = [];
    if (until === since) return out;
    const t = togglersOf(oin);
    for (let k = 0; k < t.index.length; k++) {
      const m = t.phase[k] ?? 0;
      // Changes happen at m + j·D for every integer j; one lies in (since, until] iff the counts differ.
      const jUntil = Math.floor((until - m) / halfCycleMs);
      if (jUntil === Math.floor((since - m) / halfCycleMs)) continue;
      const flipped = jUntil % 2 === 0;
      out.push({
        bsn: formatBsn(codeAt(t.index[k] ?? 0)),
        active: (t.base[k] === 1) !== flipped,
        at: m + jUntil * halfCycleMs,
      });
    }
    return out;
  };

  const allRecipients = (oin: string, at?: number): string[] => {
    if (at !== undefined) checkInstant('at', at);
    const salt = oinSalt(oin);
    const out: string[] = [];
    if (activeThreshold === 0) return out;
    for (let i = 0; i < size; i++) {
      const code = codeAt(i);
      if (wantsCode(code, salt, oin, at)) out.push(formatBsn(code));
    }
    return out;
  };

  return Object.freeze({
    seed: opts.seed,
    activeShare,
    subscribedShare,
    size,
    mutationRatePerDay,
    mutationCycleDays: cycleDays,
    scope,
    isMember: (b: string): boolean => memberCode(b) >= 0,
    indexOf(b: string): number {
      const code = bsnCode(b);
      return code >= 0 ? memberIndexOfCode(code) : -1;
    },
    hasActiveBox(b: string): boolean {
      const code = scopedCode(b);
      return code >= 0 && activeCode(code);
    },
    wantsLettersFrom(b: string, oin: string, at?: number): boolean {
      const code = scopedCode(b);
      return code >= 0 && wantsCode(code, oinSalt(oin), oin, at);
    },
    bsn,
    recipients: (oin: string, n: number, offset = 0): string[] => page(oin, true, n, offset),
    nonRecipients: (oin: string, n: number, offset = 0): string[] => page(oin, false, n, offset),
    allRecipients,
    firstRecipientFrom: (oin: string, index: number, at?: number): string => firstFrom(oin, true, index, at),
    firstNonRecipientFrom: (oin: string, index: number, at?: number): string => firstFrom(oin, false, index, at),
    mutationsBetween,
  });
}
