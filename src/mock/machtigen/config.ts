import { z } from 'zod';

/** Config of the machtigen mock (filled in by its own work). */
export const machtigenConfigSchema = z.strictObject({}).prefault({});
