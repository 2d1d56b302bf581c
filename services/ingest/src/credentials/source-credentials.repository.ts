import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Transaction } from '../recordings/recording.repository';

export interface SourceCredentialRow {
  id: string;
  userId: string;
  platform: string;
  accountName: string;
  kind: string;
  sealedData: string;
  hints: Record<string, string>;
  needsReauth: boolean;
  isActive: boolean;
  externalAccountId: string | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a webhook looks a credential up by, kept in clear beside the sealed fields. */
export interface WebhookIndex {
  /** The platform's account id (a Zoom Server-to-Server app's `accountId`), when the fields name one. */
  externalAccountId: string | null;
  hasWebhookSecret: boolean;
}

const COLUMNS = `id, user_id AS "userId", platform, account_name AS "accountName", kind, sealed_data AS "sealedData", hints, needs_reauth AS "needsReauth",
  is_active AS "isActive", external_account_id AS "externalAccountId", last_used_at AS "lastUsedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Source credentials, per user; the fields stay sealed here (the vault opens them). */
@Injectable()
export class SourceCredentialsRepository {
  constructor(private readonly dataSource: DataSource) {}

  newId(): string {
    return uuidv7();
  }

  private db(tx?: Transaction): Transaction {
    return tx ?? this.dataSource.manager;
  }

  async find(tx: Transaction | undefined, userId: string, id: string): Promise<SourceCredentialRow | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db(tx).query(`SELECT ${COLUMNS} FROM source_credentials WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ?? null;
  }

  async findByAccount(tx: Transaction, userId: string, platform: string, accountName: string): Promise<SourceCredentialRow | null> {
    const rows = await tx.query(`SELECT ${COLUMNS} FROM source_credentials WHERE user_id = $1 AND platform = $2 AND account_name = $3`, [userId, platform, accountName]);
    return rows[0] ?? null;
  }

  async list(userId: string): Promise<SourceCredentialRow[]> {
    return this.db().query(`SELECT ${COLUMNS} FROM source_credentials WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [userId]);
  }

  async insert(
    tx: Transaction,
    row: Pick<SourceCredentialRow, 'id' | 'userId' | 'platform' | 'accountName' | 'kind' | 'sealedData' | 'hints'> & { webhook?: WebhookIndex },
  ): Promise<SourceCredentialRow> {
    const rows = await tx.query(
      `INSERT INTO source_credentials (id, user_id, platform, account_name, kind, sealed_data, hints, external_account_id, has_webhook_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [row.id, row.userId, row.platform, row.accountName, row.kind, row.sealedData, JSON.stringify(row.hints), row.webhook?.externalAccountId ?? null, row.webhook?.hasWebhookSecret ?? false],
    );
    return rows[0];
  }

  /** New fields (a re-connect or a replacement): `needs_reauth` is cleared. */
  async replaceData(
    tx: Transaction | undefined,
    id: string,
    change: { kind: string; sealedData: string; hints: Record<string, string>; webhook?: WebhookIndex },
  ): Promise<SourceCredentialRow | null> {
    const result = await this.db(tx).query(
      `UPDATE source_credentials SET kind = $2, sealed_data = $3, hints = $4, needs_reauth = false, external_account_id = $5, has_webhook_secret = $6, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.kind, change.sealedData, JSON.stringify(change.hints), change.webhook?.externalAccountId ?? null, change.webhook?.hasWebhookSecret ?? false],
    );
    return returned<SourceCredentialRow>(result)[0] ?? null;
  }

  /** Refreshed tokens (the platform gave new ones): the same fields, resealed, nothing else changes. */
  async saveRefreshed(id: string, sealedData: string, hints: Record<string, string>): Promise<void> {
    await this.db().query(`UPDATE source_credentials SET sealed_data = $2, hints = $3, last_used_at = now(), updated_at = now() WHERE id = $1`, [id, sealedData, JSON.stringify(hints)]);
  }

  async update(tx: Transaction, id: string, change: { accountName?: string; isActive?: boolean }): Promise<SourceCredentialRow | null> {
    const result = await tx.query(
      `UPDATE source_credentials SET account_name = COALESCE($2, account_name), is_active = COALESCE($3, is_active), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.accountName ?? null, change.isActive ?? null],
    );
    return returned<SourceCredentialRow>(result)[0] ?? null;
  }

  async delete(tx: Transaction, userId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const result = await tx.query(`DELETE FROM source_credentials WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, id]);
    return returned<{ id: string }>(result).length > 0;
  }

  /** The platform refused the credential: the owner has to replace it. */
  async markNeedsReauth(id: string): Promise<void> {
    await this.db().query(`UPDATE source_credentials SET needs_reauth = true, updated_at = now() WHERE id = $1`, [id]);
  }

  /**
   * The Zoom credentials that may have signed a webhook: those of the event's account first, then
   * those that know no account (user OAuth); every one with a webhook secret token when the event
   * names no account (URL validation). Active ones only, at most `limit`.
   */
  async webhookCandidates(tx: Transaction | undefined, accountId: string | null, limit: number): Promise<SourceCredentialRow[]> {
    return this.db(tx).query(
      `SELECT ${COLUMNS} FROM source_credentials
        WHERE platform = 'zoom' AND has_webhook_secret AND is_active
          AND ($1::text IS NULL OR external_account_id = $1::text OR external_account_id IS NULL)
        ORDER BY (external_account_id IS NOT DISTINCT FROM $1::text) DESC, created_at, id
        LIMIT $2`,
      [accountId, limit],
    );
  }

  async touch(id: string): Promise<void> {
    await this.db().query(`UPDATE source_credentials SET last_used_at = now() WHERE id = $1`, [id]);
  }

  /** One page of sealed values after `afterId`, for key rotation. */
  async sealedPage(afterId: string | null, limit: number): Promise<{ id: string; sealedData: string }[]> {
    return this.db().query(`SELECT id, sealed_data AS "sealedData" FROM source_credentials WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`, [afterId, limit]);
  }

  /** Writes a resealed value only over the one it was made from (a concurrent change wins). */
  async writeSealed(id: string, previous: string, next: string): Promise<void> {
    await this.db().query(`UPDATE source_credentials SET sealed_data = $3 WHERE id = $1 AND sealed_data = $2`, [id, previous, next]);
  }
}

function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
