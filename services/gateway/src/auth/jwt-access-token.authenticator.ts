import { Injectable } from '@nestjs/common';
import type { HttpRequest as Request } from '../common/http-types';
import { AccessTokenAuthenticator } from '../access/authenticators';
import { principalFrom, type Principal } from '../access/principal';
import { accountDisabled, unauthenticated } from '../access/problems';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

/** Access tokens: a valid signature and expiry, then the account as it is now (active, role, flags). */
@Injectable()
export class JwtAccessTokenAuthenticator extends AccessTokenAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {
    super();
  }

  async authenticate(token: string, via: 'bearer' | 'cookie', _request: Request): Promise<Principal> {
    const claims = this.tokens.verify(token);
    if (!claims) throw unauthenticated('The access token is invalid or expired');
    const account = await this.users.accessState(claims.sub);
    if (!account) throw unauthenticated('The access token is invalid or expired');
    if (!account.isActive) throw accountDisabled();
    return principalFrom(account, { kind: 'access-token', via, sessionId: '', tokenId: claims.jti });
  }
}
