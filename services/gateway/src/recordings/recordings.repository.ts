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

/**
 * Artifact names of the read model: `source`, `video`, `audio`, `transcript`, `topics`,
 * `subtitlesSrt`, `subtitlesVtt`, and the translated subtitles, `subtitlesSrt.<lang>` and `subtitlesVtt.<lang>`.
 */
export type ArtifactName = 'source' | 'video' | 'audio' | 'transcript' | 'topics' | 'subtitlesSrt' | 'subtitlesVtt' | TranslatedArtifactName;
export type TranslatedArtifactName = `subtitles${'Srt' | 'Vtt'}.${string}`;

/** The artifact of the subtitles translated into `language`. */
export const translatedArtifact = (format: 'srt' | 'vtt', language: string): TranslatedArtifactName =>
  `subtitles${format === 'srt' ? 'Srt' : 'Vtt'}.${language}`;

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
  /** DELETING: asked for; DELETED: soft-deleted, restorable until `restorableUntil`; PURGED: its files are gone. */
  deletionState: DeletionState | null;
  deletedAt: Date | null;
  deletionReason: string | null;
  restorableUntil: Date | null;
  hardDeleteAt: Date | null;
  expireAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeletionState = 'DELETING' | 'DELETED' | 'PURGED';

/** Which recordings a read sees: live ones (and those being deleted), or the deleted ones (restorable or purged). */
export type Visibility = 'live' | 'deleted' | 'any';

const VISIBLE: Record<Visibility, string> = {
  live: `deletion_state IS NULL OR deletion_state = 'DELETING'`,
  deleted: `deletion_state IN ('DELETED', 'PURGED')`,
  any: 'true',
};

export interface StageRow {
  stage: string;
  target: string;
  status: string;
  attempt: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: string | null;
  error: { code: string; message: string; retryable?: boolean } | null;
  /** Percent done (0-100) while running, 100 once completed; null before the first report. */
  progress: number | null;
  /** What the running job is doing, from its last progress report. */
  step: string | null;
}

