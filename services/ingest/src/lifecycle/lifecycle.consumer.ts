import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type DeleteRecording, type RestoreRecording, type RestoreResult } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { LifecycleService } from './lifecycle.service';

/** The owner's delete (a command) and restore (request/reply: the caller learns at once whether it applied). */
@Injectable()
export class LifecycleConsumer {
  constructor(private readonly lifecycle: LifecycleService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteRecording, { queue: INGEST_COMMANDS_QUEUE })
  delete(ctx: MessageContext<DeleteRecording>): Promise<void> {
    return this.lifecycle.delete(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RestoreRecording, { queue: INGEST_COMMANDS_QUEUE })
  restore(ctx: MessageContext<RestoreRecording>): Promise<RestoreResult> {
    return this.lifecycle.restore(ctx, ctx.data);
  }
}
