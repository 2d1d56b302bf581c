import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { MESSAGE_TYPES } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpResponse } from '../common/http-types';
import { offsetOf, pageOf } from '../common/pagination';
import { isUuid, parseInput } from '../common/validation';
import { QuotaClient } from '../recordings/quota-client.service';
import {
  createJobSchema,
  dryRunSchema,
  jobPageSchema,
  jobViewSchema,
  listJobsQuerySchema,
  listRunsQuerySchema,
  runJobBodySchema,
  runJobQuerySchema,
  runPageSchema,
  runViewSchema,
  updateJobSchema,
} from './automation.dto';
import { AutomationClient, jobView, runView } from './automation.client';

const TAG = 'automation';
const UNAVAILABLE = { 503: ['INGEST.UNAVAILABLE'] };
const SAVE_PROBLEMS = {
  400: ['VALIDATION.FAILED'],
  409: ['AUTOMATION.DUPLICATE'],
  422: ['AUTOMATION.INVALID', 'AUTOMATION.INVALID_SCHEDULE', 'AUTOMATION.INTERVAL_TOO_SHORT', 'SOURCE.NOT_FOUND', 'TEMPLATE.NOT_FOUND'],
  503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'],
};

function jobId(id: string): string {
  if (!isUuid(id)) throw new LeapError('AUTOMATION.NOT_FOUND', `There is no automation job ${id}`, { status: 404 });
  return id;
}

/**
 * Automation jobs (kept and fired by ingest): sources synced on a schedule, with run history,
 * manual and dry runs. The plan's limits come from quota and are enforced by ingest.
 */
@Controller('api/v1/automation/jobs')
export class AutomationController {
  constructor(
    private readonly ingest: AutomationClient,
    private readonly quota: QuotaClient,
  ) {}

