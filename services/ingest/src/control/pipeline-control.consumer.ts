import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type PauseRecording,
  type PauseResult,
  type ResetRecording,
  type ResetResult,
  type RerunStage,
  type RerunStageResult,
  type RunRecording,
  type RunResult,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { PipelineControlService } from './pipeline-control.service';

/** The pause, run, re-run and reset queries (request/reply): the requester learns at once whether they applied. */
@Injectable()
export class PipelineControlConsumer {
  constructor(private readonly control: PipelineControlService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.PauseRecording, { queue: INGEST_COMMANDS_QUEUE })
  pause(ctx: MessageContext<PauseRecording>): Promise<PauseResult> {
    return this.control.pause(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RunRecording, { queue: INGEST_COMMANDS_QUEUE })
  run(ctx: MessageContext<RunRecording>): Promise<RunResult> {
    return this.control.run(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RerunStage, { queue: INGEST_COMMANDS_QUEUE })
  rerun(ctx: MessageContext<RerunStage>): Promise<RerunStageResult> {
    return this.control.rerun(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ResetRecording, { queue: INGEST_COMMANDS_QUEUE })
  reset(ctx: MessageContext<ResetRecording>): Promise<ResetResult> {
    return this.control.reset(ctx, ctx.data);
  }
}
