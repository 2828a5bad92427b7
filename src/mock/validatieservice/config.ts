import { z } from 'zod';

/** Config of the validatieservice mock (filled in by its own work). */
export const validatieserviceConfigSchema = z.strictObject({}).prefault({});
