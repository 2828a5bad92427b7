import { z } from 'zod';

/** Config of the abonnementservice mock (filled in by its own work). */
export const abonnementserviceConfigSchema = z.strictObject({}).prefault({});
