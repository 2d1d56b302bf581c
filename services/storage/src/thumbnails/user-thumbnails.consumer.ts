import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type UserRegistered } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext, type MessagingLogger } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import { ThumbnailLibraryService } from './thumbnail-library.service';

export const USERS_QUEUE = 'storage.users';
export const USER_EVENTS = [MESSAGE_TYPES.gateway.UserRegistered] as const;

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A new account gets its copy of the shared thumbnails library. */
@Injectable()
export class UserThumbnailsConsumer {
  constructor(
    private readonly library: ThumbnailLibraryService,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.gateway.UserRegistered, { queue: USERS_QUEUE })
  async registered(ctx: MessageContext<UserRegistered>): Promise<void> {
    const { userId } = ctx.data;
    if (!USER_ID.test(userId)) throw new LeapError('STORAGE.INVALID_ID', `Invalid user id ${JSON.stringify(userId)}`, { retryable: false });
    const copied = await this.library.copyToUser(userId);
    if (copied.length > 0) this.logger.info('shared thumbnails copied to a new account', { userId, count: copied.length });
  }
}
