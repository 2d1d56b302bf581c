import { z } from 'zod';

export const scanOrphansBodySchema = z
  .object({ repair: z.boolean().default(false).describe('Also delete what the scan finds, and give the bytes back to the owners\' usage.') })
  .strict();

const orphanSchema = z.object({
  key: z.string(),
  userId: z.string(),
  recordingId: z.string(),
  sizeBytes: z.number().int(),
  reason: z.enum(['NO_RECORDING', 'RECORDING_PURGED', 'NO_OBJECT']),
  repaired: z.boolean(),
});

export const orphanReportSchema = z.object({
  id: z.string().nullable().describe('The scan; null before the first one.'),
  startedAt: z.string().datetime().nullable(),
  finishedAt: z.string().datetime().nullable(),
  repair: z.boolean(),
  requestedBy: z.string().nullable().describe('`schedule`, or the administrator who asked.'),
  objectsScanned: z.number().int(),
  rowsScanned: z.number().int(),
  objectsWithoutRecording: z.array(orphanSchema).describe('Objects no live or restorable recording owns (`NO_RECORDING`, `RECORDING_PURGED`).'),
  rowsWithoutObject: z.array(orphanSchema).describe('Catalogue rows whose object is not in the store (`NO_OBJECT`).'),
  error: z.string().nullable().describe('Why the scan ended without a result.'),
  pending: z.boolean().describe('A scan asked for waits for its turn or runs.'),
});
