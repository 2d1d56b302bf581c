import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { recordingNotFound } from '../problems';
import { PipelineControlClient } from '../pipeline-control.client';
import { QuotaClient } from '../quota-client.service';
import { RecordingsRepository } from '../recordings.repository';
import { resetBody, resetDoc } from './reset.api-doc';
import { runAction, runBody, runDoc, runOverridesOf, runQuery } from './run.api-doc';

/** `/api/v1/recordings/{id}/run` and `/reset`: pipeline control beside pause. A run is first checked against the plan's monthly processing. */
@Controller('api/v1/recordings')
export class PipelineControlController {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly control: PipelineControlClient,
    private readonly quota: QuotaClient,
  ) {}

  @Post(':id/run')
  @HttpCode(200)
  @RequireFlag('process')
  @ApiDoc(runDoc)
  async run(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown, @Query() query: unknown) {
    const b = parseInput(runBody, body ?? {});
    const q = parseInput(runQuery, query ?? {});
    if (!(await this.recordings.findOwned(user.userId, id))) throw recordingNotFound(id);
    // The plan's monthly processing first, a dry run included (it answers what the run would): over it, nothing starts.
    await this.quota.admitProcessing(user.userId);
    return runAction(await this.control.run(user.userId, id, { overrides: runOverridesOf(b), dryRun: b.dryRun === true || q.dryRun === true }));
  }

  @Post(':id/reset')
  @HttpCode(200)
  @ApiDoc(resetDoc)
  async reset(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { deleteFiles } = parseInput(resetBody, body ?? {});
    if (!(await this.recordings.findOwned(user.userId, id))) throw recordingNotFound(id);
    const result = await this.control.reset(user.userId, id, deleteFiles);
    return {
      id: result.recordingId,
      status: result.status,
      paused: result.paused ?? true,
      stages: [],
      cancelled: result.cancelled ?? [],
      filesDeleted: result.filesDeleted ?? false,
      links: { self: `/api/v1/recordings/${result.recordingId}` },
    };
  }
}
