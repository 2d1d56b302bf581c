import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationPreferences } from './notification-kinds';

const DEFAULTS: NotificationPreferences = { recordingReady: true, recordingFailed: true, quotaWarning: true };

/** Notification switches per user (every kind on until switched off) and the record of what was sent. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async preferences(userId: string, manager?: EntityManager): Promise<NotificationPreferences> {
    const [row] = await (manager ?? this.dataSource).query(
      `SELECT recording_ready AS "recordingReady", recording_failed AS "recordingFailed", quota_warning AS "quotaWarning"
         FROM notification_preferences WHERE user_id = $1`,
      [userId],
    );
    return row ?? { ...DEFAULTS };
  }

  async update(userId: string, changes: Partial<NotificationPreferences>): Promise<NotificationPreferences> {
    const next = { ...(await this.preferences(userId)), ...changes };
    await this.dataSource.query(
      `INSERT INTO notification_preferences (user_id, recording_ready, recording_failed, quota_warning) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET recording_ready = EXCLUDED.recording_ready, recording_failed = EXCLUDED.recording_failed,
         quota_warning = EXCLUDED.quota_warning, updated_at = now()`,
      [userId, next.recordingReady, next.recordingFailed, next.quotaWarning],
    );
    return next;
  }

  /** Turns one kind off; false when there is no such user. */
  async turnOff(userId: string, kind: NotificationKind): Promise<boolean> {
    const [user] = await this.dataSource.query(`SELECT 1 FROM users WHERE id = $1`, [userId]);
    if (!user) return false;
    await this.update(userId, { [NOTIFICATION_KINDS[kind].field]: false });
    return true;
  }

  /** Records that `kind` was sent about `subjectId`; false when it already was. */
  async markSent(manager: EntityManager, userId: string, subjectId: string, kind: NotificationKind): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO notifications_sent (user_id, subject_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING kind`,
      [userId, subjectId, kind],
    );
    return rows.length > 0;
  }

  /** The address of an active user, for mails that are not about a recording. */
  async email(manager: EntityManager, userId: string): Promise<string | undefined> {
    const [row] = await manager.query(`SELECT email FROM users WHERE id = $1 AND is_active`, [userId]);
    return row?.email;
  }

  async recipient(manager: EntityManager, userId: string, recordingId: string): Promise<{ email: string; title: string | null } | undefined> {
    const [row] = await manager.query(
      `SELECT u.email, r.title FROM users u LEFT JOIN recordings r ON r.id = $2 AND r.user_id = u.id::text WHERE u.id = $1 AND u.is_active`,
      [userId, recordingId],
    );
    return row;
  }
}
