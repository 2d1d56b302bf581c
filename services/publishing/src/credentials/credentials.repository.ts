import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { CredentialCheck } from '../presets/credential-check';

export type Transaction = EntityManager;

export interface CredentialRow {
  id: string;
  userId: string;
  platform: string;
  accountName: string;
  sealedTokens: string;
  needsReauth: boolean;
  isActive: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, user_id AS "userId", platform, account_name AS "accountName", sealed_tokens AS "sealedTokens", needs_reauth AS "needsReauth",
  is_active AS "isActive", last_used_at AS "lastUsedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Platform credentials, per user; the tokens stay sealed here (the vault opens them). */
@Injectable()
export class CredentialsRepository implements CredentialCheck {
  constructor(private readonly dataSource: DataSource) {}

  /** A new id for a credential (the tokens are sealed against it before the row exists). */
  newId(): string {
    return uuidv7();
  }

  async findByAccount(tx: Transaction, userId: string, platform: string, accountName: string): Promise<CredentialRow | null> {
    const rows = await tx.query(`SELECT ${COLUMNS} FROM platform_credentials WHERE user_id = $1 AND platform = $2 AND account_name = $3`, [userId, platform, accountName]);
    return rows[0] ?? null;
  }

  async find(tx: Transaction | undefined, userId: string, id: string): Promise<CredentialRow | null> {
    const rows = await (tx ?? this.dataSource.manager).query(`SELECT ${COLUMNS} FROM platform_credentials WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ?? null;
  }

  async insert(tx: Transaction, row: Pick<CredentialRow, 'id' | 'userId' | 'platform' | 'accountName' | 'sealedTokens'>): Promise<CredentialRow> {
    const rows = await tx.query(
      `INSERT INTO platform_credentials (id, user_id, platform, account_name, sealed_tokens) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [row.id, row.userId, row.platform, row.accountName, row.sealedTokens],
    );
    return rows[0];
  }

  /** New tokens for an account (a re-connect): `needs_reauth` is cleared. */
  async replaceTokens(tx: Transaction | undefined, id: string, sealedTokens: string, options: { reconnected: boolean }): Promise<CredentialRow | null> {
    const result = await (tx ?? this.dataSource.manager).query(
      `UPDATE platform_credentials SET sealed_tokens = $2, updated_at = now()${options.reconnected ? ', needs_reauth = false, is_active = true' : ''}
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, sealedTokens],
    );
    return returned<CredentialRow>(result)[0] ?? null;
  }

  /** Every credential of a user, newest first. */
  async list(userId: string): Promise<CredentialRow[]> {
    return this.dataSource.manager.query(`SELECT ${COLUMNS} FROM platform_credentials WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [userId]);
  }

  /** A new account name and/or active flag (the tokens are replaced through `replaceTokens`). */
  async update(tx: Transaction, id: string, change: { accountName?: string; isActive?: boolean }): Promise<CredentialRow | null> {
    const result = await tx.query(
      `UPDATE platform_credentials SET account_name = COALESCE($2, account_name), is_active = COALESCE($3, is_active), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.accountName ?? null, change.isActive ?? null],
    );
    return returned<CredentialRow>(result)[0] ?? null;
  }

  /** Deletes a user's credential; presets that named it lose it. */
  async delete(tx: Transaction, userId: string, id: string): Promise<boolean> {
    const result = await tx.query(`DELETE FROM platform_credentials WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, id]);
    if (returned<{ id: string }>(result).length === 0) return false;
    await tx.query(`UPDATE output_presets SET credential_id = NULL, updated_at = now() WHERE user_id = $1 AND credential_id = $2`, [userId, id]);
    return true;
  }

  async markNeedsReauth(tx: Transaction, id: string): Promise<void> {
    await tx.query(`UPDATE platform_credentials SET needs_reauth = true, updated_at = now() WHERE id = $1`, [id]);
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.manager.query(`UPDATE platform_credentials SET last_used_at = now() WHERE id = $1`, [id]);
  }

  async belongsTo(tx: Transaction, userId: string, platform: string, credentialId: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM platform_credentials WHERE user_id = $1 AND platform = $2 AND id = $3`, [userId, platform, credentialId]);
    return rows.length > 0;
  }
}

function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
