import { z } from 'zod';
import { standardNormal } from '../../random/index.ts';

/** How long the simulated service works on one request, in wall milliseconds (latency is wall time). */
export const serviceTimeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: z.number().min(0) }),
  /** Lognormal fitted to a median and a 99th percentile (p99 ≥ median). */
  z
    .strictObject({ kind: z.literal('lognormal'), medianMs: z.number().positive(), p99Ms: z.number().positive() })
    .refine((d) => d.p99Ms >= d.medianMs, { message: 'p99Ms must be >= medianMs', path: ['p99Ms'] }),
  /** Draws uniformly from measured samples. */
  z.strictObject({ kind: z.literal('empirical'), samplesMs: z.array(z.number().min(0)).min(1) }),
]);

export type ServiceTime = z.infer<typeof serviceTimeSchema>;

/** z for the 99th percentile of the standard normal. */
const Z99 = 2.326_347_874;

/** A sampler of service times driven by a seeded uint32 PRNG. */
export function serviceTimeSampler(dist: ServiceTime, next: () => number): () => number {
  switch (dist.kind) {
    case 'fixed':
      return () => dist.ms;
    case 'lognormal': {
      const mu = Math.log(dist.medianMs);
      const sigma = Math.log(dist.p99Ms / dist.medianMs) / Z99;
      return () => Math.exp(mu + sigma * standardNormal(next));
    }
    case 'empirical': {
      const s = dist.samplesMs;
      return () => s[next() % s.length] ?? 0;
    }
  }
}

/** The mean of a distribution (for sizing concurrency). */
export function meanServiceTime(dist: ServiceTime): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.ms;
    case 'lognormal': {
      const sigma = Math.log(dist.p99Ms / dist.medianMs) / Z99;
      return dist.medianMs * Math.exp((sigma * sigma) / 2);
    }
    case 'empirical':
      return dist.samplesMs.reduce((a, b) => a + b, 0) / dist.samplesMs.length;
  }
}
