/**
 * Seeded, reproducible randomness for the whole tool (population, fault draws, generators, service
 * times): two runs with the same seed decide the same. Not cryptographic.
 */

function murmurRound(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3-32 of two 32-bit words under a seed; unsigned result. */
export function hash2(a: number, b: number, seed: number): number {
  let h = seed | 0;
  h = murmurRound(h, a);
  h = murmurRound(h, b);
  return fmix32(h ^ 8);
}

/** FNV-1a of a string under a 32-bit seed, finished with murmur3's mixer; unsigned result (OIN salts, fault draws). */
export function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** sfc32, seeded through murmur3; returns uint32 values. */
export function createPrng(seed: number): () => number {
  const lo = Math.trunc(seed) >>> 0;
  const hi = Math.floor(Math.trunc(seed) / 0x1_0000_0000) >>> 0;
  let a = hash2(lo, hi, 0x9e3779b9) | 0;
  let b = hash2(lo, hi, 0x243f6a88) | 0;
  let c = hash2(lo, hi, 0xb7e15162) | 0;
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // discard the warm-up outputs
  return next;
}

/** A uniform draw in [0, 1) from a uint32 PRNG. */
export function uniform(next: () => number): number {
  return next() / 0x1_0000_0000;
}

/** A standard normal draw (Box-Muller) from a uint32 PRNG. */
export function standardNormal(next: () => number): number {
  const u = 1 - uniform(next); // (0, 1], so log() is finite
  const v = uniform(next);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
