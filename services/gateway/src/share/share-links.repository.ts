import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { touched } from '../recordings/recordings.repository';

/** What a share link shows besides the title: the media, the transcript files, the subtitles, the topics and questions. */
export const SHARE_PARTS = ['media', 'transcript', 'subtitles', 'topics'] as const;
export type SharePart = (typeof SHARE_PARTS)[number];

export interface ShareLinkRow {
  id: string;
  token: string;
  userId: string;
  recordingId: string;
  include: SharePart[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, token, user_id AS "userId", recording_id AS "recordingId", include, expires_at AS "expiresAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;

/** Share links (gateway schema); the owner's reads and changes are scoped by the owner. */
@Injectable()
export class ShareLinksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(link: Omit<ShareLinkRow, 'revokedAt' | 'createdAt'>): Promise<ShareLinkRow> {
    const rows: ShareLinkRow[] = await this.dataSource.query(
      `INSERT INTO share_links (id, token, user_id, recording_id, include, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [link.id, link.token, link.userId, link.recordingId, link.include, link.expiresAt],
    );
    return rows[0]!;
  }

  listOf(userId: string, recordingId: string): Promise<ShareLinkRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM share_links WHERE user_id = $1 AND recording_id = $2 ORDER BY created_at DESC, id DESC`, [userId, recordingId]);
  }

  async findOwned(userId: string, recordingId: string, id: string): Promise<ShareLinkRow | undefined> {
    const rows: ShareLinkRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM share_links WHERE id = $1 AND user_id = $2 AND recording_id = $3`, [id, userId, recordingId]);
    return rows[0];
  }

  async byToken(token: string): Promise<ShareLinkRow | undefined> {
    const rows: ShareLinkRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM share_links WHERE token = $1`, [token]);
    return rows[0];
  }

  /** Revokes the recording's links that are not revoked yet (one of them when `id` is given); answers how many. */
  async revoke(userId: string, recordingId: string, id?: string): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `UPDATE share_links SET revoked_at = now() WHERE user_id = $1 AND recording_id = $2 AND revoked_at IS NULL ${id ? 'AND id = $3' : ''} RETURNING id`,
      id ? [userId, recordingId, id] : [userId, recordingId],
    );
    return touched(result);
  }
}
