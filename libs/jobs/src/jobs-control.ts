import type { EntityManager } from 'typeorm';
import type { JobCounts, JobsFilter, JobSummary } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { JOB_STATES, type JobState } from './jobs.sql';
import type { JobRecord } from './job-store';
import type { JobsRuntime } from './jobs-runtime';

/** A job as the `*.jobs.page.v1` replies carry it. */
export function jobSummary(job: JobRecord): JobSummary {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  return {
    id: job.id,
    kind: job.kind,
    tenant: job.tenant || undefined,
    subject: job.subject ?? undefined,
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    ...(job.progress !== null ? { progress: job.progress } : {}),
    step: job.step ?? undefined,
    errorCode: job.errorCode ?? undefined,
    errorMessage: job.errorMessage ?? undefined,
    leaseOwner: job.state === 'running' ? (job.leaseOwner ?? undefined) : undefined,
    leaseUntil: job.state === 'running' ? iso(job.leaseUntil) : undefined,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    runAt: job.state === 'queued' ? iso(job.runAt) : undefined,
    cancelReason: job.cancelReason ?? undefined,
    commandType: job.envelope?.type,
  };
}

/**
 * Answers an operators' `*.jobs.list.v1` query from the service's jobs table. An unknown state is
 * refused (`JOBS.INVALID_FILTER`, 400) rather than silently matching nothing.
 */
export async function listJobsReply(runtime: JobsRuntime, filter: JobsFilter = {}): Promise<{ jobs: JobSummary[]; counts: JobCounts }> {
  const states = filter.states ?? [];
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new LeapError('JOBS.INVALID_FILTER', `Unknown job state ${unknown.join(', ')}; expected ${JOB_STATES.join(', ')}`, { retryable: false, status: 400 });
  }
  const { jobs, counts } = await runtime.list({
    states: states as JobState[],
    tenant: filter.tenant || undefined,
    subject: filter.subject || undefined,
    limit: filter.limit || 100,
  });
  return { jobs: jobs.map(jobSummary), counts };
}

/** Cancels a recording's jobs when it is paused or deleted, in the handler's transaction. */
export function cancelRecordingJobs(runtime: JobsRuntime, manager: EntityManager, recordingId: string, reason: 'paused' | 'deleted'): Promise<string[]> {
  return runtime.cancel(manager, recordingId, reason);
}
