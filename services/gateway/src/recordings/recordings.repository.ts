import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { orderBy, type SortKey } from '../common/pagination';
import type { RecordingSortField } from './recordings.dto';

/** An object of a recording as the read model keeps it. */
export interface ArtifactRef {
  key: string;
  sizeBytes: number;
  checksumSha256?: string;
  contentType?: string;
}

export interface Publication {
  targetId: string;
  platform: string;
  url?: string;
  location?: string;
  externalId?: string;
  publishedAt: string;
}

/** Artifact names of the read model: `source`, `video`, `audio`, `transcript`, `topics`, `subtitlesSrt`, `subtitlesVtt`. */
export type ArtifactName = 'source' | 'video' | 'audio' | 'transcript' | 'topics' | 'subtitlesSrt' | 'subtitlesVtt';

export interface RecordingRow {
  id: string;
  userId: string;
  title: string | null;
  originalFilename: string | null;
  sourceType: string | null;
  status: string;
  statusChangedAt: Date | null;
  failed: boolean;
  failedStage: string | null;
  failureReason: string | null;
  sizeBytes: string | null;
  contentType: string | null;
  artifacts: Partial<Record<ArtifactName, ArtifactRef>>;
  publications: Record<string, Publication>;
  deletionState: 'DELETING' | 'DELETED' | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StageRow {
  stage: string;
  target: string;
  status: string;
  attempt: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: string | null;
  error: { code: string; message: string; retryable?: boolean } | null;
}

export interface NewUploadedRecording {
  id: string;
  userId: string;
  title: string;
  originalFilename: string;
  sizeBytes: number;
  contentType: string;
  source: ArtifactRef;
}

export interface StageChange {
  recordingId: string;
  userId: string;
  stage: string;
  target: string;
  status: string;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: StageRow['error'];
}

const SORT_COLUMNS: Record<RecordingSortField, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  title: 'title',
  status: 'status',
  sizeBytes: 'size_bytes',
};

