import { MessageTypes, type PipelineStage, type TranscriptionFailed } from '@leap/contracts';
import { LeapError, type MessageContext } from '@leap/messaging';
import type { Logger } from 'winston';

/**
 * Runs one stage for a command. A non-retryable `LeapError` (missing or garbled input, no speech,
 * a missing tool) becomes `transcription.failed.v1` with its code, so the pipeline learns why the
 * stage failed; anything else is thrown for the retry tiers and, in the end, the parking lot.
 */
export async function runStage<T extends { recordingId: string; userId: string }>(
  ctx: MessageContext<T>,
  stage: PipelineStage,
  logger: Logger,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof LeapError) || error.retryable) throw error;
    logger.warn(`${stage} failed for recording ${ctx.data.recordingId}: ${error.code} ${error.message}`);
    const failed: TranscriptionFailed = {
      recordingId: ctx.data.recordingId,
      userId: ctx.data.userId,
      stage,
      error: { code: error.code, message: error.message, retryable: false },
    };
    await ctx.publish(MessageTypes.transcription.TranscriptionFailed, failed, { subject: ctx.data.recordingId });
  }
}
