import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { MESSAGE_TYPES, type OutputTarget } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Idempotent, RequireFlag } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { isUuid, parseInput } from '../common/validation';
import { recordingNotFound } from '../recordings/problems';
import { RecordingsRepository, type RecordingRow } from '../recordings/recordings.repository';
import { PipelineControlClient } from '../recordings/pipeline-control.client';
import { PRESET_PROBLEMS } from './problems';
import { PublishingClient } from './publishing.client';
import { startUploadQuery } from './start-upload';
import { startUploadSchema, targetListSchema, targetViewSchema, uploadPlatformSchema, type TargetView } from './uploads.dto';

function view(t: OutputTarget): TargetView {
  return {
    id: t.id,
    recordingId: t.recordingId,
    platform: t.platform as TargetView['platform'],
    presetId: t.presetId || null,
    status: t.status as TargetView['status'],
    attempts: t.attempts ?? 0,
    resultUrl: t.resultUrl || null,
    error: t.errorCode ? { code: t.errorCode, message: t.errorMessage ?? t.errorCode } : null,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    publishedAt: t.publishedAt ?? null,
    retractedAt: t.retractedAt ?? null,
  };
}

/** Publishing a recording to more targets by hand, and its targets (kept by the publishing service). */
@Controller('api/v1/recordings')
export class UploadsController {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly publishing: PublishingClient,
    private readonly control: PipelineControlClient,
  ) {}

  private async recording(userId: string, id: string): Promise<RecordingRow> {
    const found = isUuid(id) ? await this.recordings.findOwned(userId, id) : undefined;
    if (!found) throw recordingNotFound(id);
    return found;
  }

  @Post(':id/upload/:platform')
  @HttpCode(202)
  @RequireFlag('export')
  @Idempotent()
  @ApiDoc({
    summary: 'Publish a recording to one more target',
    description:
      'Adds an output target of the platform with the preset and starts its upload as a job; other targets of the recording are not touched, ' +
      'and a recording may have several targets on one platform. Follow it with GET /api/v1/recordings/{id}/targets.',
    tag: 'recordings',
    params: { id: 'The recording id', platform: 'youtube, vk_video, yandex_disk or local' },
    body: startUploadSchema,
    responses: { 202: { description: 'The target, QUEUED', schema: targetViewSchema } },
    problems: {
      400: ['VALIDATION.FAILED'],
      403: ['FEATURE.DISABLED'],
      404: ['RECORDING.NOT_FOUND', 'PRESET.NOT_FOUND'],
      409: ['TARGET.NOTHING_TO_PUBLISH'],
      422: ['PRESET.REQUIRED', 'PRESET.INVALID', 'CREDENTIAL.MISSING'],
      503: [...PRESET_PROBLEMS[503], 'INGEST.UNAVAILABLE'],
    },
  })
  async upload(@CurrentUser() user: Principal, @Param('id') id: string, @Param('platform') platform: string, @Body() body: unknown) {
    const recording = await this.recording(user.userId, id);
    const target = parseInput(uploadPlatformSchema, platform);
    const b = parseInput(startUploadSchema, body);
    // The recording's template metadata and caption switch, read now as a pipeline upload reads them when it comes due.
    const config = await this.control.uploadConfig(user.userId, recording.id);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.StartUpload, startUploadQuery(user.userId, recording, target, b, false, config));
    return view(reply.target);
  }

  @Get(':id/targets')
  @ApiDoc({
    summary: "A recording's output targets",
    description: 'Each with its platform, preset, status (QUEUED, UPLOADING, PUBLISHED, FAILED), attempts, result URL and error.',
    tag: 'recordings',
    params: { id: 'The recording id' },
    responses: { 200: { description: 'Oldest first', schema: targetListSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'], 503: PRESET_PROBLEMS[503] },
  })
  async targets(@CurrentUser() user: Principal, @Param('id') id: string) {
    const recording = await this.recording(user.userId, id);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.ListOutputTargets, { userId: user.userId, recordingId: recording.id });
    return { items: (reply.targets ?? []).map(view) };
  }

  @Delete(':id/targets/:targetId')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Retract a published target',
    description:
      'Removes the published item from its platform (YouTube and VK: the video is deleted; Yandex Disk: the link is unpublished and the video and its sidecars are moved to the trash) as a job. The target is RETRACTING at once, then RETRACTED with ' +
      'retractedAt; if the platform refuses, it is PUBLISHED again with the error. Follow it with GET /api/v1/recordings/{id}/targets.',
    tag: 'recordings',
    params: { id: 'The recording id', targetId: 'The output target id' },
    responses: { 202: { description: 'The target, RETRACTING', schema: targetViewSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND', 'TARGET.NOT_FOUND'], 409: ['TARGET.NOT_RETRACTABLE'], 503: PRESET_PROBLEMS[503] },
  })
  async retract(@CurrentUser() user: Principal, @Param('id') id: string, @Param('targetId') targetId: string) {
    const recording = await this.recording(user.userId, id);
    if (!isUuid(targetId)) throw new LeapError('TARGET.NOT_FOUND', `Recording ${recording.id} has no target ${targetId}`, { status: 404 });
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.RetractTarget, { userId: user.userId, recordingId: recording.id, targetId });
    return view(reply.target);
  }
}
