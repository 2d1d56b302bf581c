import { SetMetadata } from '@nestjs/common';
import type { MessageContext } from '@leap/messaging';
import type { JobContext, JobFailure, JobProgress } from '../job-context';

export const JOB_HANDLER_METADATA = 'leap:job-handler';

export interface JobHandlerMetadata {
  kind: string;
  /** Method of the same provider called once the job fails for good (see `JobHandlerSpec.onFailed`). */
  onFailed?: string;
  /** Method of the same provider that publishes progress (see `JobHandlerSpec.onProgress`). */
  onProgress?: string;
}

export type FailedHook = (ctx: MessageContext<any>, failure: JobFailure) => Promise<unknown>;
export type ProgressHook = (job: JobContext<any>, progress: JobProgress) => unknown;

/**
 * Marks a provider method as the work of one job kind. It runs with no transaction open, gets a
 * `JobContext` (its command, an abort signal, progress) and returns what to commit with the job's
 * completion:
 *
 * ```ts
 * @JobHandler('media.trim', { onFailed: 'trimFailed', onProgress: 'trimProgress' })
 * async trim(job: JobContext<TrimRecording>): Promise<JobCommit> {
 *   const trimmed = await this.trimService.trim(job.data, { signal: job.signal, onProgress: (p) => job.progress(p) });
 *   return (ctx) => ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, trimmed, { subject: job.data.recordingId });
 * }
 * ```
 */
export function JobHandler<F extends string = never, P extends string = never>(
  kind: string,
  options: { onFailed?: F; onProgress?: P } = {},
): <T extends Record<F, FailedHook> & Record<P, ProgressHook>>(target: T, key: string | symbol, descriptor: PropertyDescriptor) => void {
  const metadata: JobHandlerMetadata = {
    kind,
    ...(options.onFailed ? { onFailed: options.onFailed } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const decorate = SetMetadata<string, JobHandlerMetadata>(JOB_HANDLER_METADATA, metadata);
  return (target, key, descriptor) => {
    decorate(target, key, descriptor);
  };
}
