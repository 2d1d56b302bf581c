import { Controller, Get, Query } from '@nestjs/common';
import { AdminOnly } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { jobsOverviewSchema, listJobsQuerySchema } from './jobs.dto';
import { AdminJobsService } from './jobs.service';

/** Operators' view of the worker services' durable jobs: what runs, what waits, what failed and why. */
@Controller('api/v1/admin/jobs')
@AdminOnly()
export class AdminJobsController {
  constructor(private readonly jobs: AdminJobsService) {}

  @Get()
  @ApiDoc({
    summary: 'List jobs',
    description:
      'Asks media-processing, transcription and publishing (or the services named in `service`) for their durable jobs, and merges the answers ' +
      'newest first. Counts per state are per service and added up. A service that does not answer within `JOBS_REQUEST_TIMEOUT` is reported ' +
      '`reachable: false` with the error; the others are still shown.',
    tag: 'admin',
    query: listJobsQuerySchema,
    responses: { 200: { description: 'The jobs and their counts', schema: jobsOverviewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'] },
  })
  list(@Query() query: unknown) {
    return this.jobs.list(parseInput(listJobsQuerySchema, query));
  }
}
