import { z } from 'zod';
import { VALIDATION_QUERIES_PER_HOUR } from '../../norms/index.ts';
import { serviceTimeSchema } from '../capacity/service-time.ts';

/**
 * Config of the validatieservice mock. One capacity model serves both the SOAP and the JSON
 * endpoint: `perHour` queries per sim hour for all afnemers together (a query counts as 1 whatever
 * its number of Klant elements), then `concurrency` workers with a FIFO queue of `maxQueue` (the real system's figures; at clock speed s the mock runs s times as many), each
 * query holding a worker for a drawn service time (wall ms).
 *
 * A service time above the 30 s response norm (VALIDATION_MAX_RESPONSE) is allowed, to rehearse
 * breaches; GET /validatieservice/stats then says so (`serviceTime.exceedsNorm`) and counts the
 * queries answered over the norm.
 */
export const validatieserviceConfigSchema = z
  .strictObject({
    /** Queries admitted per sim hour, all afnemers together (norm: VALIDATION_QUERIES_PER_HOUR). */
    perHour: z.number().int().positive().default(VALIDATION_QUERIES_PER_HOUR.limit),
    /** Queries served at once; the rest wait. */
    concurrency: z.number().int().min(1).default(10),
    /** Queries that may wait for a worker; beyond it: 503 (saturated). */
    maxQueue: z.number().int().min(0).default(100),
    /** Work per query in wall ms; default well under the 30 s norm (median 200 ms, p99 2 s). */
    serviceTime: serviceTimeSchema.default({ kind: 'lognormal', medianMs: 200, p99Ms: 2000 }),
    /** Largest request body (a query of 250 Klant elements is about 30 kB of SOAP). */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  })
  .prefault({});
