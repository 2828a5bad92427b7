/**
 * A synthetic population of burgers, computed rather than stored: whether a BSN has an active
 * Berichtenbox and whether it wants a given afnemer's letters are seeded hashes of the BSN, so the
 * mock, the load generator and the tests agree on the same people without sharing a table, and a
 * lookup costs two 32-bit hashes (it runs once per letter).
 */
import { hash2, hash32 } from '../random/index.ts';
import { BSN_INDEX_COUNT, bsnCode, bsnNumberFromIndex, formatBsn } from './bsn.ts';

export interface PopulationOptions {
  /** Any integer; the same seed gives the same population. */
  readonly seed: number;
  /** Share (0..1) of valid BSNs with an active Berichtenbox. */
  readonly activeShare: number;
  /** Share (0..1) of active boxes that want a given afnemer's letters (drawn independently per afnemer). */
  readonly subscribedShare: number;
}

export interface Population {
  readonly seed: number;
  readonly activeShare: number;
  readonly subscribedShare: number;
  /** Number of members; `bsn(i)` is defined for 0 ≤ i < size. */
  readonly size: number;
  /** Valid BSN with an active box. An invalid BSN has none. */
  hasActiveBox(bsn: string): boolean;
  /** Active box AND subscribed to this afnemer (OIN). An invalid BSN → false. */
  wantsLettersFrom(bsn: string, oin: string): boolean;
  /** The i-th member: a seeded permutation of the valid BSNs (distinct i → distinct BSN). */
  bsn(i: number): string;
  /**
   * n members that want `oin`'s letters, in population order, skipping the first `offset` such
   * members; so `recipients(oin, n, k*n)` pages through them without overlap. Sequential paging is
   * amortised O(n) (positions are checkpointed).
   */
  recipients(oin: string, n: number, offset?: number): string[];
  /** Like `recipients` but members that do NOT want `oin`'s letters (no active box or not subscribed). */
  nonRecipients(oin: string, n: number, offset?: number): string[];
  /** The first member at or after population index `index` (wrapping) that wants `oin`'s letters; O(1) expected. */
  firstRecipientFrom(oin: string, index: number): string;
  /** The first member at or after population index `index` (wrapping) that does not want `oin`'s letters. */
  firstNonRecipientFrom(oin: string, index: number): string;
}

// ---------------------------------------------------------------------------------------------
// Hashing: murmur3-32 over 32-bit words (fast in V8 with Math.imul, good avalanche).
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

// ---------------------------------------------------------------------------------------------
// A seeded bijection on 0..BSN_INDEX_COUNT-1: invertible mixing on 27 bits, cycle-walking into range.
// ---------------------------------------------------------------------------------------------

const PERM_BITS = 27; // 2^27 = 134,217,728 ≥ BSN_INDEX_COUNT (≈ 9.0e7), so ≈ 1.5 steps per lookup
const PERM_MASK = (1 << PERM_BITS) - 1;
if (BSN_INDEX_COUNT > PERM_MASK + 1) throw new Error('permutation domain too small for the BSN index space');

function makePermutation(seed: number): (i: number) => number {
  const keys = [0, 1, 2, 3].map((r) => hash2(seed, r, SALT_PERMUTE) & PERM_MASK);
  const [k0 = 0, k1 = 0, k2 = 0, k3 = 0] = keys;
  // Each step (xor key, multiply by odd mod 2^27, xorshift right) is invertible on 27 bits.
  const step = (x: number): number => {
    x = (Math.imul(x ^ k0, 0x2c1b3c6d) & PERM_MASK);
    x ^= x >>> 13;
    x = (Math.imul(x ^ k1, 0x297a2d39) & PERM_MASK);
    x ^= x >>> 11;
    x = (Math.imul(x ^ k2, 0x1f123bb5) & PERM_MASK);
    x ^= x >>> 14;
    x = (Math.imul(x ^ k3, 0x5f356495) & PERM_MASK);
    x ^= x >>> 12;
    return x;
  };
  return (i: number): number => {
    let x = step(i);
    while (x >= BSN_INDEX_COUNT) x = step(x); // cycle-walking keeps it a bijection on the range
    return x;
  };
}

// ---------------------------------------------------------------------------------------------

