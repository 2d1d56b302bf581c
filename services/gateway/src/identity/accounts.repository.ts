import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '../access/principal';
import { ACCOUNT_VIEW_COLUMNS, accountView, type AccountView, type AccountViewRow } from '../auth/account-view';

/** A new account as registration stores it. */
export interface NewAccount {
  id: string;
  email: string;
  passwordHash: string;
  fullName?: string;
  role: Role;
  createdAt: Date;
  /** Verified at once (when the deployment does not ask for verification). */
  verified: boolean;
}

/** What the mail endpoints need to know about the owner of an address. */
export interface MailRecipient {
  id: string;
  email: string;
  isActive: boolean;
  emailVerified: boolean;
}

/** Why every session of a user was ended. */
export type CredentialChange = 'password-reset' | 'password-change';

/** The account rows registration, verification, password reset and the profile read and write. */
@Injectable()
export class AccountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Inserts the account in `manager`'s transaction; false when the email is already taken. */
  async create(manager: EntityManager, account: NewAccount): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO users (id, email, password_hash, created_at, updated_at, full_name, role, email_verified_at)
       VALUES ($1, $2, $3, $4, $4, $5, $6, CASE WHEN $7 THEN $4::timestamptz END)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [account.id, account.email, account.passwordHash, account.createdAt, account.fullName ?? null, account.role, account.verified],
    );
    return rows.length === 1;
  }

  async recipient(email: string): Promise<MailRecipient | undefined> {
    const rows: MailRecipient[] = await this.dataSource.query(
      `SELECT id, email, is_active AS "isActive", email_verified_at IS NOT NULL AS "emailVerified" FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  async profile(userId: string): Promise<AccountView | undefined> {
    const rows: AccountViewRow[] = await this.dataSource.query(`SELECT ${ACCOUNT_VIEW_COLUMNS} FROM users WHERE id = $1`, [userId]);
    return rows[0] ? accountView(rows[0]) : undefined;
  }

  async setFullName(userId: string, fullName: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE users SET full_name = $2, updated_at = now() WHERE id = $1`, [userId, fullName]);
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    const rows: { hash: string }[] = await this.dataSource.query(`SELECT password_hash AS hash FROM users WHERE id = $1`, [userId]);
    return rows[0]?.hash;
  }

  /** Marks the address verified (a no-op when it already is). */
  async markVerified(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`UPDATE users SET email_verified_at = now(), updated_at = now() WHERE id = $1 AND email_verified_at IS NULL`, [userId]);
  }

  /**
   * Stores a new password hash and signs the user out everywhere: every open session is revoked
   * and `token_version` goes up, so nothing issued before the change keeps working.
   */
  async replacePassword(manager: EntityManager, userId: string, passwordHash: string, reason: CredentialChange): Promise<void> {
    await manager.query(`UPDATE users SET password_hash = $2, token_version = token_version + 1, updated_at = now() WHERE id = $1`, [userId, passwordHash]);
    await manager.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, reason]);
  }
}
