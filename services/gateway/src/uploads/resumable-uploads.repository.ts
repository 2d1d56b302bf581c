import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type ResumableUploadState = 'RECEIVING' | 'COMPLETED';

/** One resumable upload as the gateway keeps it (`resumable_uploads`). */
export interface ResumableUploadRow {
  id: string;
  userId: string;
  recordingId: string;
  filename: string;
  extension: string;
  contentType: string;
  title: string;
  /** The announced `Upload-Length`. */
  sizeBytes: number;
  /** The `Upload-Metadata` pairs as the client sent them (decoded). */
  metadata: Record<string, string | null>;
  reservationId: string | null;
  state: ResumableUploadState;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
}

export type NewResumableUpload = Omit<ResumableUploadRow, 'state' | 'completedAt'>;

const COLUMNS = `id, user_id AS "userId", recording_id AS "recordingId", filename, extension, content_type AS "contentType", title,
  size_bytes::float8 AS "sizeBytes", metadata, reservation_id AS "reservationId", state, created_at AS "createdAt",
  expires_at AS "expiresAt", completed_at AS "completedAt"`;

/** The `resumable_uploads` table. */
@Injectable()
export class ResumableUploadsRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async insert(upload: NewResumableUpload): Promise<void> {
    await this.db.query(
      `INSERT INTO resumable_uploads (id, user_id, recording_id, filename, extension, content_type, title, size_bytes, metadata, reservation_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        upload.id,
        upload.userId,
        upload.recordingId,
        upload.filename,
        upload.extension,
        upload.contentType,
        upload.title,
        upload.sizeBytes,
        JSON.stringify(upload.metadata),
        upload.reservationId,
        upload.createdAt,
        upload.expiresAt,
      ],
    );
  }

  /** The upload `id`, whoever it belongs to (the callers check the owner). */
  async find(id: string, manager: EntityManager | DataSource = this.db): Promise<ResumableUploadRow | undefined> {
    const rows: ResumableUploadRow[] = await manager.query(`SELECT ${COLUMNS} FROM resumable_uploads WHERE id = $1`, [id]);
    return rows[0];
  }

  /** The row, locked until the transaction of `manager` ends. */
  async lock(manager: EntityManager, id: string): Promise<ResumableUploadRow | undefined> {
    const rows: ResumableUploadRow[] = await manager.query(`SELECT ${COLUMNS} FROM resumable_uploads WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0];
  }

  async markCompleted(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query(`UPDATE resumable_uploads SET state = 'COMPLETED', completed_at = $2 WHERE id = $1`, [id, at]);
  }

  /** Deletes the row; whether there was one. */
  async delete(id: string, manager: EntityManager | DataSource = this.db): Promise<boolean> {
    const result = (await manager.query(`DELETE FROM resumable_uploads WHERE id = $1 RETURNING id`, [id])) as unknown[];
    return result.length > 0;
  }

  /** Uploads past their expiry (finished or not), oldest first, at most `limit`. */
  async expired(now: Date, limit: number): Promise<ResumableUploadRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM resumable_uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`, [now, limit]);
  }

  /** Unfinished uploads not yet expired, oldest first: the sweep finishes those whose bytes are all there. */
  async receiving(now: Date, limit: number): Promise<ResumableUploadRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM resumable_uploads WHERE state = 'RECEIVING' AND expires_at > $1 ORDER BY created_at LIMIT $2`, [now, limit]);
  }

  /** Which of `ids` have a row. */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM resumable_uploads WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }
}
