import { z } from 'zod';
import { MACHTIGEN_TRANSACTIONS_PER_MINUTE } from '../../norms/index.ts';
import { serviceTimeSchema } from '../capacity/service-time.ts';

/**
 * Config of the DigiD Machtigen mock: one capacity model (`perMinute` transactions per sim minute,
 * then `concurrency` workers with a queue of `maxQueue` — the real system's figures; at clock speed s the mock runs s times as many — and a drawn `serviceTime` in wall ms), and
 * `authorisedShare`, the share of (vertegenwoordiger, vertegenwoordigde, dienst) triples that hold a
 * machtiging in the synthetic population (a seeded hash decides, see decide.ts).
 */
export const machtigenConfigSchema = z
  .strictObject({
    /** Transactions admitted per sim minute (norm: MACHTIGEN_TRANSACTIONS_PER_MINUTE). */
    perMinute: z.number().int().positive().default(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit),
    /** Transactions served at once; the rest wait. */
    concurrency: z.number().int().min(1).default(50),
    /** Transactions that may wait for a worker; beyond it: 503 (saturated). */
    maxQueue: z.number().int().min(0).default(500),
    /** Work per transaction in wall ms; default well within the 4 s average norm (median 300 ms, p99 1.5 s). */
    serviceTime: serviceTimeSchema.default({ kind: 'lognormal', medianMs: 300, p99Ms: 1500 }),
    /** Share (0..1) of triples (vertegenwoordiger, vertegenwoordigde, dienst) with a machtiging. */
    authorisedShare: z.number().min(0).max(1).default(0.8),
    /** Largest request body. */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
  })
  .prefault({});
