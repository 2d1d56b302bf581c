import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import type { StageRerunSettings } from '@leap/contracts';
import { Idempotent, RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { isUuid, parseInput } from '../../common/validation';
import { recordingNotFound } from '../problems';
import { PipelineControlClient } from '../pipeline-control.client';
import { QuotaClient } from '../quota-client.service';
import { RecordingsRepository } from '../recordings.repository';
import { RERUNS, subtitlesBody, subtitlesDoc, transcribeBody, transcribeDoc, trimBody, trimDoc, type RerunName } from './stage-rerun.api-doc';

/**
 * `/api/v1/recordings/{id}/{trim,transcribe,subtitles}`: one stage again, on its own, decided by
 * ingest (`/topics`, which answers its own shape, is `RecordingTopicsController`). A transcription
 * is first checked against the plan's monthly transcriptions.
 */
@Controller('api/v1/recordings')
export class StageRerunController {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly control: PipelineControlClient,
    private readonly quota: QuotaClient,
  ) {}

  @Post(':id/trim')
  @HttpCode(202)
  @RequireFlag('process')
  @Idempotent()
  @ApiDoc(trimDoc)
  trim(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.rerun(user, id, 'trim', RERUNS.trim.settings(parseInput(trimBody, body)));
  }

  @Post(':id/transcribe')
  @HttpCode(202)
  @RequireFlag('transcribe')
  @Idempotent()
  @ApiDoc(transcribeDoc)
  transcribe(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.rerun(user, id, 'transcribe', RERUNS.transcribe.settings(parseInput(transcribeBody, body)), () => this.quota.admitTranscriptions(user.userId));
  }

  @Post(':id/subtitles')
  @HttpCode(202)
  @RequireFlag('process')
  @Idempotent()
  @ApiDoc(subtitlesDoc)
  subtitles(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.rerun(user, id, 'subtitles', RERUNS.subtitles.settings(parseInput(subtitlesBody, body)));
  }

  /** `admit` runs after the recording is found and before ingest is asked: a refusal starts nothing. */
  private async rerun(user: Principal, id: string, name: Exclude<RerunName, 'topics'>, settings: StageRerunSettings, admit?: () => Promise<void>) {
    if (!isUuid(id) || !(await this.recordings.findOwned(user.userId, id))) throw recordingNotFound(id);
    await admit?.();
    const { stage } = RERUNS[name];
    const result = await this.control.rerun(user.userId, id, stage, settings);
    return {
      id: result.recordingId,
      stage: stage.replace(/^PIPELINE_STAGE_/, ''),
      attempt: result.attempt ?? 1,
      status: result.status,
      paused: result.paused ?? false,
      stages: result.stages ?? [],
      links: { self: `/api/v1/recordings/${result.recordingId}` },
    };
  }
}
