import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, PipelineStage, type GenerateSubtitles, type SubtitlesGenerated } from '@leap/contracts';
import { JobHandler, JobsRuntime, runStageJob, stageFailed, type JobCommit, type JobContext, type JobFailure } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { TranscriptionConfig } from '../config/config.schema';
import type { Logger } from 'winston';
import { reportStageFailure, TRANSCRIPTION_AREA } from '../stage-failure';
import { SubtitlesService } from './subtitles.service';

export const SUBTITLES_QUEUE = 'transcription.subtitles';
export const SUBTITLES_JOB = 'transcription.subtitles';

/** `transcription.subtitles.generate.v1`, accepted as a job. */
@Injectable()
export class SubtitlesConsumer {
  constructor(
    private readonly subtitles: SubtitlesService,
    private readonly jobs: JobsRuntime,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<TranscriptionConfig, 'LLM_MODEL'>,
  ) {}

  private get model(): string | undefined {
    return this.config.LLM_MODEL;
  }

  @MessageHandler(MESSAGE_TYPES.transcription.GenerateSubtitles, { queue: SUBTITLES_QUEUE })
  async accept(ctx: MessageContext<GenerateSubtitles>): Promise<void> {
    await this.jobs.enqueue(ctx, SUBTITLES_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(SUBTITLES_JOB, { onFailed: 'failed' })
  run(job: JobContext<GenerateSubtitles>): Promise<JobCommit> {
    return runStageJob(job, reportStageFailure(PipelineStage.GENERATE_SUBTITLES, this.logger), async () => {
      const { srt, vtt, translations, tokens } = await this.subtitles.generate(job.data, job.signal);
      const event: SubtitlesGenerated = {
        recordingId: job.data.recordingId,
        userId: job.data.userId,
        srt,
        vtt,
        translations,
        ...(tokens ? { usage: { provider: 'llm', model: this.model ?? '', promptTokens: tokens.prompt, completionTokens: tokens.completion } } : {}),
      };
      return (ctx) => ctx.publish(MESSAGE_TYPES.transcription.SubtitlesGenerated, event, { subject: job.data.recordingId });
    });
  }

  async failed(ctx: MessageContext<GenerateSubtitles>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, TRANSCRIPTION_AREA, failure, reportStageFailure(PipelineStage.GENERATE_SUBTITLES, this.logger));
  }
}
