import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Storage: the object catalogue and file lifecycle. */
export const storageConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3005),
  /** How often a report-only orphan scan runs by itself; 0ms: only when an operator asks. */
  ORPHAN_SCAN_INTERVAL: field.duration({ min: 0 }).default('24h'),
  /** How often each replica looks for a scan to run (an operator's request, or the schedule's when due); 0ms: never by itself. */
  ORPHAN_SCAN_POLL_INTERVAL: field.duration({ min: 0 }).default('5s'),
  /** How often one replica removes what unfinished writes left in the local store; 0ms turns it off. */
  TEMP_SWEEP_INTERVAL: field.duration({ min: 0 }).default('1h'),
  /** A `.partial` file not written to for this long is a write that will never finish (the reference's 6 h). */
  PARTIAL_MAX_AGE: field.duration({ min: 60_000 }).default('6h'),
  /** Objects younger than this are not judged: an upload is written before its recording is registered. */
  ORPHAN_MIN_AGE: field.duration({ min: 0 }).default('1h'),
  /** How long the scan waits for ingest to say which recordings exist. */
  ORPHAN_LOOKUP_TIMEOUT: field.duration({ min: 100 }).default('10s'),
});

export type StorageConfig = z.output<typeof storageConfigSchema>;
