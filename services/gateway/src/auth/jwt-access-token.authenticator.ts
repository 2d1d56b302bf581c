import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { SERVICE_LOGGER } from '@leap/platform';
import type { HttpRequest as Request } from '../common/http-types';
import { AccessTokenAuthenticator } from '../access/authenticators';
import { principalFrom, type Principal } from '../access/principal';
import { accountDisabled, unauthenticated } from '../access/problems';
import { TokenService } from './token.service';
import { accessColumns, accessStateOf, type AccessRow } from './users.repository';
import { isUuid } from '../common/validation';

/** `sessions.last_used_at` is written at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

interface AccountAndSessionRow extends AccessRow {
  /** Null when the session does not exist, is another user's, is revoked or has expired. */
  sessionLastUsedAt: Date | null;
}

/**
 * Access tokens: a valid signature and expiry, then, in one query, the account as it is now
 * (active, role, flags, token version) and the token's session (not revoked, not expired). So a
 * revoked session or a raised token version stops the token on its next request.
 */
@Injectable()
export class JwtAccessTokenAuthenticator extends AccessTokenAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async authenticate(token: string, via: 'bearer' | 'cookie', _request: Request): Promise<Principal> {
    const claims = this.tokens.verify(token);
    if (!claims || !isUuid(claims.sub) || !isUuid(claims.sid)) throw invalid();
    const rows: AccountAndSessionRow[] = await this.dataSource.query(
      `SELECT ${accessColumns('u')}, s.last_used_at AS "sessionLastUsedAt"
         FROM users u
         LEFT JOIN sessions s ON s.id = $2 AND s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > now()
        WHERE u.id = $1`,
      [claims.sub, claims.sid],
    );
    const row = rows[0];
    if (!row) throw invalid();
    if (!row.isActive) throw accountDisabled();
    if (row.tokenVersion !== claims.tv || !row.sessionLastUsedAt) throw invalid();
    if (Date.now() - new Date(row.sessionLastUsedAt).getTime() >= TOUCH_INTERVAL_MS) await this.touch(claims.sid);
    return principalFrom(accessStateOf(row), { kind: 'access-token', via, sessionId: claims.sid, tokenId: claims.jti });
  }

  /** Records the session's use; the condition keeps concurrent requests from writing it twice. */
  private async touch(sessionId: string): Promise<void> {
    try {
      await this.dataSource.query(`UPDATE sessions SET last_used_at = now() WHERE id = $1 AND last_used_at < now() - interval '1 minute'`, [sessionId]);
    } catch (error) {
      this.logger.warn(`Could not record the use of session ${sessionId}: ${(error as Error).message}`);
    }
  }
}


function invalid() {
  return unauthenticated('The access token is invalid, expired or revoked');
}
