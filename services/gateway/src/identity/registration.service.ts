import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { LeapError, MessageBus } from '@leap/messaging';
import type { UserRegistered } from '@leap/contracts';
import { PasswordHasher } from '../auth/password-hasher.service';
import { UsersRepository } from '../auth/users.repository';
import type { RegisterDto } from './identity.dto';

/** Registration. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
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
}
