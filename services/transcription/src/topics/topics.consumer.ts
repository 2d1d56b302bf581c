import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, PipelineStage, type ExtractTopics, type TopicsExtracted } from '@leap/contracts';
import { JobHandler, JobsRuntime, runStageJob, stageFailed, type JobCommit, type JobContext, type JobFailure } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { reportStageFailure, TRANSCRIPTION_AREA } from '../stage-failure';
import { TopicsService } from './topics.service';

export const TOPICS_QUEUE = 'transcription.topics';
export const TOPICS_JOB = 'transcription.topics';

/** `transcription.topics.extract.v1`, accepted as a job. */
@Injectable()
export class TopicsConsumer {
  constructor(
    private readonly topics: TopicsService,
    private readonly jobs: JobsRuntime,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.transcription.ExtractTopics, { queue: TOPICS_QUEUE })
  async accept(ctx: MessageContext<ExtractTopics>): Promise<void> {
    await this.jobs.enqueue(ctx, TOPICS_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(TOPICS_JOB, { onFailed: 'failed' })
  run(job: JobContext<ExtractTopics>): Promise<JobCommit> {
    return runStageJob(job, reportStageFailure(PipelineStage.EXTRACT_TOPICS, this.logger), async () => {
      // The command's id names the topic version, so a second run of the same job rewrites it.
      const { ref, version } = await this.topics.extract(job.data, job.envelope.id, new Date(), job.signal);
      const event: TopicsExtracted = {
        recordingId: job.data.recordingId,
        userId: job.data.userId,
        topics: ref,
        version: version.version,
        count: version.topics.length,
        ...(version.method === 'llm' && version.usage
          ? { usage: { provider: 'llm', model: version.model ?? '', promptTokens: version.usage.promptTokens, completionTokens: version.usage.completionTokens } }
          : {}),
      };
      return (ctx) => ctx.publish(MESSAGE_TYPES.transcription.TopicsExtracted, event, { subject: job.data.recordingId });
    });
  }

  async failed(ctx: MessageContext<ExtractTopics>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, TRANSCRIPTION_AREA, failure, reportStageFailure(PipelineStage.EXTRACT_TOPICS, this.logger));
  }
}