/** A progress report of a running job, for one stage (UPLOAD: one target). */
export interface StageProgress {
  recordingId: string;
  userId: string;
  stage: string;
  target: string;
  percent: number;
  step: string | null;
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
  deleted_at AS "deletedAt", deletion_reason AS "deletionReason", restorable_until AS "restorableUntil", hard_delete_at AS "hardDeleteAt",
  expire_at AS "expireAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Rows an UPDATE or DELETE touched: TypeORM answers those with `[rows, count]`, not the rows alone. */
export function touched(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}

/**
 * Rank of a stage status within one attempt: a later event never moves a stage back. Ingest
 * reports PENDING only for an attempt that has begun when it took the stage back (a pause, or a
 * run setting a failed stage up for its next attempt), so within its attempt PENDING comes after
 * the attempt's own results. A stage taken back and then left out by the config when the run
 * resumes (trimming turned off for that run) is SKIPPED within the same attempt: that comes last.
 */
const STAGE_RANK = (column: string) => `(CASE ${column} WHEN 'IN_PROGRESS' THEN 1 WHEN 'PENDING' THEN 3 WHEN 'SKIPPED' THEN 4 ELSE 2 END)`;

/** The columns of a RecordingRow, and the SQL of the list's sort fields, for reads beside this repository's (the export). */
export const RECORDING_COLUMNS = COLUMNS;
export const RECORDING_SORT_COLUMNS = SORT_COLUMNS;

/**
 * The WHERE of the caller's list (owner, visibility, statuses), its values pushed onto `params`:
 * the filters of `GET /recordings`, shared by the export.
 */
export function listWhere(params: unknown[], userId: string, options: { statuses?: string[]; visibility?: Visibility; ids?: string[] }): string {
  params.push(userId);
  let where = `user_id = $${params.length} AND (${VISIBLE[options.visibility ?? 'live']})`;
  if (options.statuses?.length) {
    params.push(options.statuses);
    // EXPIRED is shown for a recording deleted by its expiry (see publicStatus), whatever its pipeline status.
    const expired = options.statuses.includes('EXPIRED') ? ` OR (deletion_reason = 'EXPIRED' AND deletion_state IN ('DELETED', 'PURGED'))` : '';
    where += ` AND (status = ANY($${params.length})${expired})`;
  }
  if (options.ids) {
    params.push(options.ids);
    where += ` AND id = ANY($${params.length})`;
  }
  return where;
}

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
    e: {
      recordingId: string;
      userId: string;
      title: string;
      originalFilename?: string;
      sourceType: string;
      status: string;
      registeredAt: string;
      source?: ArtifactRef;
      expireAt?: string;
    },
  ): Promise<void> {
    await manager.query(
      `UPDATE recordings SET
         title = $3, original_filename = COALESCE($4, original_filename), source_type = $5,
         status = CASE WHEN status_changed_at IS NULL OR status_changed_at <= $7 THEN $6 ELSE status END,
         status_changed_at = GREATEST(status_changed_at, $7),
         size_bytes = COALESCE(size_bytes, ($8::jsonb ->> 'sizeBytes')::bigint),
         content_type = COALESCE(content_type, $8::jsonb ->> 'contentType'),
         artifacts = CASE WHEN $8::jsonb IS NULL THEN artifacts ELSE artifacts || jsonb_build_object('source', $8::jsonb) END,
         created_at = LEAST(created_at, $7), expire_at = COALESCE(expire_at, $9), updated_at = now()
       WHERE id = $1 AND user_id = $2`,
      [e.recordingId, e.userId, e.title, e.originalFilename ?? null, e.sourceType, e.status, e.registeredAt, e.source ? JSON.stringify(e.source) : null, e.expireAt ?? null],
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
    return touched(rows) > 0;
  }

  /**
   * Upserts one stage: a higher attempt wins; within an attempt a stage only moves forward.
   * Progress follows: a completed stage shows 100, a stage taken back to PENDING or starting
   * another attempt starts again from nothing, a failed one keeps where it stopped.
   */
  async applyStage(manager: EntityManager, s: StageChange): Promise<boolean> {
    const applied: unknown[] = await manager.query(
      `INSERT INTO recording_stages AS st (recording_id, stage, target, status, attempt, started_at, finished_at, error, progress)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $4 = 'COMPLETED' THEN 100 END)
       ON CONFLICT (recording_id, stage, target) DO UPDATE SET
         status = EXCLUDED.status,
         attempt = EXCLUDED.attempt,
         started_at = CASE WHEN EXCLUDED.status = 'PENDING' THEN NULL
           ELSE COALESCE(EXCLUDED.started_at, CASE WHEN EXCLUDED.attempt = st.attempt THEN st.started_at END) END,
         finished_at = CASE WHEN EXCLUDED.status = 'PENDING' THEN NULL
           ELSE COALESCE(EXCLUDED.finished_at, CASE WHEN EXCLUDED.attempt = st.attempt THEN st.finished_at END) END,
         error = EXCLUDED.error,
         progress = CASE WHEN EXCLUDED.status = 'COMPLETED' THEN 100
           WHEN EXCLUDED.status = 'PENDING' OR EXCLUDED.attempt > st.attempt THEN NULL ELSE st.progress END,
         step = CASE WHEN EXCLUDED.status IN ('COMPLETED', 'PENDING') OR EXCLUDED.attempt > st.attempt THEN NULL ELSE st.step END,
         updated_at = now()
       WHERE EXCLUDED.attempt > st.attempt OR (EXCLUDED.attempt = st.attempt AND ${STAGE_RANK('EXCLUDED.status')} >= ${STAGE_RANK('st.status')})
       RETURNING st.recording_id`,
      [s.recordingId, s.stage, s.target, s.status, s.attempt, s.startedAt, s.finishedAt, s.error ? JSON.stringify(s.error) : null],
    );
    await manager.query(
      `UPDATE recording_stages SET duration_ms = CASE WHEN started_at IS NOT NULL AND finished_at IS NOT NULL
         THEN GREATEST(0, round(extract(epoch FROM (finished_at - started_at)) * 1000))::bigint END
       WHERE recording_id = $1 AND stage = $2 AND target = $3`,
      [s.recordingId, s.stage, s.target],
    );
    await this.touch(manager, s.recordingId);
    return applied.length > 0;
  }

  /**
   * Applies a progress report while the stage runs, and only upwards, so a client polling the
   * recording sees the value rise: reports for a stage that is not IN_PROGRESS (arriving before
   * its start, after its end or after a pause) and reports lower than the last are dropped.
   * False when the report did not apply.
   */
  async applyProgress(manager: EntityManager, p: StageProgress): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recording_stages st SET progress = $5, step = COALESCE($6, st.step), updated_at = now()
       FROM recordings r
       WHERE st.recording_id = $1 AND st.stage = $3 AND st.target = $4 AND st.status = 'IN_PROGRESS'
         AND (st.progress IS NULL OR st.progress <= $5)
         AND r.id = st.recording_id AND r.user_id = $2
       RETURNING st.recording_id`,
      [p.recordingId, p.userId, p.stage, p.target, p.percent, p.step],
    );
    return touched(rows) > 0;
  }

  async mergeArtifacts(manager: EntityManager, recordingId: string, userId: string, artifacts: Partial<Record<ArtifactName, ArtifactRef>>): Promise<void> {
    await manager.query(`UPDATE recordings SET artifacts = artifacts || $3::jsonb, updated_at = now() WHERE id = $1 AND user_id = $2`, [
      recordingId,
      userId,
      JSON.stringify(artifacts),
    ]);
  }

  /** An imported recording's original arrived: its size and type, and the title its source gave it. */
  async applyDownloaded(manager: EntityManager, recordingId: string, userId: string, d: { title?: string; sizeBytes: number; contentType?: string }): Promise<void> {
    await manager.query(
      `UPDATE recordings SET title = COALESCE($3, title), size_bytes = $4, content_type = COALESCE($5, content_type), updated_at = now() WHERE id = $1 AND user_id = $2`,
      [recordingId, userId, d.title ?? null, d.sizeBytes, d.contentType ?? null],
    );
  }

  async addPublication(manager: EntityManager, recordingId: string, userId: string, publication: Publication): Promise<void> {
    await manager.query(
      `UPDATE recordings SET publications = publications || jsonb_build_object($3::text, $4::jsonb), updated_at = now() WHERE id = $1 AND user_id = $2`,
      [recordingId, userId, publication.targetId, JSON.stringify(publication)],
    );
  }

  /**
   * The lifecycle events, each applied unless a later one is there already (`lifecycle_changed_at`
   * never moves back): deleted (soft), restored, purged. False when the event was older.
   */
  async markDeleted(
    manager: EntityManager,
    e: { recordingId: string; userId: string; deletedAt: string; reason: string | null; restorableUntil: string | null; hardDeleteAt: string | null },
  ): Promise<boolean> {
    return this.lifecycle(
      manager,
      e.recordingId,
      e.userId,
      e.deletedAt,
      `deletion_state = 'DELETED', deleted_at = $3, deletion_reason = $4, restorable_until = $5, hard_delete_at = $6`,
      [e.reason, e.restorableUntil, e.hardDeleteAt],
    );
  }

  async markRestored(manager: EntityManager, e: { recordingId: string; userId: string; restoredAt: string; expireAt: string }): Promise<boolean> {
    return this.lifecycle(
      manager,
      e.recordingId,
      e.userId,
      e.restoredAt,
      `deletion_state = NULL, deleted_at = NULL, deletion_reason = NULL, restorable_until = NULL, hard_delete_at = NULL, expire_at = $4`,
      [e.expireAt],
    );
  }

  async markPurged(manager: EntityManager, e: { recordingId: string; userId: string; purgedAt: string; hardDeleteAt: string }): Promise<boolean> {
    return this.lifecycle(manager, e.recordingId, e.userId, e.purgedAt, `deletion_state = 'PURGED', hard_delete_at = $4`, [e.hardDeleteAt]);
  }

  /**
   * A reset: artifacts and publications are forgotten, the expiry starts again, the stages it no
   * longer has go, and each stage it keeps takes the state the reset gave it unless a later attempt
   * is there already (a run right after the reset, read first). False for an unknown recording.
   */
  async applyReset(
    manager: EntityManager,
    e: { recordingId: string; userId: string; expireAt?: string; stages: { stage: string; target: string; status: string; attempt: number }[] },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recordings SET artifacts = '{}'::jsonb, publications = '{}'::jsonb, expire_at = COALESCE($3, expire_at), updated_at = now()
       WHERE id = $1 AND user_id = $2 RETURNING id`,
      [e.recordingId, e.userId, e.expireAt ?? null],
    );
    if (touched(rows) === 0) return false;
    await manager.query(
      `DELETE FROM recording_stages WHERE recording_id = $1 AND NOT ((stage, target) IN (SELECT * FROM unnest($2::text[], $3::text[])))`,
      [e.recordingId, e.stages.map((s) => s.stage), e.stages.map((s) => s.target)],
    );
    for (const s of e.stages) {
      await manager.query(
        `INSERT INTO recording_stages AS st (recording_id, stage, target, status, attempt) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (recording_id, stage, target) DO UPDATE SET status = EXCLUDED.status, attempt = EXCLUDED.attempt,
           started_at = NULL, finished_at = NULL, duration_ms = NULL, error = NULL, progress = NULL, step = NULL, updated_at = now()
         WHERE st.attempt <= EXCLUDED.attempt`,
        [e.recordingId, s.stage, s.target, s.status, s.attempt],
      );
    }
    return true;
  }

  /** The last trace of the recording: its row and (by cascade) its stages. */
  async remove(manager: EntityManager, recordingId: string, userId: string): Promise<void> {
    await manager.query(`DELETE FROM recordings WHERE id = $1 AND user_id = $2`, [recordingId, userId]);
  }

  private async lifecycle(manager: EntityManager, recordingId: string, userId: string, at: string, set: string, params: unknown[]): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recordings SET ${set}, lifecycle_changed_at = $3, updated_at = now()
       WHERE id = $1 AND user_id = $2 AND (lifecycle_changed_at IS NULL OR lifecycle_changed_at <= $3) RETURNING id`,
      [recordingId, userId, at, ...params],
    );
    return touched(rows) > 0;
  }

  async markDeleting(manager: EntityManager, recordingId: string, userId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recordings SET deletion_state = 'DELETING', updated_at = now()
       WHERE id = $1 AND user_id = $2 AND deletion_state IS NULL RETURNING id`,
      [recordingId, userId],
    );
    return touched(rows) > 0;
  }

  /** The caller's recording if `visibility` lets it be seen (by default: live, or being deleted). */
  async findOwned(userId: string, recordingId: string, visibility: Visibility = 'live'): Promise<RecordingRow | undefined> {
    const rows: RecordingRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM recordings WHERE id = $1 AND user_id = $2 AND (${VISIBLE[visibility]})`,
      [recordingId, userId],
    );
    return rows[0];
  }

  async stagesOf(recordingId: string): Promise<StageRow[]> {
    return this.dataSource.query(
      `SELECT stage, target, status, attempt, started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", error,
         progress, step
       FROM recording_stages WHERE recording_id = $1`,
      [recordingId],
    );
  }

  async list(
    userId: string,
    options: { page: number; pageSize: number; statuses?: string[]; sort: SortKey<RecordingSortField>[]; visibility?: Visibility },
  ): Promise<{ rows: RecordingRow[]; total: number }> {
    const params: unknown[] = [];
    const where = listWhere(params, userId, options);
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
