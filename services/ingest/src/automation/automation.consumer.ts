import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type AutomationJob,
  type AutomationJobCopied,
  type AutomationJobDeleted,
  type AutomationJobFound,
  type AutomationJobRunResult,
  type AutomationJobSaved,
  type AutomationJobsPage,
  type AutomationLimits as LimitsMessage,
  type AutomationRun,
  type AutomationRunsPage,
  type CopyAutomationJob,
  type DeleteAutomationJob,
  type GetAutomationJob,
  type ListAutomationJobs,
  type ListAutomationRuns,
  type RunAutomationJob,
  type SaveAutomationJob,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import type { JobFilter } from './automation.repository';
import { AutomationService, type AutomationJobInput, type AutomationJobView, type AutomationLimits, type AutomationRunView } from './automation.service';

/** The automation questions ingest answers for the gateway's `/api/v1/automation/jobs`. */
export const AUTOMATION_QUERIES = [
  MESSAGE_TYPES.ingest.SaveAutomationJob,
  MESSAGE_TYPES.ingest.CopyAutomationJob,
  MESSAGE_TYPES.ingest.GetAutomationJob,
  MESSAGE_TYPES.ingest.ListAutomationJobs,
  MESSAGE_TYPES.ingest.DeleteAutomationJob,
  MESSAGE_TYPES.ingest.ListAutomationRuns,
  MESSAGE_TYPES.ingest.RunAutomationJob,
];

const SORTABLE = ['name', 'createdAt', 'nextRunAt', 'lastRunAt'] as const;
const PAGE = 20;
const MAX_PAGE = 100;

export function jobMessage(userId: string, job: AutomationJobView): AutomationJob {
  return {
    id: job.id,
    userId,
    name: job.name,
    description: job.description,
    sourceIds: job.sources.ids,
    sourcePlatforms: job.sources.platforms,
    ...(job.templateId ? { templateId: job.templateId } : {}),
    autoRun: job.autoRun,
    syncDays: job.syncDays,
    schedule: { ...job.schedule },
    isActive: job.isActive,
    ...(job.nextRunAt ? { nextRunAt: job.nextRunAt } : {}),
    ...(job.lastRunAt ? { lastRunAt: job.lastRunAt } : {}),
    runCount: job.runCount,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(Object.keys(job.processingConfig).length > 0 ? { processingConfig: job.processingConfig as AutomationJob['processingConfig'] } : {}),
  };
}

export function runMessage(run: AutomationRunView): AutomationRun {
  return {
    id: run.id,
    jobId: run.jobId,
    trigger: run.trigger,
    status: run.status,
    ...(run.dueAt ? { dueAt: run.dueAt } : {}),
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    sources: run.sources,
    synced: run.synced,
    failed: run.failed,
    found: run.found,
    created: run.new,
    updated: run.updated,
    matched: run.matched,
    started: run.started,
    skipped: run.skipped,
  };
}

/** The plan's limits the gateway sent; absent: the settings apply. A limit left out of the message is unlimited. */
function limitsOf(message: LimitsMessage | undefined): AutomationLimits | undefined {
  if (!message) return undefined;
  return { maxJobs: message.maxJobs ?? null, minIntervalHours: message.minIntervalHours ?? null };
}

/** `name,-createdAt` → sort keys over the sortable fields (others are left out: the gateway has checked them). */
function sortOf(sort: string | undefined): JobFilter['sort'] {
  return (sort ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => (SORTABLE as readonly string[]).includes(part.replace(/^[-+]/, '')))
    .map((part) => ({ field: part.replace(/^[-+]/, '') as (typeof SORTABLE)[number], direction: part.startsWith('-') ? ('desc' as const) : ('asc' as const) }));
}

const pageOf = (q: { offset?: number; limit?: number }) => ({ offset: Math.max(0, q.offset ?? 0), limit: Math.min(MAX_PAGE, Math.max(1, q.limit || PAGE)) });

/** Automation jobs over request/reply; writes in the handler's transaction. */
@Injectable()
export class AutomationConsumer {
  constructor(private readonly automation: AutomationService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.SaveAutomationJob, { queue: INGEST_COMMANDS_QUEUE })
  async save(ctx: MessageContext<SaveAutomationJob>): Promise<AutomationJobSaved> {
    const { userId, jobId, fields = {}, limits } = ctx.data;
    const input = fields as AutomationJobInput;
    const job = jobId
      ? await this.automation.update(userId, jobId, input, limitsOf(limits), ctx.manager)
      : await this.automation.create(userId, input, limitsOf(limits), ctx.manager);
    return { job: jobMessage(userId, job) };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.CopyAutomationJob, { queue: INGEST_COMMANDS_QUEUE })
  async copy(ctx: MessageContext<CopyAutomationJob>): Promise<AutomationJobCopied> {
    const { userId, jobId, limits } = ctx.data;
    return { job: jobMessage(userId, await this.automation.copy(userId, jobId, limitsOf(limits), ctx.manager)) };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetAutomationJob, { queue: INGEST_COMMANDS_QUEUE })
  async get(ctx: MessageContext<GetAutomationJob>): Promise<AutomationJobFound> {
    return { job: jobMessage(ctx.data.userId, await this.automation.get(ctx.data.userId, ctx.data.jobId)) };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ListAutomationJobs, { queue: INGEST_COMMANDS_QUEUE })
  async list(ctx: MessageContext<ListAutomationJobs>): Promise<AutomationJobsPage> {
    const { userId, search, isActive, sort } = ctx.data;
    const page = await this.automation.page(userId, { search: search || undefined, isActive, sort: sortOf(sort), ...pageOf(ctx.data) });
    return { jobs: page.jobs.map((job) => jobMessage(userId, job)), total: page.total };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteAutomationJob, { queue: INGEST_COMMANDS_QUEUE })
  async delete(ctx: MessageContext<DeleteAutomationJob>): Promise<AutomationJobDeleted> {
    return { deleted: await this.automation.delete(ctx.data.userId, ctx.data.jobId, ctx.manager) };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ListAutomationRuns, { queue: INGEST_COMMANDS_QUEUE })
  async runs(ctx: MessageContext<ListAutomationRuns>): Promise<AutomationRunsPage> {
    const page = await this.automation.runsPage(ctx.data.userId, ctx.data.jobId, pageOf(ctx.data));
    return { runs: page.runs.map(runMessage), total: page.total };
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RunAutomationJob, { queue: INGEST_COMMANDS_QUEUE })
  async run(ctx: MessageContext<RunAutomationJob>): Promise<AutomationJobRunResult> {
    const { userId, jobId, dryRun } = ctx.data;
    if (dryRun) {
      const { sources, recordings, matched, started } = await this.automation.dryRun(userId, jobId);
      return { dryRun: { sources, recordings, matched, started } };
    }
    return { run: runMessage(await this.automation.run(userId, jobId, ctx.manager)) };
  }
}