  @Get()
  @ApiDoc({
    summary: 'List automation jobs',
    tag: TAG,
    query: listJobsQuerySchema,
    responses: { 200: { description: 'A page of jobs', schema: jobPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...UNAVAILABLE },
  })
  async list(@CurrentUser() user: Principal, @Query() query: unknown) {
    const q = parseInput(listJobsQuerySchema, query);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.ListAutomationJobs, {
      userId: user.userId,
      ...(q.search ? { search: q.search } : {}),
      ...(q.isActive !== undefined ? { isActive: q.isActive } : {}),
      sort: q.sort.map((k) => `${k.direction === 'desc' ? '-' : ''}${k.field}`).join(','),
      offset: offsetOf(q),
      limit: q.pageSize,
    });
    return pageOf((reply.jobs ?? []).map(jobView), q, reply.total ?? 0);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Create an automation job',
    description: "Checked against your plan's limits: how many jobs you may keep (409) and the shortest gap between two fires of the schedule (422).",
    tag: TAG,
    body: createJobSchema,
    responses: { 201: { description: 'Created', schema: jobViewSchema } },
    problems: { ...SAVE_PROBLEMS, 409: ['AUTOMATION.DUPLICATE', 'AUTOMATION.LIMIT_REACHED'] },
  })
  async create(@CurrentUser() user: Principal, @Body() body: unknown) {
    const fields = parseInput(createJobSchema, body);
    const limits = await this.quota.automationLimits(user.userId);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.SaveAutomationJob, { userId: user.userId, fields, ...(limits ? { limits } : {}) });
    return jobView(reply.job);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get an automation job',
    tag: TAG,
    responses: { 200: { description: 'The job', schema: jobViewSchema } },
    problems: { 404: ['AUTOMATION.NOT_FOUND'], ...UNAVAILABLE },
  })
  async get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return jobView((await this.ingest.ask(MESSAGE_TYPES.ingest.GetAutomationJob, { userId: user.userId, jobId: jobId(id) })).job);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change an automation job',
    description: 'Fields left out stay as they are. A new schedule, or turning the job on, computes its next fire afresh; a new schedule is checked against your plan\'s minimum interval.',
    tag: TAG,
    body: updateJobSchema,
    responses: { 200: { description: 'The changed job', schema: jobViewSchema } },
    problems: { ...SAVE_PROBLEMS, 404: ['AUTOMATION.NOT_FOUND'] },
  })
  async update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const fields = parseInput(updateJobSchema, body);
    const job = jobId(id);
    // Only a new schedule is checked against the plan: the other fields need no limits.
    const limits = fields.schedule !== undefined ? await this.quota.automationLimits(user.userId) : undefined;
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.SaveAutomationJob, { userId: user.userId, jobId: job, fields, ...(limits ? { limits } : {}) });
    return jobView(reply.job);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete an automation job',
    description: 'Its run history goes with it; syncs it queued finish.',
    tag: TAG,
    responses: { 204: { description: 'Deleted' } },
    problems: { 404: ['AUTOMATION.NOT_FOUND'], ...UNAVAILABLE },
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.DeleteAutomationJob, { userId: user.userId, jobId: jobId(id) });
    if (!reply.deleted) throw new LeapError('AUTOMATION.NOT_FOUND', `There is no automation job ${id}`, { status: 404 });
  }

  @Get(':id/runs')
  @ApiDoc({
    summary: "An automation job's runs",
    description: 'Newest first, each with what its syncs did; the counts grow as each sync finishes.',
    tag: TAG,
    query: listRunsQuerySchema,
    responses: { 200: { description: 'A page of runs', schema: runPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['AUTOMATION.NOT_FOUND'], ...UNAVAILABLE },
  })
  async runs(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    const q = parseInput(listRunsQuerySchema, query);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.ListAutomationRuns, { userId: user.userId, jobId: jobId(id), offset: offsetOf(q), limit: q.pageSize });
    return pageOf((reply.runs ?? []).map(runView), q, reply.total ?? 0);
  }

  @Post(':id/copy')
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Copy an automation job',
    description: 'Named "<name> (copy)" (then "(copy 2)"…), inactive until you turn it on. Counts toward your plan\'s maximum number of jobs.',
    tag: TAG,
    responses: { 201: { description: 'The copy', schema: jobViewSchema } },
    problems: { 404: ['AUTOMATION.NOT_FOUND'], 409: ['AUTOMATION.LIMIT_REACHED'], 503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'] },
  })
  async copy(@CurrentUser() user: Principal, @Param('id') id: string) {
    const job = jobId(id);
    const limits = await this.quota.automationLimits(user.userId);
    return jobView((await this.ingest.ask(MESSAGE_TYPES.ingest.CopyAutomationJob, { userId: user.userId, jobId: job, ...(limits ? { limits } : {}) })).job);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Run an automation job now, or dry-run it',
    description:
      'A manual run syncs the job\'s sources now, whatever its schedule (an inactive job too), and answers the run (202; its counts appear in /runs as its syncs finish). ' +
      'With dryRun (query `dryRun=true` or body `{"dryRun": true}`) nothing changes: the answer (200) counts the sources a run would sync and the waiting recordings it would bind and start.',
    tag: TAG,
    query: runJobQuerySchema,
    body: runJobBodySchema,
    responses: { 202: { description: 'The run started', schema: runViewSchema }, 200: { description: 'The dry run', schema: dryRunSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['AUTOMATION.NOT_FOUND'], ...UNAVAILABLE },
  })
  async run(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown, @Body() body: unknown, @Res({ passthrough: true }) res: HttpResponse) {
    const q = parseInput(runJobQuerySchema, query);
    const b = parseInput(runJobBodySchema, body ?? {});
    const dryRun = q.dryRun ?? b.dryRun ?? false;
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.RunAutomationJob, { userId: user.userId, jobId: jobId(id), dryRun });
    if (dryRun) {
      res.status(200);
      const counts = reply.dryRun ?? {};
      return { dryRun: true as const, sources: counts.sources ?? 0, recordings: counts.recordings ?? 0, matched: counts.matched ?? 0, started: counts.started ?? 0 };
    }
    if (!reply.run) throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service answered without a run; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 } });
    return runView(reply.run);
  }
}
