import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StreamTokenAuthenticator } from '../access/authenticators';
import { principalFrom, type Principal } from '../access/principal';
import { accountDisabled, unauthenticated } from '../access/problems';
import { isUuid } from '../common/validation';
import { StreamTokens } from './stream-tokens';
import { accessColumns, accessStateOf, type AccessRow } from './users.repository';

/**
 * Stream tokens: a valid signature and expiry, then the account as it is now (active, token
 * version) and the session that minted the token (not revoked, not expired), as for an access
 * token. The caller gets the `read` scope only.
 */
@Injectable()
export class SignedStreamTokenAuthenticator extends StreamTokenAuthenticator {
  constructor(
    private readonly tokens: StreamTokens,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  async authenticate(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);
    if (!claims || !isUuid(claims.sub) || !isUuid(claims.sid)) throw invalid();
    const rows: (AccessRow & { sessionAlive: boolean })[] = await this.dataSource.query(
      `SELECT ${accessColumns('u')}, (s.id IS NOT NULL) AS "sessionAlive"
         FROM users u
         LEFT JOIN sessions s ON s.id = $2 AND s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > now()
        WHERE u.id = $1`,
      [claims.sub, claims.sid],
    );
    const row = rows[0];
    if (!row) throw invalid();
    if (!row.isActive) throw accountDisabled();
    if (row.tokenVersion !== claims.tv || !row.sessionAlive) throw invalid();
    return principalFrom(accessStateOf(row), { kind: 'access-token', via: 'stream-token', sessionId: claims.sid, tokenId: claims.jti }, ['read']);
  }
}

function invalid() {
  return unauthenticated('The stream token is invalid, expired or revoked; ask for a new one');
}
