import { LeapError } from '@leap/errors';
import { type MessageContext } from '@leap/messaging';
import type { JobCommit, JobContext, JobFailure } from './job-context';
import { jobFailureReport } from './jobs-runtime';

/** Why a stage failed, as its `*.failed` event carries it (the contracts' `Failure`). */
export interface StageFailure {
  code: string;
  message: string;
  retryable: false;
}

/** Publishes a stage's `*.failed` event (and records what else the failure changes) in `ctx`'s transaction. */
export type ReportStageFailure<T> = (ctx: MessageContext<T>, failure: StageFailure) => Promise<unknown>;

/**
 * Runs the work of a worker stage's job (a trim, a transcription, an upload). What `work`
 * returns is committed with the job's completion. A non-retryable `LeapError` (bad input, no
 * speech, a platform not available, a missing tool) is the stage's answer: `report` publishes
 * the stage's `*.failed` event with the error's code, committed with the job the same way, so
 * the pipeline learns at once why the stage failed. Any other error is thrown for the runner to
 * try again with backoff and, in the end, `stageFailed`. A cancelled job's error is thrown as it
 * is: nothing is reported for it.
 */
export async function runStageJob<T>(job: JobContext<T>, report: ReportStageFailure<T>, work: () => Promise<JobCommit>): Promise<JobCommit> {
  try {
    return await work();
  } catch (error) {
    if (job.signal.aborted || !(error instanceof LeapError) || error.retryable) throw error;
    const failure: StageFailure = { code: error.code, message: error.message, retryable: false };
    return (ctx) => report(ctx as MessageContext<T>, failure);
  }
}

/**
 * A stage's job will not be tried again (its attempts ran out, or its worker kept dying): its
 * `onFailed` hook reports `<AREA>.RETRIES_EXHAUSTED` (or `<AREA>.WORKER_LOST`) with the last
 * error, so the recording does not wait forever.
 */
export function stageFailed<T>(ctx: MessageContext<T>, area: string, failure: JobFailure, report: ReportStageFailure<T>): Promise<unknown> {
  return report(ctx, jobFailureReport(area, failure));
}
