/**
 * Burgerservicenummers: the elfproef and a deterministic enumeration of valid BSNs.
 *
 * Index space: a 7-digit prefix p (0000001..9999999) followed by a digit d8 and the check digit d9.
 * For a fixed prefix, 2·d8 mod 11 takes 10 distinct residues, so at most one d8 yields the impossible
 * check digit 10: every prefix has at least 9 valid completions. Using exactly the first 9 makes
 * index → BSN an O(1) bijection onto a subset of all valid BSNs (about 90 million of them, far more
 * than the Dutch population) and never yields 000000000.
 */

const BSN_LENGTH = 9;
const COMPLETIONS_PER_PREFIX = 9;
const PREFIXES = 9_999_999; // 0000001..9999999

/** How many distinct BSNs `bsnFromIndex` can produce (valid indices are 0 .. BSN_INDEX_COUNT-1). */
export const BSN_INDEX_COUNT = PREFIXES * COMPLETIONS_PER_PREFIX;

/**
 * The BSN as a number when `s` is exactly 9 ASCII digits passing the elfproef and not all zeros;
 * otherwise -1. Allocation-free, for the per-letter hot path.
 */
export function bsnCode(s: string): number {
  if (s.length !== BSN_LENGTH) return -1;
  let n = 0;
  let sum = 0;
  for (let i = 0; i < BSN_LENGTH; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
    sum += i < BSN_LENGTH - 1 ? (BSN_LENGTH - i) * d : -d;
  }
  if (n === 0 || sum % 11 !== 0) return -1;
  return n;
}

/** 9 digits, elfproef (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11), not all zeros. */
export function isValidBsn(s: string): boolean {
  return bsnCode(s) >= 0;
}

/** True when `s` is 9 ASCII digits (format only, no elfproef). */
export function isNineDigits(s: string): boolean {
  return /^\d{9}$/.test(s);
}

/** The check digit that completes an 8-digit prefix, or undefined when the elfproef cannot be met (remainder 10). */
export function bsnCheckDigit(prefix8: string): number | undefined {
  if (!/^\d{8}$/.test(prefix8)) throw new RangeError(`BSN prefix must be 8 digits, got '${prefix8}'`);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (BSN_LENGTH - i) * (prefix8.charCodeAt(i) - 48);
  const c = sum % 11;
  return c === 10 ? undefined : c;
}

/** Formats a BSN number (as returned by bsnCode / bsnNumberFromIndex) as its 9-digit string. */
export function formatBsn(n: number): string {
  return String(n).padStart(BSN_LENGTH, '0');
}

/** The BSN of `bsnFromIndex(i)` as a number (no string allocation). */
export function bsnNumberFromIndex(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= BSN_INDEX_COUNT) {
    throw new RangeError(`BSN index must be an integer in 0..${BSN_INDEX_COUNT - 1}, got ${i}`);
  }
  const prefix = 1 + Math.floor(i / COMPLETIONS_PER_PREFIX);
  let k = i % COMPLETIONS_PER_PREFIX;
  // Weighted sum of the 7 prefix digits, weights 3 (last) .. 9 (first).
  let s7 = 0;
  let p = prefix;
  for (let w = 3; w <= 9; w++) {
    s7 += w * (p % 10);
    p = Math.floor(p / 10);
  }
  for (let d8 = 0; d8 <= 9; d8++) {
    const check = (s7 + 2 * d8) % 11;
    if (check === 10) continue; // impossible check digit: skip this completion
    if (k === 0) return (prefix * 10 + d8) * 10 + check;
    k--;
  }
  // Unreachable: every prefix has at least 9 valid completions (see the module comment).
  throw new Error(`no valid BSN completion for prefix ${prefix}`);
}

/** A deterministic valid BSN for index i (0 ≤ i < BSN_INDEX_COUNT); distinct indices give distinct BSNs. */
export function bsnFromIndex(i: number): string {
  return formatBsn(bsnNumberFromIndex(i));
}
