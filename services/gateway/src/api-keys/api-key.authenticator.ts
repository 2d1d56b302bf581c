import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { ApiKeyAuthenticator } from '../access/authenticators';
import { principalFrom, type Principal } from '../access/principal';
import { accountDisabled, unauthenticated } from '../access/problems';
import { accessStateOf } from '../auth/users.repository';
import type { HttpRequest as Request } from '../common/http-types';
import { matchesHash, publicIdOf } from './api-key-format';
import { ApiKeysRepository, LAST_USED_RESOLUTION_MS, type KeyWithOwnerRow } from './api-keys.repository';
import { apiKeyExpired, apiKeyRevoked } from './problems';

/**
 * API keys (`Authorization: Bearer leap_...`): the key must exist with a matching secret, be neither
 * revoked nor expired, and belong to an active account. The caller's scopes are the key's, cut to
 * what the owner's current role allows.
 */
@Injectable()
export class DatabaseApiKeyAuthenticator extends ApiKeyAuthenticator {
  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async authenticate(secret: string, _request: Request): Promise<Principal> {
    const publicId = publicIdOf(secret);
    const row = publicId ? await this.keys.findWithOwner(publicId) : undefined;
    if (!row || !matchesHash(secret, row.secretHash)) throw unauthenticated('Unknown API key');
    if (row.revokedAt) throw apiKeyRevoked();
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw apiKeyExpired();
    const account = accessStateOf({ ...row, id: row.userId });
    if (!account.isActive) throw accountDisabled();
    await this.recordUse(row);
    return principalFrom(account, { kind: 'api-key', keyId: row.id }, row.scopes);
  }

  /** Writes `last_used_at` when the stored one is older than the resolution; a failed write never fails the request. */
  private async recordUse(row: KeyWithOwnerRow): Promise<void> {
    if (row.lastUsedAt && Date.now() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    try {
      await this.keys.touch(row.id);
    } catch (error) {
      this.logger.warn(`Could not record the use of API key ${row.id}: ${(error as Error).message}`);
    }
  }
}
