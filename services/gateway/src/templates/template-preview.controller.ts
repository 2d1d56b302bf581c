import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { MESSAGE_TYPES, type RenderPresetPreview } from '@leap/contracts';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { PRESET_PROBLEMS } from '../publishing/problems';
import { PublishingClient } from '../publishing/publishing.client';
import { recordingNotFound } from '../recordings/problems';
import { RecordingsRepository } from '../recordings/recordings.repository';
import { RENDER_PLATFORMS, renderedPreviewSchema, renderPreviewSchema } from './templates.dto';
import { TemplatesClient } from './templates.client';

type Platform = (typeof RENDER_PLATFORMS)[number];
type Block = Record<string, unknown>;

/** The Yandex Disk names a template's `yandexDisk` block may hold: with one, the answer also says where a Yandex Disk upload would go. */
const DISK_NAMES = ['folderPathTemplate', 'filenameTemplate'] as const;

const isBlock = (value: unknown): value is Block => typeof value === 'object' && value !== null && !Array.isArray(value);
const namesDisk = (metadataConfig: Block): boolean =>
  isBlock(metadataConfig.yandexDisk) && DISK_NAMES.some((k) => (metadataConfig.yandexDisk as Block)[k] !== undefined && (metadataConfig.yandexDisk as Block)[k] !== null);

/**
 * `POST /api/v1/templates/render-preview`: a template's metadata rendered by the publishing
 * service's own renderer (request/reply), with the variables, display formats and platform limits
 * an upload applies, for a sample recording or one of the caller's.
 */
@Controller('api/v1/templates')
export class TemplatePreviewController {
  constructor(
    private readonly ingest: TemplatesClient,
    private readonly publishing: PublishingClient,
    private readonly recordings: RecordingsRepository,
  ) {}

  @Post('render-preview')
  @HttpCode(200)
  @ApiDoc({
    summary: "Render a template's title and description",
    description:
      'Renders a saved template\'s metadataConfig (`templateId`), or one given inline (`metadataConfig`), as an upload to `platform` would: the same ' +
      'variables, topic and question formats, dates (in `timeZone`), fallbacks and platform limits, by the publishing service. The recording is a sample, or ' +
      'one of yours (`recordingId`: its title, recording date and topics). With a `yandexDisk` block naming a folder or file, the answer also says where a ' +
      'Yandex Disk upload would go. Nothing is saved.',
    tag: 'templates',
    body: renderPreviewSchema,
    responses: { 200: { description: 'What an upload would send', schema: renderedPreviewSchema } },
    problems: {
      400: ['VALIDATION.FAILED'],
      404: ['TEMPLATE.NOT_FOUND', 'RECORDING.NOT_FOUND'],
      422: PRESET_PROBLEMS[422].filter((code) => code !== 'CREDENTIAL.NOT_FOUND'),
      503: ['INGEST.UNAVAILABLE', ...PRESET_PROBLEMS[503]],
    },
  })
  async preview(@CurrentUser() user: Principal, @Body() body: unknown) {
    const b = parseInput(renderPreviewSchema, body);
    const metadataConfig = b.templateId
      ? ((await this.ingest.ask(MESSAGE_TYPES.ingest.GetTemplate, { userId: user.userId, templateId: b.templateId })).template.metadataConfig ?? {})
      : (b.metadataConfig ?? {});
    let context: Pick<RenderPresetPreview, 'recordingId' | 'variables' | 'topicsKey'> = b.variables ? { variables: b.variables } : {};
    if (b.recordingId) {
      const recording = await this.recordings.findOwned(user.userId, b.recordingId);
      if (!recording) throw recordingNotFound(b.recordingId);
      // What the pipeline's publish command carries of the recording, and its topics document.
      context = {
        recordingId: recording.id,
        variables: { display_name: recording.title ?? '', title: recording.title ?? '', recorded_at: new Date(recording.createdAt).toISOString() },
        ...(recording.artifacts.topics?.key ? { topicsKey: recording.artifacts.topics.key } : {}),
      };
    }
    const render = (platform: Platform) =>
      this.publishing.ask(MESSAGE_TYPES.publishing.RenderPresetPreview, {
        userId: user.userId,
        platform,
        // The publishing service lays the template's metadata over an empty preset as an upload does.
        templateMetadata: metadataConfig,
        ...context,
        ...(b.timeZone ? { timeZone: b.timeZone } : {}),
      });
    const rendered = await render(b.platform);
    const where = b.platform === 'yandex_disk' ? rendered : namesDisk(metadataConfig) ? await render('yandex_disk') : undefined;
    return {
      platform: b.platform,
      title: rendered.title ?? '',
      description: rendered.description ?? '',
      titleTruncated: rendered.titleTruncated ?? false,
      descriptionTruncated: rendered.descriptionTruncated ?? false,
      ...(where ? { yandexDisk: { folderPath: where.folderPath ?? '', filename: where.filename ?? '' } } : {}),
    };
  }
}