const COLUMNS = `id, user_id AS "userId", title, original_filename AS "originalFilename", source_type AS "sourceType", status,
  status_changed_at AS "statusChangedAt", failed, failed_stage AS "failedStage", failure_reason AS "failureReason",
  size_bytes AS "sizeBytes", content_type AS "contentType", artifacts, publications, deletion_state AS "deletionState",
  deleted_at AS "deletedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Rank of a stage status within one attempt: a later event never moves a stage back. */
const STAGE_RANK = (column: string) => `(CASE ${column} WHEN 'PENDING' THEN 0 WHEN 'IN_PROGRESS' THEN 1 ELSE 2 END)`;

/**
 * The recording read model (gateway schema): one row per recording, its stages, artifacts and
 * publications, built from the pipeline's events. Every read is scoped by the owner.
 */
@Injectable()
export class RecordingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insertUploaded(manager: EntityManager, r: NewUploadedRecording): Promise<RecordingRow> {
    const rows: RecordingRow[] = await manager.query(
      `INSERT INTO recordings (id, user_id, title, original_filename, source_type, status, size_bytes, content_type, artifacts)
       VALUES ($1, $2, $3, $4, 'UPLOAD', 'INITIALIZED', $5, $6, jsonb_build_object('source', $7::jsonb))
       RETURNING ${COLUMNS}`,
      [r.id, r.userId, r.title, r.originalFilename, r.sizeBytes, r.contentType, JSON.stringify(r.source)],
    );
    return rows[0]!;
  }

  /**
   * Makes sure the recording has a row (an event may arrive before the one that registers it).
   * Returns false when the row belongs to another user: the event is then ignored.
   */
  async ensure(manager: EntityManager, recordingId: string, userId: string): Promise<boolean> {
    await manager.query(`INSERT INTO recordings (id, user_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [recordingId, userId]);
    const rows: { userId: string }[] = await manager.query(`SELECT user_id AS "userId" FROM recordings WHERE id = $1 FOR UPDATE`, [recordingId]);
    return rows[0]?.userId === userId;
  }

  async applyRegistered(
    manager: EntityManager,
    e: { recordingId: string; userId: string; title: string; originalFilename?: string; sourceType: string; status: string; registeredAt: string; source?: ArtifactRef },
  ): Promise<void> {
    await manager.query(
      `UPDATE recordings SET
         title = $3, original_filename = COALESCE($4, original_filename), source_type = $5,
         status = CASE WHEN status_changed_at IS NULL OR status_changed_at <= $7 THEN $6 ELSE status END,
         status_changed_at = GREATEST(status_changed_at, $7),
         size_bytes = COALESCE(size_bytes, ($8::jsonb ->> 'sizeBytes')::bigint),
         content_type = COALESCE(content_type, $8::jsonb ->> 'contentType'),
         artifacts = CASE WHEN $8::jsonb IS NULL THEN artifacts ELSE artifacts || jsonb_build_object('source', $8::jsonb) END,
         created_at = LEAST(created_at, $7), updated_at = now()
       WHERE id = $1 AND user_id = $2`,
      [e.recordingId, e.userId, e.title, e.originalFilename ?? null, e.sourceType, e.status, e.registeredAt, e.source ? JSON.stringify(e.source) : null],
    );
  }

  /** Applies a status change unless a later one is already there: `status_changed_at` never moves back. */
  async applyStatus(
    manager: EntityManager,
    e: { recordingId: string; userId: string; status: string; failed: boolean; failedStage: string | null; failureReason: string | null; changedAt: string },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recordings SET status = $3, failed = $4, failed_stage = $5, failure_reason = $6, status_changed_at = $7, updated_at = now()
       WHERE id = $1 AND user_id = $2 AND (status_changed_at IS NULL OR status_changed_at <= $7)
       RETURNING id`,
      [e.recordingId, e.userId, e.status, e.failed, e.failedStage, e.failureReason, e.changedAt],
    );
    return rows.length > 0;
  }

  /** Upserts one stage: a higher attempt wins; within an attempt a stage only moves forward. */
  async applyStage(manager: EntityManager, s: StageChange): Promise<void> {
    await manager.query(
      `INSERT INTO recording_stages AS st (recording_id, stage, target, status, attempt, started_at, finished_at, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (recording_id, stage, target) DO UPDATE SET
         status = EXCLUDED.status,
         attempt = EXCLUDED.attempt,
         started_at = COALESCE(EXCLUDED.started_at, CASE WHEN EXCLUDED.attempt = st.attempt THEN st.started_at END),
         finished_at = COALESCE(EXCLUDED.finished_at, CASE WHEN EXCLUDED.attempt = st.attempt THEN st.finished_at END),
         error = EXCLUDED.error,
         updated_at = now()
       WHERE EXCLUDED.attempt > st.attempt OR (EXCLUDED.attempt = st.attempt AND ${STAGE_RANK('EXCLUDED.status')} >= ${STAGE_RANK('st.status')})`,
      [s.recordingId, s.stage, s.target, s.status, s.attempt, s.startedAt, s.finishedAt, s.error ? JSON.stringify(s.error) : null],
    );
    await manager.query(
      `UPDATE recording_stages SET duration_ms = CASE WHEN started_at IS NOT NULL AND finished_at IS NOT NULL
         THEN GREATEST(0, round(extract(epoch FROM (finished_at - started_at)) * 1000))::bigint END
       WHERE recording_id = $1 AND stage = $2 AND target = $3`,
      [s.recordingId, s.stage, s.target],
    );
    await this.touch(manager, s.recordingId);
  }

  async mergeArtifacts(manager: EntityManager, recordingId: string, userId: string, artifacts: Partial<Record<ArtifactName, ArtifactRef>>): Promise<void> {
    await manager.query(`UPDATE recordings SET artifacts = artifacts || $3::jsonb, updated_at = now() WHERE id = $1 AND user_id = $2`, [
      recordingId,
      userId,
      JSON.stringify(artifacts),
    ]);
  }

  async addPublication(manager: EntityManager, recordingId: string, userId: string, publication: Publication): Promise<void> {
    await manager.query(
      `UPDATE recordings SET publications = publications || jsonb_build_object($3::text, $4::jsonb), updated_at = now() WHERE id = $1 AND user_id = $2`,
      [recordingId, userId, publication.targetId, JSON.stringify(publication)],
    );
  }

  async markDeleted(manager: EntityManager, recordingId: string, userId: string, deletedAt: string): Promise<void> {
    await manager.query(
      `UPDATE recordings SET deletion_state = 'DELETED', deleted_at = $3, updated_at = now() WHERE id = $1 AND user_id = $2`,
      [recordingId, userId, deletedAt],
    );
  }

  async markDeleting(manager: EntityManager, recordingId: string, userId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recordings SET deletion_state = 'DELETING', updated_at = now()
       WHERE id = $1 AND user_id = $2 AND deletion_state IS NULL RETURNING id`,
      [recordingId, userId],
    );
    return rows.length > 0;
  }

  /** The caller's recording, unless it is gone. */
  async findOwned(userId: string, recordingId: string): Promise<RecordingRow | undefined> {
    const rows: RecordingRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM recordings WHERE id = $1 AND user_id = $2 AND deletion_state IS DISTINCT FROM 'DELETED'`,
      [recordingId, userId],
    );
    return rows[0];
  }

  async stagesOf(recordingId: string): Promise<StageRow[]> {
    return this.dataSource.query(
      `SELECT stage, target, status, attempt, started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", error
       FROM recording_stages WHERE recording_id = $1`,
      [recordingId],
    );
  }

  async list(userId: string, options: { page: number; pageSize: number; statuses?: string[]; sort: SortKey<RecordingSortField>[] }): Promise<{ rows: RecordingRow[]; total: number }> {
    const params: unknown[] = [userId];
    let where = `user_id = $1 AND deletion_state IS DISTINCT FROM 'DELETED'`;
    if (options.statuses?.length) {
      params.push(options.statuses);
      where += ` AND status = ANY($${params.length})`;
    }
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM recordings WHERE ${where}`, params)) as [{ total: number }];
    params.push(options.pageSize, (options.page - 1) * options.pageSize);
    const rows: RecordingRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM recordings WHERE ${where} ${orderBy(options.sort, SORT_COLUMNS)} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { rows, total };
  }

  private async touch(manager: EntityManager, recordingId: string): Promise<void> {
    await manager.query(`UPDATE recordings SET updated_at = now() WHERE id = $1`, [recordingId]);
  }
}
