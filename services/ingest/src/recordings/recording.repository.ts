import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RecordingStageEntity } from './recording-stage.entity';
import { RecordingEntity } from './recording.entity';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

/** Reads and writes the recording aggregate (the recording row and its stage rows). */
@Injectable()
export class RecordingRepository {
  /** Inserts the recording and its stages unless a recording with that id exists; true when inserted. */
  async insertIfAbsent(tx: Transaction, recording: RecordingEntity, stages: RecordingStageEntity[]): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .insert()
      .into(RecordingEntity)
      .values(recording)
      .orIgnore()
      .returning('id')
      .execute();
    if (result.raw.length === 0) return false;
    await tx.getRepository(RecordingStageEntity).save(stages);
    return true;
  }

  /** Adds stage rows to a recording (its output presets' UPLOAD targets). */
  async insertStages(tx: Transaction, stages: RecordingStageEntity[]): Promise<void> {
    await tx.getRepository(RecordingStageEntity).save(stages);
  }

  /** The recording, locked for the rest of the transaction so stage results apply one at a time. */
  lock(tx: Transaction, id: string): Promise<RecordingEntity | null> {
    return tx.getRepository(RecordingEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  find(tx: Transaction, id: string): Promise<RecordingEntity | null> {
    return tx.getRepository(RecordingEntity).findOne({ where: { id } });
  }

  /**
   * Ids of recordings whose next lifecycle step is due at `now`, oldest first: live ones past
   * their expiry, deleted ones past the end of their restore window, purged ones past their hard
   * delete. Each is then handled in its own transaction, locked and checked again.
   */
  async due(tx: Transaction, step: 'expire' | 'purge' | 'hard-delete', now: Date, limit: number): Promise<string[]> {
    const where = {
      expire: `delete_state IS NULL AND expire_at <= $1 ORDER BY expire_at`,
      purge: `delete_state = 'SOFT' AND purge_at <= $1 ORDER BY purge_at`,
      'hard-delete': `delete_state = 'PURGED' AND hard_delete_at <= $1 ORDER BY hard_delete_at`,
    }[step];
    const rows: { id: string }[] = await tx.query(`SELECT id FROM recordings WHERE ${where} LIMIT $2`, [now, limit]);
    return rows.map((r) => r.id);
  }

  /** Owner and lifecycle state of those of `ids` that exist (ids that are not UUIDs are unknown). */
  async presence(tx: Transaction, ids: string[]): Promise<{ id: string; userId: string; deleteState: string | null }[]> {
    const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
    if (uuids.length === 0) return [];
    return tx.query(`SELECT id, user_id AS "userId", delete_state AS "deleteState" FROM recordings WHERE id = ANY($1::uuid[])`, [uuids]);
  }

  /** Live recordings with a stage in progress since before `startedBefore`, oldest first. */
  async withStuckStages(tx: Transaction, startedBefore: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT r.id FROM recordings r
       WHERE r.delete_state IS NULL AND EXISTS (
         SELECT 1 FROM recording_stages s WHERE s.recording_id = r.id AND s.status = 'IN_PROGRESS' AND s.started_at <= $1)
       ORDER BY r.updated_at LIMIT $2`,
      [startedBefore, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Removes the recording and (by cascade) its stages. */
  async remove(tx: Transaction, id: string): Promise<void> {
    await tx.query(`DELETE FROM recordings WHERE id = $1`, [id]);
  }

  /** Drops stage rows of a recording (a reset drops the output presets' UPLOAD targets; they are planned again at the next upload). */
  async removeStages(tx: Transaction, recordingId: string, stages: { stage: string; target: string }[]): Promise<void> {
    for (const s of stages) {
      await tx.query(`DELETE FROM recording_stages WHERE recording_id = $1 AND stage = $2 AND target = $3`, [recordingId, s.stage, s.target]);
    }
  }

  /** Forgets where the original is (a reset deleted it): the next run fetches it again, if it can. */
  async clearSource(tx: Transaction, recordingId: string): Promise<void> {
    await tx.query(
      `UPDATE recordings SET source_key = NULL, source_size_bytes = NULL, source_checksum_sha256 = NULL, source_content_type = NULL WHERE id = $1`,
      [recordingId],
    );
  }

  stages(tx: Transaction, recordingId: string): Promise<RecordingStageEntity[]> {
    return tx.getRepository(RecordingStageEntity).find({ where: { recordingId } });
  }

  /**
   * Writes the recording's mutable fields and the changed stages with plain UPDATEs: the rows are
   * locked and loaded already, so nothing is read back to compare (as TypeORM's `save` would).
   */
  async save(tx: Transaction, recording: RecordingEntity, stages: Iterable<RecordingStageEntity> = []): Promise<void> {
    await tx.query(
      `UPDATE recordings SET title = $2, status = $3, failed = $4, failed_stage = $5, failure_code = $6, failure_reason = $7,
         failed_at = $8, paused = $9, artifacts = $10::jsonb, pipeline_started_at = $11, pipeline_completed_at = $12,
         updated_at = $13, deleted_at = $14, expire_at = $15, delete_state = $16, deletion_reason = $17, purge_at = $18,
         hard_delete_at = $19, failed_target = $20
       WHERE id = $1`,
      [
        recording.id,
        recording.title,
        recording.status,
        recording.failed,
        recording.failedStage,
        recording.failureCode,
        recording.failureReason,
        recording.failedAt,
        recording.paused ?? false,
        JSON.stringify(recording.artifacts ?? {}),
        recording.pipelineStartedAt,
        recording.pipelineCompletedAt,
        recording.updatedAt,
        recording.deletedAt,
        recording.expireAt,
        recording.deleteState ?? null,
        recording.deletionReason ?? null,
        recording.purgeAt ?? null,
        recording.hardDeleteAt ?? null,
        recording.failedTarget ?? null,
      ],
    );
    const changed = [...stages];
    if (changed.length === 0) return;
    // One statement for every changed stage.
    const values: unknown[] = [];
    const rows = changed.map((stage, i) => {
      values.push(stage.recordingId, stage.stage, stage.target, stage.status, stage.attempt, stage.startedAt, stage.finishedAt, stage.errorCode, stage.errorMessage, JSON.stringify(stage.details ?? {}), stage.updatedAt);
      const b = i * 11;
      return `($${b + 1}::uuid, $${b + 2}::text, $${b + 3}::text, $${b + 4}::text, $${b + 5}::int, $${b + 6}::timestamptz, $${b + 7}::timestamptz, $${b + 8}::text, $${b + 9}::text, $${b + 10}::jsonb, $${b + 11}::timestamptz)`;
    });
    await tx.query(
      `UPDATE recording_stages s SET status = v.status, attempt = v.attempt, started_at = v.started_at, finished_at = v.finished_at,
         error_code = v.error_code, error_message = v.error_message, details = v.details, updated_at = v.updated_at
       FROM (VALUES ${rows.join(', ')}) AS v(recording_id, stage, target, status, attempt, started_at, finished_at, error_code, error_message, details, updated_at)
       WHERE s.recording_id = v.recording_id AND s.stage = v.stage AND s.target = v.target`,
      values,
    );
  }
}
