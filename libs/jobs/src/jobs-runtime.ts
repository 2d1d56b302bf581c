import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import { errorCode, isRetryable, LeapError } from '@leap/errors';
import {
  MessageContext,
  MessagingConfigurationError,
  newMessageId,
  PgListener,
  silentLogger,
  type ContextRunner,
  type DeliveryInfo,
  type MessageBus,
  type MessagingLogger,
} from '@leap/messaging';
import { JobContext, type JobCommit, type JobFailure, type JobHandlerSpec, type JobProgress } from './job-context';
import { JobStore, type JobFilter, type JobRecord } from './job-store';
import { runInJobSpan } from './job-tracing';
import { addLocalRunner, removeLocalRunner, type LocalRunner } from './local-runners';

export interface JobsRuntimeOptions {
  /** The service name, as in `services/<name>` (logs, the lease owner). */
  service: string;
  /** The service's schema, which holds its `jobs` table. */
  schema: string;
  dataSource: DataSource;
  /** Connection string of the service's database: runners LISTEN for wake-ups and cancellations on it. */
  databaseUrl: string;
  /** Its outbox carries what jobs publish when they finish. */
  bus: MessageBus<any, any>;
  /** Jobs of each kind this replica runs at once. A kind missing here is not run by this replica. */
  concurrency: Record<string, number>;
  /** For the kinds named: at most this many running jobs of one tenant at once (see `JobStore.claim`). */
  perTenant?: Record<string, number>;
  logger?: MessagingLogger;
  /** How long a claim holds a job without a heartbeat (default 30 s); heartbeats come every third of it. */
  leaseMs?: number;
  /** Claims of one job before it fails for good (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, with ±20 % jitter, up to `backoffMaxMs` (defaults 5 s, 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often an idle runner looks for due jobs without being woken (default 1 s). */
  pollIntervalMs?: number;
  /** Finished jobs are kept this long for operators (default 7 days). */
  retentionMs?: number;
  /** How long `stop` lets running jobs finish before it aborts them and gives them back (default 15 s). */
  shutdownTimeoutMs?: number;
  /** Shortest gap between two progress reports of one job (default 1 s). */
  progressIntervalMs?: number;
  runInContext?: ContextRunner;
}

/**
 * When a retryable error says when to try again (`LeapError.details.retryInMs`: a schedule of the
 * job kind's own, or what the remote side asked for with Retry-After), the job waits that long
 * instead of the runtime's backoff.
 */
export function retryDelayOf(error: unknown): number | undefined {
  const value = (error as LeapError | undefined)?.details?.retryInMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** Why a job's signal aborted. */
export class JobStoppedError extends LeapError {
  constructor(
    readonly reason: 'cancelled' | 'lease-lost' | 'shutdown',
    message: string,
  ) {
    super(reason === 'cancelled' ? 'JOBS.CANCELLED' : reason === 'shutdown' ? 'JOBS.SHUTDOWN' : 'JOBS.LEASE_LOST', message, { retryable: false });
    this.name = 'JobStoppedError';
  }
}

/** Thrown inside the outcome transaction when the claim no longer holds the job: the transaction rolls back. */
class SupersededError extends Error {}

interface RunningJob {
  job: JobRecord;
  token: string;
  controller: AbortController;
  progress?: JobProgress;
  /** Progress not yet written by a heartbeat. */
  progressDirty: boolean;
  lastReportAt: number;
  trailing?: NodeJS.Timeout;
  lastBeatAt: number;
}

/** Wakes a sleeping loop; a wake that comes while the loop is busy is kept for its next sleep. */
class Waker {
  private pending = false;
  private resolve?: () => void;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.resolve = undefined;
        self.pending = false;
        resolve();
      }
      this.resolve = done;
    });
  }
}

interface KindState {
  concurrency: number;
  active: number;
  waker: Waker;
}

/**
 * Runs a service's durable jobs. A message handler accepts a command by `enqueue` in its own
 * short transaction (with the inbox row), so the delivery is acknowledged at once. Runners claim
 * jobs with `FOR UPDATE SKIP LOCKED` under a lease, run the work with no transaction open, renew
 * the lease by heartbeat, and commit the outcome (job state and outbox events) in one short
 * transaction. A job whose worker dies is taken over once its lease lapses; a cancelled job's
 * work is aborted (its child processes killed) and its late result discarded.
 */
