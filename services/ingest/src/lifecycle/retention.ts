import type { IngestConfig } from '../config/config.schema';

/**
 * The reference's retention rules (inventory §9), as pure date arithmetic: a recording expires
 * `autoExpireDays` after it was created (or restored); a deleted one can be restored for
 * `softDeleteDays`, then its files go; its last trace goes `hardDeleteDays` after its files.
 */
export interface RetentionPolicy {
  autoExpireDays: number;
  softDeleteDays: number;
  hardDeleteDays: number;
}

const DAY_MS = 86_400_000;

export function retentionPolicy(config: Pick<IngestConfig, 'RETENTION_AUTO_EXPIRE_DAYS' | 'RETENTION_SOFT_DELETE_DAYS' | 'RETENTION_HARD_DELETE_DAYS'>): RetentionPolicy {
  return {
    autoExpireDays: config.RETENTION_AUTO_EXPIRE_DAYS,
    softDeleteDays: config.RETENTION_SOFT_DELETE_DAYS,
    hardDeleteDays: config.RETENTION_HARD_DELETE_DAYS,
  };
}

/** When a recording created (or restored) at `from` expires. */
export function expiryOf(from: Date, policy: RetentionPolicy): Date {
  return new Date(from.getTime() + policy.autoExpireDays * DAY_MS);
}

/** When the files of a recording deleted at `deletedAt` go (the end of its restore window), and when its last trace goes. */
export function deletionSchedule(deletedAt: Date, policy: RetentionPolicy): { purgeAt: Date; hardDeleteAt: Date } {
  const purgeAt = new Date(deletedAt.getTime() + policy.softDeleteDays * DAY_MS);
  return { purgeAt, hardDeleteAt: new Date(purgeAt.getTime() + policy.hardDeleteDays * DAY_MS) };
}

/** Why a deleted recording cannot be restored, or undefined when it can. */
export type RestoreRefusal = 'INGEST.NOT_DELETED' | 'INGEST.RESTORE_WINDOW_CLOSED';

export function restoreRefusal(recording: { deleteState: 'SOFT' | 'PURGED' | null; purgeAt: Date | null }, now: Date): RestoreRefusal | undefined {
  if (recording.deleteState === null) return 'INGEST.NOT_DELETED';
  // Past the window the files may be going already, even before the sweep has marked it PURGED.
  if (recording.deleteState === 'PURGED' || (recording.purgeAt !== null && recording.purgeAt <= now)) return 'INGEST.RESTORE_WINDOW_CLOSED';
  return undefined;
}
