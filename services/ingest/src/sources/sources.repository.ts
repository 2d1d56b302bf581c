import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Transaction } from '../recordings/recording.repository';

export interface SourceRow {
  id: string;
  userId: string;
  name: string;
  description: string;
  platform: string;
  credentialId: string | null;
  config: Record<string, unknown>;
  isActive: boolean;
  lastSyncAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SyncSkipRow {
  sourceKey: string;
  title?: string;
  reason: string;
  recordingId?: string;
}

export interface SyncRow {
  id: string;
  userId: string;
  sourceId: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  fromDate: string;
  toDate: string;
  found: number;
  created: number;
  updated: number;
  skips: SyncSkipRow[];
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** The automation run that queued it, and the auto run and template it applies to new recordings (null: the source's own). */
  automationRunId: string | null;
  autoRun: boolean | null;
  templateId: string | null;
  /** The automation job's processing config, the manual override of the recordings the sync brings in (null: none). */
  processingConfig: Record<string, unknown> | null;
  matched: number;
  started: number;
}

/** What a user already has for a source key, deleted recordings included. */
export interface KnownItem {
  recordingId: string;
  status: string;
  deleted: boolean;
  url: string;
  expectedSizeBytes: string | null;
}

const SOURCE = `id, user_id AS "userId", name, description, platform, credential_id AS "credentialId", config, is_active AS "isActive",
  last_sync_at AS "lastSyncAt", created_at AS "createdAt", updated_at AS "updatedAt"`;
const SYNC = `id, user_id AS "userId", source_id AS "sourceId", status, to_char(from_date, 'YYYY-MM-DD') AS "fromDate", to_char(to_date, 'YYYY-MM-DD') AS "toDate",
  found, created, updated, skips, error_code AS "errorCode", error_message AS "errorMessage", created_at AS "createdAt", finished_at AS "finishedAt",
  automation_run_id AS "automationRunId", auto_run AS "autoRun", template_id AS "templateId", processing_config AS "processingConfig", matched, started`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Input sources, their syncs, and what a sync needs to know of the recordings it made. */
@Injectable()
export class SourcesRepository {
  constructor(private readonly dataSource: DataSource) {}

  newId(): string {
    return uuidv7();
  }

  private db(tx?: Transaction): Transaction {
    return tx ?? this.dataSource.manager;
  }

  async find(tx: Transaction | undefined, userId: string, id: string): Promise<SourceRow | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db(tx).query(`SELECT ${SOURCE} FROM input_sources WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ?? null;
  }

  async list(userId: string): Promise<SourceRow[]> {
    return this.db().query(`SELECT ${SOURCE} FROM input_sources WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [userId]);
  }

