import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type DeleteRecording, type RegisterUploadedRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { PipelineService } from '../pipeline/pipeline.service';

export const INGEST_COMMANDS_QUEUE = 'ingest.commands';

/** Commands about the recording aggregate: registration and deletion. */
@Injectable()
export class RecordingsConsumer {
  constructor(private readonly pipeline: PipelineService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RegisterUploadedRecording, { queue: INGEST_COMMANDS_QUEUE })
  registerUploaded(ctx: MessageContext<RegisterUploadedRecording>): Promise<void> {
    return this.pipeline.registerUploaded(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteRecording, { queue: INGEST_COMMANDS_QUEUE })
  delete(ctx: MessageContext<DeleteRecording>): Promise<void> {
    return this.pipeline.delete(ctx, ctx.data);
  }
}
