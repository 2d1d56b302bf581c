import { MESSAGE_TYPES, type PipelineStage, type TranscriptionFailed, type TranscriptionProgress } from '@leap/contracts';
import type { JobContext, JobProgress, ReportStageFailure } from '@leap/jobs';
import type { MessageBus } from '@leap/messaging';
import type { Logger } from 'winston';

type StageCommand = { recordingId: string; userId: string };

/** The failure area of every transcription stage: `TRANSCRIPTION.RETRIES_EXHAUSTED`, `TRANSCRIPTION.WORKER_LOST`. */
export const TRANSCRIPTION_AREA = 'TRANSCRIPTION';

/**
 * How a transcription stage reports that it failed (for `runStageJob` and `stageFailed` of
 * @leap/jobs): `transcription.failed.v1` with the stage and the failure, so the pipeline learns
 * why the stage failed.
 */
export function reportStageFailure<T extends StageCommand>(stage: PipelineStage, logger: Logger): ReportStageFailure<T> {
  return async (ctx, error) => {
    logger.warn(`${stage} failed for recording ${ctx.data.recordingId}: ${error.code} ${error.message}`);
    const failed: TranscriptionFailed = { recordingId: ctx.data.recordingId, userId: ctx.data.userId, stage, error };
    await ctx.publish(MESSAGE_TYPES.transcription.TranscriptionFailed, failed, { subject: ctx.data.recordingId });
  };
}

/** Publishes a progress tick of a stage's job (best effort, outside the outbox). */
export async function stageProgress<T extends StageCommand>(bus: MessageBus, job: JobContext<T>, stage: PipelineStage, progress: JobProgress): Promise<void> {
  const tick: TranscriptionProgress = {
    recordingId: job.data.recordingId,
    userId: job.data.userId,
    stage,
    percent: Math.floor(progress.percent),
    ...(progress.step ? { step: progress.step } : {}),
  };
  await bus.publishNow(MESSAGE_TYPES.transcription.TranscriptionProgress, tick, { subject: job.data.recordingId, tenant: job.data.userId, causation: job.envelope });
}
