import { Injectable } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { MESSAGE_TYPES, type LookupRecordings, type RecordingsFound, type RegisterUploadedRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { PipelineService } from '../pipeline/pipeline.service';
import { RecordingRepository } from './recording.repository';

export const INGEST_COMMANDS_QUEUE = 'ingest.commands';

/** Commands and questions about the recording aggregate: registration, lookup (deletion and restore: `LifecycleConsumer`). */
@Injectable()
export class RecordingsConsumer {
  constructor(
    private readonly pipeline: PipelineService,
    private readonly recordings: RecordingRepository,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RegisterUploadedRecording, { queue: INGEST_COMMANDS_QUEUE })
  async registerUploaded(ctx: MessageContext<RegisterUploadedRecording>): Promise<void> {
    // Registers it, matches it against the templates, and starts its first stage with the bound template's settings.
    await this.pipeline.registerUploaded(ctx, ctx.data);
  }

  /** `ingest.recordings.lookup.v1`: which of these recordings exist, whose they are and how they stand (the storage orphan scan asks). */
  @MessageHandler(MESSAGE_TYPES.ingest.LookupRecordings, { queue: INGEST_COMMANDS_QUEUE })
  async lookup(ctx: MessageContext<LookupRecordings>): Promise<RecordingsFound> {
    const ids = ctx.data.recordingIds ?? [];
    if (ids.length > 1000) throw new LeapError('INGEST.LOOKUP_TOO_LARGE', `At most 1000 recordings per lookup, not ${ids.length}`, { status: 400, retryable: false });
    const found = await this.recordings.presence(ctx.manager, ids);
    return { recordings: found.map((r) => ({ recordingId: r.id, userId: r.userId, ...(r.deleteState ? { deleteState: r.deleteState } : {}) })) };
  }
}