export class JobsRuntime implements LocalRunner {
  readonly store: JobStore;
  private readonly specs = new Map<string, JobHandlerSpec>();
  private readonly kinds = new Map<string, KindState>();
  private readonly local = new Map<string, RunningJob>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loops: Promise<void>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly logger: MessagingLogger;
  private readonly runInContext: ContextRunner;
  readonly owner: string;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  private readonly listener: PgListener;
  private housekeeping?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly options: JobsRuntimeOptions) {
    this.store = new JobStore(options.dataSource, options.schema);
    this.logger = options.logger ?? silentLogger;
    this.runInContext = options.runInContext ?? ((_fields, fn) => fn());
    this.owner = `${options.service}@${hostname()}:${process.pid}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.listener = new PgListener({
      url: options.databaseUrl,
      applicationName: `${options.schema}-job-runner`,
      channel: this.store.channel,
      logger: this.logger,
      who: 'Job runners',
      onNotification: (payload) => this.onNotification(payload),
      // Wake-ups sent while nobody listened: look for due jobs now (the heartbeats catch up on cancellations).
      onListening: () => {
        for (const state of this.kinds.values()) state.waker.wake();
      },
    });
    for (const [kind, concurrency] of Object.entries(options.concurrency)) {
      if (!(Number.isInteger(concurrency) && concurrency >= 0)) {
        throw new MessagingConfigurationError(`The concurrency of job kind ${kind} must be a whole number ≥ 0, got ${concurrency}`);
      }
      this.kinds.set(kind, { concurrency, active: 0, waker: new Waker() });
    }
  }

  register(spec: JobHandlerSpec): void {
    if (this.running) throw new MessagingConfigurationError('Job handlers must be registered before the runners start');
    if (this.specs.has(spec.kind)) throw new MessagingConfigurationError(`Two handlers for job kind ${spec.kind}`);
    if (!this.kinds.has(spec.kind)) throw new MessagingConfigurationError(`Job kind ${spec.kind} has a handler but no concurrency setting`);
    this.specs.set(spec.kind, spec);
  }

  /**
   * Accepts a command as a job of `kind`, in the handler's transaction: the job row commits with
   * the inbox row, and the delivery is acknowledged when the handler returns. The command's
   * envelope is kept, so what the job publishes carries its correlation, tenant and trace.
   */
  async enqueue(ctx: MessageContext<any>, kind: string, options: { subject?: string; tenant?: string; weight?: number } = {}): Promise<string> {
    if (!this.kinds.has(kind)) throw new MessagingConfigurationError(`Job kind ${kind} is not declared by ${this.options.service}`);
    const id = newMessageId();
    const inserted = await this.store.enqueue(ctx.manager, {
      id,
      kind,
      tenant: options.tenant ?? ctx.envelope.tenant ?? '',
      subject: options.subject ?? ctx.envelope.subject,
      envelope: ctx.envelope,
      maxAttempts: this.maxAttempts,
      weight: options.weight,
    });
    if (inserted) this.logger.info('Job queued', { jobId: id, kind, subject: options.subject ?? ctx.envelope.subject, messageId: ctx.envelope.id });
    return id;
  }

  /** Cancels every queued or running job about `subject`, in the caller's transaction; runners stop the work when it commits. */
  async cancel(manager: EntityManager, subject: string, reason: string): Promise<string[]> {
    const ids = await this.store.cancelSubject(manager, subject, reason);
    if (ids.length > 0) this.logger.info('Jobs cancelled', { subject, reason, jobs: ids });
    return ids;
  }

  list(filter: JobFilter) {
    return this.store.list(filter);
  }

  /** Ids of the jobs this replica is running now. */
  runningHere(): string[] {
    return [...this.local.keys()];
  }

  async start(): Promise<void> {
    if (this.running) return;
    for (const kind of this.kinds.keys()) {
      if (!this.specs.has(kind)) throw new MessagingConfigurationError(`Job kind ${kind} is declared but no @JobHandler runs it`);
    }
    this.running = true;
    await this.listener.start();
    addLocalRunner(this.options.schema, this);
    for (const [kind, state] of this.kinds) {
      if (state.concurrency > 0) this.loops.push(this.loop(kind, state));
    }
    this.housekeeping = setInterval(() => {
      this.store
        .prune(this.options.retentionMs ?? 7 * 86_400_000)
        .catch((error: Error) => this.logger.warn('Pruning finished jobs failed', { error: error.message }));
    }, 3600_000);
    this.housekeeping.unref();
    this.logger.info('Job runners started', { service: this.options.service, kinds: Object.fromEntries([...this.kinds].map(([k, s]) => [k, s.concurrency])) });
  }

  /**
   * Stops claiming, lets running jobs finish for up to `shutdownTimeoutMs`, then aborts the rest
   * and gives them back to the queue, so another replica takes them over at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    removeLocalRunner(this.options.schema, this);
    clearInterval(this.housekeeping);
    for (const state of this.kinds.values()) state.waker.wake();
    await Promise.all(this.loops.splice(0));
    const timeout = this.options.shutdownTimeoutMs ?? 15_000;
    const settled = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([settled.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeout)))]);
    clearTimeout(timer);
    if (timedOut) {
      const stuck = [...this.local.values()];
      for (const running of stuck) {
        running.controller.abort(new JobStoppedError('shutdown', 'The replica is shutting down; the job goes back to the queue'));
      }
      // Work that honours its signal settles at once; work that does not is not waited for: its
      // job goes back to the queue now, and whatever it still returns is discarded.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (grace = setTimeout(r, 2000)))]);
      clearTimeout(grace);
      for (const running of stuck) {
        if (!this.local.has(running.job.id)) continue;
        this.logger.warn('A job ignored its cancellation at shutdown; giving it back to the queue', { jobId: running.job.id, kind: running.job.kind });
        await this.store.release(running.job.id, running.token).catch(() => false);
      }
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.listener.stop();
    this.logger.info('Job runners stopped', { service: this.options.service });
  }

  // ---------------------------------------------------------------- claiming

  private async loop(kind: string, state: KindState): Promise<void> {
    const spec = this.specs.get(kind)!;
    while (this.running) {
      while (this.running && state.active < state.concurrency) {
        let jobs: JobRecord[];
        try {
          // One claim for every free slot; the jobs of a claim share its lease token (checked with the job's id).
          jobs = await this.store.claim(kind, randomUUID(), this.owner, this.leaseMs, state.concurrency - state.active, this.options.perTenant?.[kind]);
        } catch (error) {
          this.logger.warn('Claiming a job failed', { kind, error: (error as Error).message });
          break;
        }
        if (jobs.length === 0) break;
        for (const job of jobs) {
          state.active += 1;
          const work = this.execute(spec, job).finally(() => {
            state.active -= 1;
            state.waker.wake();
          });
          this.inFlight.add(work);
          void work.finally(() => this.inFlight.delete(work));
        }
      }
      if (!this.running) break;
      await state.waker.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  private wakeAt(kind: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.kinds.get(kind)?.waker.wake();
    }, delayMs + 5);
    timer.unref();
    this.timers.add(timer);
  }

  /** A job of `kind` was queued in this process: claim it now if a slot is free. */
  wakeIfFree(kind: string): boolean {
    const state = this.kinds.get(kind);
    if (!this.running || !state || state.active >= state.concurrency) return false;
    state.waker.wake();
    return true;
  }

  // ---------------------------------------------------------------- listening

  private onNotification(payload: string): void {
    const colon = payload.indexOf(':');
    const verb = payload.slice(0, colon);
    const rest = payload.slice(colon + 1);
    if (verb === 'wake') {
      this.kinds.get(rest)?.waker.wake();
    } else if (verb === 'cancel') {
      for (const id of rest.split(',')) {
        const running = this.local.get(id);
        if (running && !running.controller.signal.aborted) {
          this.logger.info('Stopping a cancelled job', { jobId: id, kind: running.job.kind });
          running.controller.abort(new JobStoppedError('cancelled', `Job ${id} was cancelled`));
        }
      }
    }
  }

  // ---------------------------------------------------------------- running

  private contextFields(job: JobRecord): Record<string, string | undefined> {
    return { messageId: job.envelope.id, correlationId: job.envelope.correlationid, userId: job.tenant || undefined, messageType: job.envelope.type, jobId: job.id };
  }

  private async execute(spec: JobHandlerSpec, job: JobRecord): Promise<void> {
    const running: RunningJob = {
      job,
      token: job.leaseToken!,
      controller: new AbortController(),
      progressDirty: false,
      lastReportAt: 0,
      lastBeatAt: Date.now(),
    };
    this.local.set(job.id, running);
    const heartbeat = setInterval(() => void this.beat(running), Math.max(50, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();
    const meta = { jobId: job.id, kind: job.kind, subject: job.subject, attempt: job.attempts };
    try {
      await runInJobSpan(job, () => this.runInContext(this.contextFields(job), async () => {
        if (job.attempts > job.maxAttempts) {
          this.logger.error('Job abandoned: its worker stopped on every attempt', meta);
          const last = job.errorCode ? `; the last error before that was ${job.errorCode}: ${job.errorMessage ?? ''}` : '';
          await this.failJob(spec, running, {
            error: new LeapError(
              'JOBS.WORKER_LOST',
              `Started ${job.maxAttempts} times; the worker of the last attempt stopped before finishing (killed, crashed or out of memory)${last}`,
              { retryable: false },
            ),
            workerLost: true,
          });
          return;
        }
        this.logger.info('Job started', meta);
        const ctx = new JobContext(job, running.controller.signal, (progress) => this.onProgress(spec, running, ctx, progress));
        let commit: JobCommit | void;
        try {
          commit = await spec.run(ctx);
        } catch (error) {
          if (running.controller.signal.aborted) return this.afterAbort(running, meta);
          return this.afterError(spec, running, error);
        }
        if (running.controller.signal.aborted) return this.afterAbort(running, meta);
        await this.completeJob(spec, running, commit ?? undefined);
      }));
    } catch (error) {
      this.logger.error('Job runner failed', { ...meta, error: (error as Error).message });
    } finally {
      clearInterval(heartbeat);
      // A pending progress report still goes out (its last value) unless the job was stopped.
      if (running.trailing && running.controller.signal.aborted) clearTimeout(running.trailing);
      this.local.delete(job.id);
    }
  }

  private async afterAbort(running: RunningJob, meta: Record<string, unknown>): Promise<void> {
    const reason = running.controller.signal.reason as unknown;
    if (reason instanceof JobStoppedError && reason.reason === 'shutdown') {
      await this.store.release(running.job.id, running.token).catch(() => false);
      this.logger.info('Job given back to the queue at shutdown', meta);
      return;
    }
    this.logger.info(reason instanceof JobStoppedError && reason.reason === 'lease-lost' ? 'Job stopped: another claim holds it now; its result is discarded' : 'Job stopped: it was cancelled; its result is discarded', meta);
  }

  /** Runs `fn` in a transaction, a few times over when the database fails; false when it never got through. */
  private async outcome(running: RunningJob, what: string, fn: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.dataSource.transaction(fn);
        return true;
      } catch (error) {
        if (error instanceof SupersededError) {
          this.logger.info(`Job result discarded: the job is no longer this claim's (cancelled or taken over)`, { jobId: running.job.id, kind: running.job.kind });
          return false;
        }
        if (attempt >= 3 || running.controller.signal.aborted) {
          this.logger.error(`Could not record the job's ${what}; its lease will lapse and it will run again`, {
            jobId: running.job.id,
            kind: running.job.kind,
            code: errorCode(error),
            error: (error as Error).message,
          });
          // Stop renewing the lease, so another claim takes over without waiting for this replica.
          running.controller.abort(new JobStoppedError('lease-lost', 'The outcome could not be recorded'));
          return false;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private messageContext(manager: EntityManager, job: JobRecord): MessageContext<any> {
    const info: DeliveryInfo = { queue: `jobs.${job.kind}`, retryCount: job.attempts - 1, redelivered: job.attempts > 1, exchange: '', routingKey: job.envelope.type };
    return new MessageContext(job.envelope, info, manager, this.options.bus);
  }

  private async completeJob(spec: JobHandlerSpec, running: RunningJob, commit: JobCommit | undefined): Promise<void> {
    const { job } = running;
    // Nothing to publish: one statement, no transaction around it.
    const ok = commit
      ? await this.outcome(running, 'completion', async (manager) => {
          if (!(await this.store.complete(manager, job.id, running.token))) throw new SupersededError();
          await commit(this.messageContext(manager, job));
        })
      : await this.store.complete(this.options.dataSource.manager, job.id, running.token).catch((error: Error) => {
          this.logger.error(`Could not record the job's completion; its lease will lapse and it will run again`, { jobId: job.id, kind: job.kind, error: error.message });
          running.controller.abort(new JobStoppedError('lease-lost', 'The outcome could not be recorded'));
          return false;
        });
    if (ok) {
      this.logger.info('Job completed', { jobId: job.id, kind: job.kind, subject: job.subject, attempt: job.attempts });
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 5000;
    const max = this.options.backoffMaxMs ?? 300_000;
    const delay = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  private async afterError(spec: JobHandlerSpec, running: RunningJob, error: unknown): Promise<void> {
    const { job } = running;
    const meta = { jobId: job.id, kind: job.kind, subject: job.subject, attempt: job.attempts, code: errorCode(error), error: (error as Error)?.message };
    if (isRetryable(error) && job.attempts < job.maxAttempts) {
      const delay = retryDelayOf(error) ?? this.backoff(job.attempts);
      this.logger.warn(`Job failed; trying again in ${delay} ms`, meta);
      const ok = await this.store
        .retry(job.id, running.token, delay, errorCode(error), (error as Error)?.message ?? String(error))
        .catch((e: Error) => {
          this.logger.warn('Could not put the job back in line; its lease will lapse', { ...meta, error: e.message });
          return false;
        });
      if (ok) this.wakeAt(job.kind, delay);
      return;
    }
    this.logger.warn(isRetryable(error) ? 'Job failed on its last attempt' : 'Job failed', meta);
    await this.failJob(spec, running, { error, workerLost: false });
  }

  private async failJob(spec: JobHandlerSpec, running: RunningJob, input: { error: unknown; workerLost: boolean }): Promise<void> {
    const { job } = running;
    const message = (input.error as Error)?.message ?? String(input.error);
    const failure: JobFailure = {
      error: input.error,
      code: errorCode(input.error),
      message,
      retriesExhausted: isRetryable(input.error) || input.workerLost,
      retryCount: Math.max(0, job.attempts - 1),
      attempts: Math.min(job.attempts, job.maxAttempts),
      workerLost: input.workerLost,
    };
    await this.outcome(running, 'failure', async (manager) => {
      if (!(await this.store.fail(manager, job.id, running.token, failure.code, message))) throw new SupersededError();
      if (spec.onFailed) await spec.onFailed(this.messageContext(manager, job), failure);
    });
  }

  // ---------------------------------------------------------------- heartbeat and progress

  private async beat(running: RunningJob): Promise<void> {
    if (running.controller.signal.aborted) return;
    const progress = running.progressDirty ? running.progress : undefined;
    running.progressDirty = false;
    try {
      const held = await this.store.heartbeat(running.job.id, running.token, this.leaseMs, progress);
      running.lastBeatAt = Date.now();
      if (!held && !running.controller.signal.aborted) {
        this.logger.warn('Job lost its lease (cancelled or taken over); stopping it', { jobId: running.job.id, kind: running.job.kind });
        running.controller.abort(new JobStoppedError('lease-lost', `Job ${running.job.id} is no longer held by this replica`));
      }
    } catch (error) {
      if (progress) running.progressDirty = true;
      this.logger.warn('Job heartbeat failed', { jobId: running.job.id, error: (error as Error).message });
      if (Date.now() - running.lastBeatAt > this.leaseMs && !running.controller.signal.aborted) {
        running.controller.abort(new JobStoppedError('lease-lost', 'The lease could not be renewed in time; another replica may run the job'));
      }
    }
  }

  private onProgress(spec: JobHandlerSpec, running: RunningJob, ctx: JobContext, progress: JobProgress): void {
    if (running.controller.signal.aborted) return;
    const percent = Math.round(Math.max(progress.percent, running.progress?.percent ?? 0) * 10) / 10;
    running.progress = { percent, step: progress.step ?? running.progress?.step };
    running.progressDirty = true;
    this.scheduleReport(spec, running, ctx);
  }

  /**
   * Reports now when the last report is a second old, else once it is. While a report is on its
   * way nothing else goes out, and a timer that fires early or late checks the interval again, so
   * two reports are never closer than the interval.
   */
  private scheduleReport(spec: JobHandlerSpec, running: RunningJob, ctx: JobContext): void {
    if (running.trailing) return;
    const wait = running.lastReportAt + (this.options.progressIntervalMs ?? 1000) - Date.now();
    if (wait <= 0) {
      this.report(spec, running, ctx);
      return;
    }
    running.trailing = setTimeout(() => {
      running.trailing = undefined;
      if (!running.controller.signal.aborted) this.scheduleReport(spec, running, ctx);
    }, wait);
    running.trailing.unref();
  }

  private report(spec: JobHandlerSpec, running: RunningJob, ctx: JobContext): void {
    running.lastReportAt = Date.now();
    const progress = running.progress;
    if (!spec.onProgress || !progress) return;
    Promise.resolve()
      .then(() => spec.onProgress!(ctx, progress))
      .catch((error: Error) => this.logger.debug?.('Progress not published', { jobId: running.job.id, error: error.message }));
  }
}

/** A `Failure` for a stage's `*.failed` event from a job that failed for good. */
export function jobFailureReport(area: string, failure: JobFailure): { code: string; message: string; retryable: false } {
  const last = failure.message.slice(0, 2000);
  if (failure.workerLost) return { code: `${area}.WORKER_LOST`, message: last, retryable: false };
  if (!failure.retriesExhausted) return { code: failure.code, message: last, retryable: false };
  return {
    code: `${area}.RETRIES_EXHAUSTED`,
    message: `Gave up after ${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}; last error ${failure.code}: ${last}`,
    retryable: false,
  };
}
