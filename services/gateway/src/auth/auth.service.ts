import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { LeapError, MessageBus } from '@leap/messaging';
import type { UserRegistered } from '@leap/contracts';
import { PasswordHasher } from './password-hasher.service';
import { TokenService, type IssuedToken } from './token.service';
import { UsersRepository } from './users.repository';
import type { LoginDto, RegisterDto } from './auth.dto';

/** Registration and login. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly bus: MessageBus,
  ) {}

  async register(input: RegisterDto): Promise<{ id: string; email: string }> {
    const user = { id: uuidv7(), email: input.email, passwordHash: await this.hasher.hash(input.password), createdAt: new Date() };
    const created = await this.users.transaction(async (manager) => {
      if (!(await this.users.insert(manager, user))) return false;
      const event: UserRegistered = { userId: user.id, email: user.email, registeredAt: user.createdAt.toISOString() };
      await this.bus.publish(manager, 'gateway.user.registered.v1', event, { subject: user.id, tenant: user.id });
      return true;
    });
    if (!created) throw new LeapError('AUTH.EMAIL_TAKEN', 'An account with this email already exists', { status: 409 });
    return { id: user.id, email: user.email };
  }

  async login(input: LoginDto): Promise<IssuedToken> {
    const user = await this.users.findByEmail(input.email);
    // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
    const ok = await this.hasher.verify(input.password, user?.passwordHash ?? (await this.hasher.dummyHash()));
    if (!user || !ok) throw new LeapError('AUTH.INVALID_CREDENTIALS', 'The email or password is wrong', { status: 401 });
    return this.tokens.issue(user);
  }
}
