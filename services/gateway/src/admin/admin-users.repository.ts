import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ACCOUNT_VIEW_COLUMNS, type AccountViewRow } from '../auth/account-view';
import type { FeatureFlag, Role } from '../access/principal';
import { offsetOf, orderBy } from '../common/pagination';
import type { ListUsersQuery, UserSortField } from './admin.dto';

/** A row of `users` as the admin API reads it. */
export type AdminUserRow = AccountViewRow;

/** The columns an admin may change; undefined leaves a column as it is. */
export interface UserChange {
  role?: Role;
  isActive?: boolean;
  emailVerified?: boolean;
  flags?: Partial<Record<FeatureFlag, boolean>>;
}

const COLUMNS = ACCOUNT_VIEW_COLUMNS;

const SORT_COLUMNS: Record<UserSortField, string> = {
  createdAt: 'created_at',
  email: 'email',
  // Users who never signed in sort as the least recent.
  lastLoginAt: `COALESCE(last_login_at, '-infinity'::timestamptz)`,
};

/** `value` as a literal inside an ILIKE pattern. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Users as administrators see and change them. */
@Injectable()
export class AdminUsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async list(query: ListUsersQuery): Promise<{ rows: AdminUserRow[]; total: number }> {
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (query.search) {
      params.push(`%${likeLiteral(query.search)}%`);
      conditions.push(`(email ILIKE $${params.length} OR full_name ILIKE $${params.length})`);
    }
    if (query.role?.length) {
      params.push(query.role);
      conditions.push(`role = ANY($${params.length}::text[])`);
    }
    if (query.active !== undefined) {
      params.push(query.active);
      conditions.push(`is_active = $${params.length}`);
    }
    if (query.verified !== undefined) conditions.push(query.verified ? 'email_verified_at IS NOT NULL' : 'email_verified_at IS NULL');
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM users ${where}`, params)) as [{ total: number }];
    params.push(query.pageSize, offsetOf(query));
    const rows: AdminUserRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM users ${where} ${orderBy(query.sort, SORT_COLUMNS)} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { rows, total };
  }

  /** The user, locked for the rest of `manager`'s transaction when `forUpdate`. */
  async find(id: string, manager: EntityManager = this.dataSource.manager, forUpdate = false): Promise<AdminUserRow | undefined> {
    const rows: AdminUserRow[] = await manager.query(`SELECT ${COLUMNS} FROM users WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  /** Applies `change` (verifying keeps the first verification time) and returns the user as it is now. */
  async update(manager: EntityManager, id: string, change: UserChange): Promise<AdminUserRow> {
    const flag = (name: FeatureFlag) => change.flags?.[name] ?? null;
    // An UPDATE answers [rows, affected count].
    const [rows] = (await manager.query(
      `UPDATE users SET
         role = COALESCE($2, role),
         is_active = COALESCE($3, is_active),
         email_verified_at = CASE WHEN $4::boolean IS NULL THEN email_verified_at
                                  WHEN $4::boolean THEN COALESCE(email_verified_at, now()) ELSE NULL END,
         can_upload = COALESCE($5, can_upload),
         can_process = COALESCE($6, can_process),
         can_transcribe = COALESCE($7, can_transcribe),
         can_export = COALESCE($8, can_export),
         updated_at = now()
       WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, change.role ?? null, change.isActive ?? null, change.emailVerified ?? null, flag('upload'), flag('process'), flag('transcribe'), flag('export')],
    )) as [AdminUserRow[], number];
    return rows[0]!;
  }

  /** Signs the user out everywhere: every open session is revoked (its refresh tokens stop working). */
  async revokeSessions(manager: EntityManager, userId: string, reason: string): Promise<void> {
    await manager.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, reason]);
  }
}
