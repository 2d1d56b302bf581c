import { parseRecordingKey } from '@leap/storage-client';

/** What the scan found wrong with one object or catalogue row. */
export type OrphanReason = 'NO_RECORDING' | 'RECORDING_PURGED' | 'NO_OBJECT';

export interface Finding {
  key: string;
  userId: string;
  recordingId: string;
  sizeBytes: string;
  reason: OrphanReason;
  repaired?: boolean;
}

/** What ingest says of a recording: its owner and lifecycle state (null while live). */
export interface Presence {
  userId: string;
  deleteState: string | null;
}

/**
 * The objects under `users/<u>/recordings/<r>/` that no recording owns: ingest does not know the
 * recording or another user owns it (NO_RECORDING), or it was purged and its files should be gone
 * (RECORDING_PURGED). Objects younger than `minAgeMs` are left alone: an upload is written before
 * its recording is registered. A pure decision; the scan brings the listing and ingest's answer.
 */
export function objectsWithoutRecording(
  objects: readonly { key: string; sizeBytes: number; modifiedAt: Date }[],
  recordings: ReadonlyMap<string, Presence>,
  now: Date,
  minAgeMs: number,
): Finding[] {
  const findings: Finding[] = [];
  for (const object of objects) {
    const place = parseRecordingKey(object.key);
    if (!place) continue;
    if (now.getTime() - object.modifiedAt.getTime() < minAgeMs) continue;
    const recording = recordings.get(place.recordingId);
    const reason: OrphanReason | undefined =
      !recording || recording.userId !== place.userId ? 'NO_RECORDING' : recording.deleteState === 'PURGED' ? 'RECORDING_PURGED' : undefined;
    if (reason) findings.push({ key: object.key, userId: place.userId, recordingId: place.recordingId, sizeBytes: String(object.sizeBytes), reason });
  }
  return findings;
}