  async nameTaken(tx: Transaction, userId: string, name: string, platform: string, credentialId: string | null, exceptId?: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 FROM input_sources WHERE user_id = $1 AND name = $2 AND platform = $3 AND credential_id IS NOT DISTINCT FROM $4::uuid AND ($5::uuid IS NULL OR id <> $5::uuid)`,
      [userId, name, platform, credentialId, exceptId ?? null],
    );
    return rows.length > 0;
  }

  async insert(tx: Transaction, row: Pick<SourceRow, 'id' | 'userId' | 'name' | 'description' | 'platform' | 'credentialId' | 'config'>): Promise<SourceRow> {
    const rows = await tx.query(
      `INSERT INTO input_sources (id, user_id, name, description, platform, credential_id, config) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SOURCE}`,
      [row.id, row.userId, row.name, row.description, row.platform, row.credentialId, JSON.stringify(row.config)],
    );
    return rows[0];
  }

  async update(tx: Transaction, row: SourceRow): Promise<SourceRow> {
    const result = await tx.query(
      `UPDATE input_sources SET name = $2, description = $3, credential_id = $4, config = $5, is_active = $6, updated_at = now() WHERE id = $1 RETURNING ${SOURCE}`,
      [row.id, row.name, row.description, row.credentialId, JSON.stringify(row.config), row.isActive],
    );
    return returned<SourceRow>(result)[0];
  }

  async delete(tx: Transaction, userId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return returned<{ id: string }>(await tx.query(`DELETE FROM input_sources WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, id])).length > 0;
  }

  /** The user's active sources that list with this credential, oldest first. */
  async activeWithCredential(tx: Transaction, userId: string, platform: string, credentialId: string): Promise<SourceRow[]> {
    return tx.query(`SELECT ${SOURCE} FROM input_sources WHERE user_id = $1 AND platform = $2 AND credential_id = $3 AND is_active ORDER BY created_at, id`, [userId, platform, credentialId]);
  }

  /**
   * Holds the user's source keys until the transaction ends, in one order (no deadlock between two
   * holders): a sync and a webhook (or two deliveries of one webhook) that bring the same item
   * decide one after the other, so the second sees the first's recording.
   */
  async lockKeys(tx: Transaction, userId: string, sourceKeys: string[]): Promise<void> {
    for (const key of [...new Set(sourceKeys)].sort()) await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`source-key:${userId}:${key}`]);
  }

  async synced(tx: Transaction, id: string, at: Date): Promise<void> {
    await tx.query(`UPDATE input_sources SET last_sync_at = $2 WHERE id = $1`, [id, at]);
  }

  async insertSync(
    tx: Transaction,
    row: { id: string; userId: string; sourceId: string; fromDate: string; toDate: string; automationRunId?: string; autoRun?: boolean; templateId?: string | null; processingConfig?: Record<string, unknown> | null },
  ): Promise<SyncRow> {
    const rows = await tx.query(
      `INSERT INTO source_syncs (id, user_id, source_id, from_date, to_date, automation_run_id, auto_run, template_id, processing_config) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${SYNC}`,
      [row.id, row.userId, row.sourceId, row.fromDate, row.toDate, row.automationRunId ?? null, row.autoRun ?? null, row.templateId ?? null, row.processingConfig ?? null],
    );
    return rows[0];
  }

  async findSync(tx: Transaction | undefined, userId: string, id: string): Promise<SyncRow | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db(tx).query(`SELECT ${SYNC} FROM source_syncs WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ?? null;
  }

  async syncRunning(id: string): Promise<void> {
    await this.db().query(`UPDATE source_syncs SET status = 'RUNNING' WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id]);
  }

  async finishSync(
    tx: Transaction,
    id: string,
    result: { status: 'SUCCEEDED' | 'FAILED'; found: number; created: number; updated: number; skips: SyncSkipRow[]; matched?: number; started?: number; errorCode?: string; errorMessage?: string },
    at: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE source_syncs SET status = $2, found = $3, created = $4, updated = $5, skips = $6, error_code = $7, error_message = $8, finished_at = $9, matched = $10, started = $11 WHERE id = $1`,
      [id, result.status, result.found, result.created, result.updated, JSON.stringify(result.skips), result.errorCode ?? null, result.errorMessage ?? null, at, result.matched ?? 0, result.started ?? 0],
    );
  }

  /** Whether a recording is bound to a template (by a match or by name). */
  async isBound(tx: Transaction, recordingId: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM recordings WHERE id = $1 AND template_id IS NOT NULL`, [recordingId]);
    return rows.length > 0;
  }

  /** The recording a user has for any of an item's keys, deleted or not (a sync never brings a deleted one back). */
  async known(tx: Transaction, userId: string, sourceKeys: string[]): Promise<KnownItem | null> {
    const rows = await tx.query(
      `SELECT s.recording_id AS "recordingId", r.status, (r.deleted_at IS NOT NULL) AS deleted, s.url, s.expected_size_bytes AS "expectedSizeBytes"
         FROM recording_sources s JOIN recordings r ON r.id = s.recording_id
        WHERE s.user_id = $1 AND (s.source_key = ANY($2::text[]) OR s.metadata->>'syncKey' = ANY($2::text[]))
        ORDER BY r.created_at DESC LIMIT 1`,
      [userId, sourceKeys],
    );
    return rows[0] ?? null;
  }

  /** A held or not yet started recording's source, as the source now describes it. */
  async refreshSource(tx: Transaction, recordingId: string, change: { url: string; expectedSizeBytes: number | null; metadata: Record<string, unknown> }): Promise<void> {
    await tx.query(`UPDATE recording_sources SET url = $2, expected_size_bytes = $3, metadata = metadata || $4::jsonb, updated_at = now() WHERE recording_id = $1`, [
      recordingId,
      change.url,
      change.expectedSizeBytes,
      JSON.stringify(change.metadata),
    ]);
  }
}

function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
