import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ProviderCredentialRow {
  userId: string;
  provider: string;
  sealedApiKey: string;
  keyHint: string;
  model: string | null;
  /** `llm` only: the chat API's base URL, when not the server's. */
  baseUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** True when this write added the row rather than replacing its key. */
  created?: boolean;
}

const COLUMNS = `user_id AS "userId", provider, sealed_api_key AS "sealedApiKey", key_hint AS "keyHint", model, base_url AS "baseUrl", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** `provider_credentials` in the service's schema: one sealed key per user and provider (speech providers and `llm`, the chat model). */
@Injectable()
export class ProviderCredentialsRepository {
  constructor(private readonly db: DataSource) {}

  async upsert(row: Pick<ProviderCredentialRow, 'userId' | 'provider' | 'sealedApiKey' | 'keyHint' | 'model' | 'baseUrl'>): Promise<ProviderCredentialRow> {
    const [saved] = await this.db.query(
      `INSERT INTO provider_credentials (user_id, provider, sealed_api_key, key_hint, model, base_url) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, provider) DO UPDATE
         SET sealed_api_key = EXCLUDED.sealed_api_key, key_hint = EXCLUDED.key_hint, model = EXCLUDED.model, base_url = EXCLUDED.base_url, updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [row.userId, row.provider, row.sealedApiKey, row.keyHint, row.model, row.baseUrl],
    );
    return saved;
  }

  async list(userId: string): Promise<ProviderCredentialRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM provider_credentials WHERE user_id = $1 ORDER BY provider`, [userId]);
  }

  async find(userId: string, provider: string): Promise<ProviderCredentialRow | undefined> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM provider_credentials WHERE user_id = $1 AND provider = $2`, [userId, provider]);
    return row;
  }

  async delete(userId: string, provider: string): Promise<boolean> {
    const [rows] = await this.db.query(`DELETE FROM provider_credentials WHERE user_id = $1 AND provider = $2 RETURNING provider`, [userId, provider]);
    return rows.length > 0;
  }

  /** One page of sealed keys, in (user, provider) order after `after` (the resealer walks the table with it). */
  async sealedPage(after: { userId: string; provider: string } | null, limit: number): Promise<Pick<ProviderCredentialRow, 'userId' | 'provider' | 'sealedApiKey'>[]> {
    return this.db.query(
      `SELECT user_id AS "userId", provider, sealed_api_key AS "sealedApiKey" FROM provider_credentials
        WHERE $1::text IS NULL OR (user_id, provider) > ($1, $2) ORDER BY user_id, provider LIMIT $3`,
      [after?.userId ?? null, after?.provider ?? null, limit],
    );
  }

  /** Writes a resealed key, unless the key changed since it was read. */
  async replaceSealed(userId: string, provider: string, before: string, after: string): Promise<void> {
    await this.db.query(`UPDATE provider_credentials SET sealed_api_key = $4 WHERE user_id = $1 AND provider = $2 AND sealed_api_key = $3`, [userId, provider, before, after]);
  }
}
