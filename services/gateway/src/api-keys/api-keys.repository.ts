import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Scope } from '../access/principal';
import { accessColumns, type AccessRow } from '../auth/users.repository';
import { offsetOf, orderBy } from '../common/pagination';
import type { ApiKeySortField, ApiKeyStatus, ListApiKeysQuery } from './api-keys.dto';

/** One row of `api_keys`, without the hash. */
export interface ApiKeyRow {
  id: string;
  publicId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A key with its hash and its owner's access state: what authenticating a request reads, in one query. */
export interface KeyWithOwnerRow extends ApiKeyRow, Omit<AccessRow, 'id'> {
  secretHash: Buffer;
  userId: string;
}

export interface NewApiKeyRow {
  id: string;
  userId: string;
  publicId: string;
  secretHash: Buffer;
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
}

const COLUMNS = `k.id, k.public_id AS "publicId", k.name, k.scopes, k.created_at AS "createdAt", k.expires_at AS "expiresAt",
  k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"`;

const SORT_COLUMNS: Record<ApiKeySortField, string> = {
  createdAt: 'k.created_at',
  // Never-used keys sort as the least recently used.
  lastUsedAt: `COALESCE(k.last_used_at, '-infinity'::timestamptz)`,
  name: 'lower(k.name)',
};

/** The condition of each status; exactly one holds for every key. */
const STATUS_CONDITIONS: Record<ApiKeyStatus, string> = {
  active: `(k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))`,
  revoked: `(k.revoked_at IS NOT NULL)`,
  expired: `(k.revoked_at IS NULL AND k.expires_at <= now())`,
};

/** How often, at most, a key's `last_used_at` is written. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** API keys of the gateway schema. Every read and change of the management API is scoped by the owner. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a key; undefined when its public id is taken (the caller draws another). */
  async insert(key: NewApiKeyRow): Promise<ApiKeyRow | undefined> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `INSERT INTO api_keys AS k (id, user_id, public_id, secret_hash, name, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
       ON CONFLICT (public_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [key.id, key.userId, key.publicId, key.secretHash, key.name, key.scopes, key.expiresAt],
    );
    return rows[0];
  }

  async list(userId: string, query: ListApiKeysQuery): Promise<{ rows: ApiKeyRow[]; total: number }> {
    const params: unknown[] = [userId];
    let where = 'k.user_id = $1';
    if (query.status?.length) where += ` AND (${query.status.map((s) => STATUS_CONDITIONS[s]).join(' OR ')})`;
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM api_keys k WHERE ${where}`, params)) as [{ total: number }];
    params.push(query.pageSize, offsetOf(query));
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_keys k WHERE ${where} ${orderBy(query.sort, SORT_COLUMNS, 'k.id DESC')} LIMIT $2 OFFSET $3`,
      params,
    );
    return { rows, total };
  }

  /** Revokes the owner's key (a second revocation keeps the first time); false when the owner has no such key. */
  async revoke(userId: string, id: string): Promise<boolean> {
    // An UPDATE answers [rows, affected count].
    const [, affected] = (await this.dataSource.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ])) as [unknown[], number];
    return affected === 1;
  }

  /** The key with this public id and its owner, or undefined. */
  async findWithOwner(publicId: string): Promise<KeyWithOwnerRow | undefined> {
    const rows: KeyWithOwnerRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS}, k.secret_hash AS "secretHash", ${accessColumns('u', 'userId')}
       FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE k.public_id = $1`,
      [publicId],
    );
    return rows[0];
  }

  /** Records a use, unless one was recorded in the last minute (so busy keys cost no write per request). */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
      [id, LAST_USED_RESOLUTION_MS / 1000],
    );
  }
}