function checkShare(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`population ${name} must be a number in 0..1, got ${v}`);
  return v;
}

function checkCount(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** Positions of every CHUNK-th match, so paging with an offset need not rescan from 0. */
const CHUNK = 1024;

interface Cursor {
  /** checkpoints[k] = population index of the match with ordinal k·CHUNK. */
  readonly checkpoints: number[];
}

export function createPopulation(opts: PopulationOptions): Population {
  const activeShare = checkShare('activeShare', opts.activeShare);
  const subscribedShare = checkShare('subscribedShare', opts.subscribedShare);
  const s = seed32(opts.seed);
  const activeSeed = hash2(s, SALT_ACTIVE, 0);
  // A hash h (uniform on 0..2^32-1) "hits" a share when h < share·2^32; share 1 always hits, 0 never.
  const activeThreshold = activeShare * TWO32;
  const subscribedThreshold = subscribedShare * TWO32;
  const permute = makePermutation(s);
  const oinSalts = new Map<string, number>();
  const cursors = new Map<string, Cursor>();

  const oinSalt = (oin: string): number => {
    let salt = oinSalts.get(oin);
    if (salt === undefined) {
      salt = hash32(oin, s);
      oinSalts.set(oin, salt);
    }
    return salt;
  };

  const activeCode = (code: number): boolean => hash2(code, 0, activeSeed) < activeThreshold;
  const wantsCode = (code: number, salt: number): boolean =>
    activeCode(code) && hash2(code, salt, activeSeed ^ 0x53554253) < subscribedThreshold;

  const codeAt = (i: number): number => bsnNumberFromIndex(permute(i));

  const bsn = (i: number): string => {
    if (!Number.isInteger(i) || i < 0 || i >= BSN_INDEX_COUNT) {
      throw new RangeError(`population index must be an integer in 0..${BSN_INDEX_COUNT - 1}, got ${i}`);
    }
    return formatBsn(codeAt(i));
  };

  const assertPossible = (oin: string, want: boolean): void => {
    if (want && (activeThreshold === 0 || subscribedThreshold === 0)) {
      throw new RangeError(`population has no recipients for ${oin} (activeShare ${activeShare}, subscribedShare ${subscribedShare})`);
    }
    if (!want && activeThreshold >= TWO32 && subscribedThreshold >= TWO32) {
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
      if (i >= BSN_INDEX_COUNT) throw new RangeError(`population exhausted: fewer than ${end} ${want ? 'recipients' : 'non-recipients'} for ${oin}`);
      const code = codeAt(i);
      if (wantsCode(code, salt) !== want) continue;
      if (ordinal % CHUNK === 0 && ordinal / CHUNK === cps.length) cps.push(i);
      if (ordinal >= offset) out.push(formatBsn(code));
      ordinal++;
    }
    return out;
  };

  const firstFrom = (oin: string, want: boolean, index: number): string => {
    checkCount('index', index);
    assertPossible(oin, want);
    const salt = oinSalt(oin);
    let i = index % BSN_INDEX_COUNT;
    for (let tried = 0; tried < BSN_INDEX_COUNT; tried++) {
      const code = codeAt(i);
      if (wantsCode(code, salt) === want) return formatBsn(code);
      i = i + 1 === BSN_INDEX_COUNT ? 0 : i + 1;
    }
    throw new RangeError(`population has no ${want ? 'recipients' : 'non-recipients'} for ${oin}`);
  };

  return Object.freeze({
    seed: opts.seed,
    activeShare,
    subscribedShare,
    size: BSN_INDEX_COUNT,
    hasActiveBox(b: string): boolean {
      const code = bsnCode(b);
      return code >= 0 && activeCode(code);
    },
    wantsLettersFrom(b: string, oin: string): boolean {
      const code = bsnCode(b);
      return code >= 0 && wantsCode(code, oinSalt(oin));
    },
    bsn,
    recipients: (oin: string, n: number, offset = 0): string[] => page(oin, true, n, offset),
    nonRecipients: (oin: string, n: number, offset = 0): string[] => page(oin, false, n, offset),
    firstRecipientFrom: (oin: string, index: number): string => firstFrom(oin, true, index),
    firstNonRecipientFrom: (oin: string, index: number): string => firstFrom(oin, false, index),
  });
}
