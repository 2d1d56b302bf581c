import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PublicationEntity, type PublicationStatus } from './publication.entity';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

export interface PublicationOutcome {
  recordingId: string;
  targetId: string;
  userId: string;
  platform: string;
  status: PublicationStatus;
  location?: string;
  url?: string;
  externalId?: string;
  errorCode?: string;
  errorMessage?: string;
  publishedAt?: Date;
  /** The preset the target publishes with (kept when not given). */
  presetId?: string;
  /** Files put next to the item (their paths on the platform). */
  sidecars?: string[];
}

/** Reads and writes the outcome of each publish per recording and output target. */
@Injectable()
export class PublicationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Outside any transaction (a job's reads). */
  get manager(): Transaction {
    return this.dataSource.manager;
  }

  /** A target asked for and not yet published: `QUEUED`, no attempt yet. */
  async queue(tx: Transaction, t: { recordingId: string; targetId: string; userId: string; platform: string; presetId?: string }): Promise<void> {
    await tx.query(
      `INSERT INTO publications (recording_id, target_id, user_id, platform, status, preset_id, attempts) VALUES ($1, $2, $3, $4, 'QUEUED', $5, 0)`,
      [t.recordingId, t.targetId, t.userId, t.platform, t.presetId ?? null],
    );
  }

  /** The target's job is running (a short write of its own, outside the job's outcome). */
  async markUploading(recordingId: string, targetId: string): Promise<void> {
    await this.dataSource.manager.query(`UPDATE publications SET status = 'UPLOADING', updated_at = now() WHERE recording_id = $1 AND target_id = $2`, [recordingId, targetId]);
  }

  /** An attempt failed and the job will try again: the target keeps `UPLOADING` and shows why it waits (a rate limit, an open circuit). */
  async noteRetry(recordingId: string, targetId: string, errorCode: string, errorMessage: string): Promise<void> {
    await this.dataSource.manager.query(
      `UPDATE publications SET error_code = $3, error_message = $4, updated_at = now() WHERE recording_id = $1 AND target_id = $2 AND status = 'UPLOADING'`,
      [recordingId, targetId, errorCode, errorMessage.slice(0, 4000)],
    );
  }

  /** Targets of a recording still waiting or uploading when its jobs are cancelled: they end FAILED with `PUBLISHING.CANCELLED`. */
  async cancelOpen(tx: Transaction, recordingId: string, reason: string): Promise<void> {
    await tx.query(
      `UPDATE publications SET status = 'FAILED', error_code = 'PUBLISHING.CANCELLED', error_message = $2, updated_at = now()
       WHERE recording_id = $1 AND status IN ('QUEUED', 'UPLOADING')`,
      [recordingId, `The upload was stopped: the recording was ${reason}`],
    );
  }

  /** A recording's targets, oldest first. */
  async listForRecording(tx: Transaction, userId: string, recordingId: string): Promise<PublicationEntity[]> {
    return tx.getRepository(PublicationEntity).find({ where: { userId, recordingId }, order: { createdAt: 'ASC', targetId: 'ASC' } });
  }

  /** Records the outcome, replacing the previous one for the same target. */
  async record(tx: Transaction, o: PublicationOutcome): Promise<void> {
    await tx.query(
      `INSERT INTO publications (recording_id, target_id, user_id, platform, status, location, url, external_id, error_code, error_message, published_at, preset_id, sidecars)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (recording_id, target_id) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
         status = EXCLUDED.status, location = EXCLUDED.location, url = EXCLUDED.url, external_id = EXCLUDED.external_id,
         error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, published_at = EXCLUDED.published_at,
         preset_id = COALESCE(EXCLUDED.preset_id, publications.preset_id), sidecars = EXCLUDED.sidecars,
         attempts = publications.attempts + 1, updated_at = now()`,
      [
        o.recordingId,
        o.targetId,
        o.userId,
        o.platform,
        o.status,
        o.location ?? null,
        o.url ?? null,
        o.externalId ?? null,
        o.errorCode ?? null,
        o.errorMessage ?? null,
        o.publishedAt ?? null,
        o.presetId ?? null,
        JSON.stringify(o.sidecars ?? []),
      ],
    );
  }

  /** A published target is being retracted: `RETRACTING`, its last error cleared. False when it is not `PUBLISHED`. */
  async markRetracting(tx: Transaction, recordingId: string, targetId: string): Promise<boolean> {
    const result = await tx.query(
      `UPDATE publications SET status = 'RETRACTING', error_code = NULL, error_message = NULL, updated_at = now()
       WHERE recording_id = $1 AND target_id = $2 AND status = 'PUBLISHED' RETURNING target_id`,
      [recordingId, targetId],
    );
    const rows = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
    return rows.length > 0;
  }

  /** The retract's outcome: `RETRACTED`, or back to `PUBLISHED` with the error (the item is still there). */
  async recordRetract(tx: Transaction, recordingId: string, targetId: string, outcome: { retractedAt: Date } | { errorCode: string; errorMessage: string }): Promise<void> {
    if ('retractedAt' in outcome) {
      await tx.query(`UPDATE publications SET status = 'RETRACTED', retracted_at = $3, error_code = NULL, error_message = NULL, updated_at = now() WHERE recording_id = $1 AND target_id = $2`, [
        recordingId,
        targetId,
        outcome.retractedAt,
      ]);
    } else {
      await tx.query(`UPDATE publications SET status = 'PUBLISHED', error_code = $3, error_message = $4, updated_at = now() WHERE recording_id = $1 AND target_id = $2`, [
        recordingId,
        targetId,
        outcome.errorCode,
        outcome.errorMessage,
      ]);
    }
  }

  find(tx: Transaction, recordingId: string, targetId: string): Promise<PublicationEntity | null> {
    return tx.getRepository(PublicationEntity).findOne({ where: { recordingId, targetId } });
  }
}
