import type { Envelope, MessageContext, Messages, ParkedFailure } from '@leap/messaging';
import type { JobRecord } from './job-store';

/** Progress of a running job: percent done (0-100) and, optionally, what it is doing. */
export interface JobProgress {
  percent: number;
  step?: string;
}

/** What a job's work gets: its command, a signal that aborts on cancellation or a lost lease, and a way to report progress. */
export class JobContext<T = unknown> {
  constructor(
    readonly job: JobRecord,
    readonly signal: AbortSignal,
    private readonly report: (progress: JobProgress) => void,
  ) {}

  get id(): string {
    return this.job.id;
  }

  get envelope(): Envelope<T> {
    return this.job.envelope as Envelope<T>;
  }

  get data(): T {
    return this.envelope.data;
  }

  /** This claim's attempt, from 1. */
  get attempt(): number {
    return this.job.attempts;
  }

  /**
   * Report progress; cheap to call often. Percent never goes down within an attempt, and reaches
   * the database and the progress event at most once a second.
   */
  progress(percent: number, step?: string): void {
    if (!Number.isFinite(percent)) return;
    this.report({ percent: Math.max(0, Math.min(100, percent)), step });
  }

  /** Throws the abort reason when the job was cancelled or its lease was lost. */
  throwIfAborted(): void {
    this.signal.throwIfAborted();
  }
}

/**
 * What a job's work returns: the effects to commit with the job's completion (events through the
 * outbox), checked against the payloads by message type `M` like any handler's.
 */
export type JobCommit<M extends object = Messages> = (ctx: MessageContext<any, M>) => Promise<unknown>;

/**
 * Why a job failed for good, as its `onFailed` hook sees it (the shape of `ParkedFailure`, so the
 * helpers that turn a parked message into a `*.failed` event serve jobs as well).
 */
export interface JobFailure extends ParkedFailure {
  /** Claims of the job, this one included. */
  attempts: number;
  /** The worker was lost (killed, crashed) on every attempt: nothing threw, the lease lapsed each time. */
  workerLost: boolean;
}

/** One kind of job and the work it does. */
export interface JobHandlerSpec<T = any, M extends object = Messages> {
  /** `<area>.<job>`, e.g. `media.trim`. */
  kind: string;
  /** Name in logs. */
  name?: string;
  /** The work: runs with no transaction open. Returns what to commit with the completion. */
  run(job: JobContext<T>): Promise<JobCommit<M> | void>;
  /**
   * Runs in the transaction that marks the job failed, with a context of its command: the place to
   * publish the stage's `*.failed` event. Called once, when the job will not be tried again.
   */
  onFailed?(ctx: MessageContext<T, M>, failure: JobFailure): Promise<unknown>;
  /** Publishes progress (best effort, at most once a second per job). */
  onProgress?(job: JobContext<T>, progress: JobProgress): Promise<unknown> | unknown;
}
