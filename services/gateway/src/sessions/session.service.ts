import { Injectable } from '@nestjs/common';
import { LeapError } from '@leap/messaging';
import { PasswordHasher } from '../auth/password-hasher.service';
import { TokenService, type IssuedToken } from '../auth/token.service';
import { UsersRepository } from '../auth/users.repository';
import type { LoginDto } from './sessions.dto';

/** Login and the sessions it opens. */
@Injectable()
export class SessionService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async login(input: LoginDto): Promise<IssuedToken> {
    const user = await this.users.findByEmail(input.email);
    // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
    const ok = await this.hasher.verify(input.password, user?.passwordHash ?? (await this.hasher.dummyHash()));
    if (!user || !ok) throw new LeapError('AUTH.INVALID_CREDENTIALS', 'The email or password is wrong', { status: 401 });
    return this.tokens.issue(user);
  }
}
