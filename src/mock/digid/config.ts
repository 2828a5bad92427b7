import { z } from 'zod';

/** Config of the DigiD mock (filled in by the DigiD work). */
export const digidConfigSchema = z.strictObject({}).prefault({});
