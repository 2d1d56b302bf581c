import { MessageTypes, type Failure, type PipelineStage, type TranscriptionFailed } from '@leap/contracts';
import { LeapError, parkedFailureReport, type MessageContext, type ParkedFailure } from '@leap/messaging';
import type { Logger } from 'winston';

type StageCommand = { recordingId: string; userId: string };

/**
 * Runs one stage for a command. A non-retryable `LeapError` (missing or garbled input, no speech,
 * a missing tool) becomes `transcription.failed.v1` with its code, so the pipeline learns why the
 * stage failed; anything else is thrown for the retry tiers and, in the end, the parking lot
 * (where `stageParked` reports it).
 */
export async function runStage<T extends StageCommand>(
  ctx: MessageContext<T>,
  stage: PipelineStage,
  logger: Logger,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof LeapError) || error.retryable) throw error;
    await failStage(ctx, stage, logger, { code: error.code, message: error.message, retryable: false });
  }
}

/**
 * The stage's command was parked after its retries ran out: `transcription.failed.v1` with
 * `TRANSCRIPTION.RETRIES_EXHAUSTED` and the last error, so the recording does not wait forever.
 */
export function stageParked<T extends StageCommand>(
  ctx: MessageContext<T>,
  stage: PipelineStage,
  logger: Logger,
  failure: ParkedFailure,
): Promise<void> {
  return failStage(ctx, stage, logger, parkedFailureReport('TRANSCRIPTION', failure));
}

async function failStage<T extends StageCommand>(ctx: MessageContext<T>, stage: PipelineStage, logger: Logger, error: Failure): Promise<void> {
  logger.warn(`${stage} failed for recording ${ctx.data.recordingId}: ${error.code} ${error.message}`);
  const failed: TranscriptionFailed = { recordingId: ctx.data.recordingId, userId: ctx.data.userId, stage, error };
  await ctx.publish(MessageTypes.transcription.TranscriptionFailed, failed, { subject: ctx.data.recordingId });
}
