import type { EntityManager } from 'typeorm';
import { MessageBus } from '@leap/messaging';
import { MESSAGE_TYPES, type OutputPresetRef, type RegisterUploadedRecording } from '@leap/contracts';
import type { StoredObject } from '@leap/storage-client';
import type { UploadType } from './media-type';
import type { RecordingRow, RecordingsRepository } from './recordings.repository';

/** A file stored at its recording's source key, ready to become that recording. */
export interface StoredUploadToRegister {
  recordingId: string;
  userId: string;
  filename: string;
  title: string;
  type: UploadType;
  stored: StoredObject;
  reservationId?: string;
  /** The output presets it publishes with, checked against the owner's presets. */
  outputPresets?: OutputPresetRef[];
}

/**
 * Registers an uploaded file as a recording, in the caller's transaction: the read model's row and
 * the `RegisterUploadedRecording` command to ingest (which starts the pipeline). Direct and
 * resumable uploads both end here, so their recordings are alike.
 */
export async function registerStoredUpload(manager: EntityManager, recordings: RecordingsRepository, bus: MessageBus, upload: StoredUploadToRegister): Promise<RecordingRow> {
  const command: RegisterUploadedRecording = {
    recordingId: upload.recordingId,
    userId: upload.userId,
    originalFilename: upload.filename,
    sourceKey: upload.stored.key,
    sizeBytes: String(upload.stored.sizeBytes),
    contentType: upload.type.contentType,
    title: upload.title,
    reservationId: upload.reservationId,
    ...(upload.outputPresets?.length ? { outputPresets: upload.outputPresets } : {}),
  };
  const row = await recordings.insertUploaded(manager, {
    id: upload.recordingId,
    userId: upload.userId,
    title: upload.title,
    originalFilename: upload.filename,
    sizeBytes: upload.stored.sizeBytes,
    contentType: upload.type.contentType,
    source: { key: upload.stored.key, sizeBytes: upload.stored.sizeBytes, checksumSha256: upload.stored.checksumSha256, contentType: upload.type.contentType },
  });
  await bus.send(manager, MESSAGE_TYPES.ingest.RegisterUploadedRecording, command, { subject: upload.recordingId, tenant: upload.userId });
  return row;
}
