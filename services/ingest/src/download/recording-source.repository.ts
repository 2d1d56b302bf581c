import { Injectable } from '@nestjs/common';
import type { ObjectRef } from '@leap/contracts';
import type { Transaction } from '../recordings/recording.repository';
import { RecordingSourceEntity } from './recording-source.entity';

/** Reads and writes where imported recordings come from, and the original once it is fetched. */
@Injectable()
export class RecordingSourceRepository {
  async insert(tx: Transaction, source: RecordingSourceEntity): Promise<void> {
    await tx.getRepository(RecordingSourceEntity).insert(source as Parameters<ReturnType<Transaction['getRepository']>['insert']>[0]);
  }

  find(tx: Transaction, recordingId: string): Promise<RecordingSourceEntity | null> {
    return tx.getRepository(RecordingSourceEntity).findOne({ where: { recordingId } });
  }

  /**
   * The recording a user already has for a stable source key (`platform:video_id`). A deleted
   * recording (restorable, purged or waiting for its hard delete) does not count: its key is
   * released, so adding the source again creates a new recording; a restore gives the old one
   * back without a key.
   */
  async findByKey(tx: Transaction, userId: string, sourceKey: string): Promise<RecordingSourceEntity | null> {
    await tx.query(
      `UPDATE recording_sources s SET source_key = NULL FROM recordings r
        WHERE s.user_id = $1 AND s.source_key = $2 AND r.id = s.recording_id AND r.deleted_at IS NOT NULL`,
      [userId, sourceKey],
    );
    return tx.getRepository(RecordingSourceEntity).findOne({ where: { userId, sourceKey } });
  }

  /** The original is in storage: the recording's source columns point at it. */
  async saveOriginal(tx: Transaction, recordingId: string, original: ObjectRef, now: Date): Promise<void> {
    await tx.query(
      `UPDATE recordings SET source_key = $2, source_size_bytes = $3, source_checksum_sha256 = $4, source_content_type = $5, updated_at = $6 WHERE id = $1`,
      [recordingId, original.key, original.sizeBytes, original.checksumSha256 ?? null, original.contentType ?? null, now],
    );
  }

  /** The title the source gave, for a recording that was named after its URL. */
  async saveTitle(tx: Transaction, recordingId: string, title: string): Promise<void> {
    await tx.query(`UPDATE recordings r SET title = $2 FROM recording_sources s WHERE r.id = $1 AND s.recording_id = r.id AND (s.metadata->>'titleFromSource')::boolean`, [
      recordingId,
      title,
    ]);
  }
}
