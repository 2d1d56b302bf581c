import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccountAccessState, Role } from '../access/principal';
import { UserEntity } from './user.entity';

/**
 * The columns of `users` the access check reads, for a query where the table is `alias`; the id
 * is selected as `idAs` (a join may already have an `id`).
 */
export function accessColumns(alias: string, idAs = 'id'): string {
  return `${alias}.id AS "${idAs}", ${alias}.email, ${alias}.role, ${alias}.is_active AS "isActive", ${alias}.email_verified_at AS "emailVerifiedAt",
  ${alias}.token_version AS "tokenVersion", ${alias}.can_upload AS "canUpload", ${alias}.can_process AS "canProcess",
  ${alias}.can_transcribe AS "canTranscribe", ${alias}.can_export AS "canExport"`;
}

/** A row selected with `accessColumns`. */
export interface AccessRow {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  tokenVersion: number;
  canUpload: boolean;
  canProcess: boolean;
  canTranscribe: boolean;
  canExport: boolean;
}

export function accessStateOf(row: AccessRow): AccountAccessState {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    isActive: row.isActive,
    emailVerifiedAt: row.emailVerifiedAt,
    tokenVersion: row.tokenVersion,
    flags: { upload: row.canUpload, process: row.canProcess, transcribe: row.canTranscribe, export: row.canExport },
  };
}

/** Users of the gateway schema. */
@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ email });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  /** What the access check needs of a user, in one indexed read; undefined when there is no such user. */
  async accessState(id: string, manager: EntityManager = this.dataSource.manager): Promise<AccountAccessState | undefined> {
    const rows: AccessRow[] = await manager.query(`SELECT ${accessColumns('u')} FROM users u WHERE u.id = $1`, [id]);
    return rows[0] ? accessStateOf(rows[0]) : undefined;
  }

  /** Inserts the user in `manager`'s transaction; false when the email is already taken. */
  async insert(manager: EntityManager, user: UserEntity): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.id, user.email, user.passwordHash, user.createdAt],
    );
    return rows.length === 1;
  }

  /** Runs `work` in one transaction (the row and the events it causes commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
