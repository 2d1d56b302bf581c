import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../access/principal';
import { adminRequired } from '../access/problems';
import { pageOf, type Page } from '../common/pagination';
import { displayPrefix, generateApiKey } from './api-key-format';
import type { ApiKeyStatus, ApiKeyView, CreateApiKeyDto, CreatedApiKey, ListApiKeysQuery } from './api-keys.dto';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository';
import { apiKeyNotFound } from './problems';
import { isUuid } from '../common/validation';

/** Attempts at drawing an unused public id (36^8 ids: a collision is already rare). */
const PUBLIC_ID_ATTEMPTS = 5;

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

function statusOf(row: ApiKeyRow, now = Date.now()): ApiKeyStatus {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && new Date(row.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}

/** A key as the API shows it: never the secret. */
export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: displayPrefix(row.publicId),
    scopes: row.scopes,
    createdAt: iso(row.createdAt)!,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
    status: statusOf(row),
  };
}

/** A user's API keys: make one (shown once), list them, revoke one. */
@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  async create(owner: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    if (dto.scopes.includes('admin') && owner.role !== 'admin') throw adminRequired();
    for (let attempt = 0; attempt < PUBLIC_ID_ATTEMPTS; attempt++) {
      const secret = generateApiKey();
      const row = await this.keys.insert({
        id: uuidv7(),
        userId: owner.userId,
        publicId: secret.publicId,
        secretHash: secret.hash,
        name: dto.name,
        scopes: dto.scopes,
        expiresAt: dto.expiresAt ?? null,
      });
      if (row) {
        const view = apiKeyView(row);
        return { id: view.id, name: view.name, scopes: view.scopes, prefix: view.prefix, createdAt: view.createdAt, expiresAt: view.expiresAt, key: secret.key };
      }
    }
    throw new Error(`No unused API key id found in ${PUBLIC_ID_ATTEMPTS} attempts`);
  }

  async list(ownerId: string, query: ListApiKeysQuery): Promise<Page<ApiKeyView>> {
    const { rows, total } = await this.keys.list(ownerId, query);
    return pageOf(rows.map(apiKeyView), query, total);
  }

  /** Revokes the owner's key; revoking it again is fine. Another user's key is "not found". */
  async revoke(ownerId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.keys.revoke(ownerId, id))) throw apiKeyNotFound();
  }
}
