import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { MESSAGE_TYPES, type OutputPreset } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { offsetOf, pageOf } from '../common/pagination';
import { isUuid, parseInput } from '../common/validation';
import { PRESET_PROBLEMS } from './problems';
import { PublishingClient } from './publishing.client';
import {
  bulkDeletePresetsSchema,
  bulkDeleteResultSchema,
  copyPresetSchema,
  createPresetSchema,
  listPresetsQuerySchema,
  presetPageSchema,
  presetViewSchema,
  previewSchema,
  renderPreviewSchema,
  updatePresetSchema,
  type PresetView,
} from './presets.dto';

const TAG = 'presets';

function presetNotFound(id: string): LeapError {
  return new LeapError('PRESET.NOT_FOUND', `There is no preset ${id}`, { status: 404 });
}

/** A preset id that cannot name a preset is a 404 without asking the publishing service. */
function presetId(id: string): string {
  if (!isUuid(id)) throw presetNotFound(id);
  return id;
}

function view(p: OutputPreset): PresetView {
  return {
    id: p.id,
    name: p.name,
    description: p.description ?? '',
    platform: p.platform as PresetView['platform'],
    credentialId: p.credentialId || null,
    metadata: p.metadata ?? {},
    isActive: p.isActive ?? false,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** Output presets: where a recording is published and with what metadata (kept by the publishing service). */
@Controller('api/v1/presets')
export class PresetsController {
  constructor(private readonly publishing: PublishingClient) {}

  @Get()
  @ApiDoc({
    summary: 'List output presets',
    tag: TAG,
    query: listPresetsQuerySchema,
    responses: { 200: { description: 'A page of presets, newest first', schema: presetPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 503: PRESET_PROBLEMS[503] },
  })
  async list(@CurrentUser() user: Principal, @Query() query: unknown) {
    const q = parseInput(listPresetsQuerySchema, query);
    const page = await this.publishing.ask(MESSAGE_TYPES.publishing.ListPresets, {
      userId: user.userId,
      platforms: q.platform ?? [],
      ...(q.search ? { search: q.search } : {}),
      ...(q.isActive !== undefined ? { isActive: q.isActive } : {}),
      limit: q.pageSize,
      offset: offsetOf(q),
    });
    return pageOf((page.presets ?? []).map(view), q, page.total ?? 0);
  }

  @Post('render-preview')
  @HttpCode(200)
  @ApiDoc({
    summary: "Render a preset's title and description",
    description:
      'Renders a saved preset, or unsaved metadata, against a sample recording (or the variables given) exactly as an upload would: ' +
      "dates in the time zone given, the platform's limits and fallbacks applied. Nothing is saved.",
    tag: TAG,
    body: renderPreviewSchema,
    responses: { 200: { description: 'What an upload would send', schema: previewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...PRESET_PROBLEMS },
  })
  async preview(@CurrentUser() user: Principal, @Body() body: unknown) {
    const b = parseInput(renderPreviewSchema, body);
    const preview = await this.publishing.ask(MESSAGE_TYPES.publishing.RenderPresetPreview, {
      userId: user.userId,
      ...(b.presetId ? { presetId: b.presetId } : {}),
      ...(b.platform ? { platform: b.platform } : {}),
      ...(b.metadata ? { metadata: b.metadata } : {}),
      ...(b.variables ? { variables: b.variables } : {}),
      ...(b.timeZone ? { timeZone: b.timeZone } : {}),
    });
    return {
      title: preview.title ?? '',
      description: preview.description ?? '',
      ...(preview.folderPath !== undefined ? { folderPath: preview.folderPath } : {}),
      ...(preview.filename !== undefined ? { filename: preview.filename } : {}),
      titleTruncated: preview.titleTruncated ?? false,
      descriptionTruncated: preview.descriptionTruncated ?? false,
    };
  }

  @Post('bulk/delete')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Delete several presets',
    description: 'Ids you have no preset for are listed in notFound, not refused.',
    tag: TAG,
    body: bulkDeletePresetsSchema,
    responses: { 200: { description: 'What was deleted', schema: bulkDeleteResultSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 503: PRESET_PROBLEMS[503] },
  })
  async bulkDelete(@CurrentUser() user: Principal, @Body() body: unknown) {
    const { ids } = parseInput(bulkDeletePresetsSchema, body);
    const result = await this.publishing.ask(MESSAGE_TYPES.publishing.DeletePresets, { userId: user.userId, presetIds: ids });
    return { deleted: result.deletedIds ?? [], notFound: result.notFoundIds ?? [] };
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a preset',
    tag: TAG,
    params: { id: 'The preset id' },
    responses: { 200: { description: 'The preset', schema: presetViewSchema } },
    problems: { 404: PRESET_PROBLEMS[404], 503: PRESET_PROBLEMS[503] },
  })
  async get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return view((await this.publishing.ask(MESSAGE_TYPES.publishing.GetPreset, { userId: user.userId, presetId: presetId(id) })).preset);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Create a preset',
    description:
      'The metadata is checked against the platform, and its templates must parse, render within their limits, and a title must use a variable ' +
      '(422 with the code of what is wrong).',
    tag: TAG,
    body: createPresetSchema,
    responses: { 201: { description: 'The preset, defaults filled in', schema: presetViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 409: PRESET_PROBLEMS[409], 422: PRESET_PROBLEMS[422], 503: PRESET_PROBLEMS[503] },
  })
  async create(@CurrentUser() user: Principal, @Body() body: unknown) {
    const b = parseInput(createPresetSchema, body);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.CreatePreset, {
      userId: user.userId,
      name: b.name,
      platform: b.platform,
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.credentialId ? { credentialId: b.credentialId } : {}),
      ...(b.metadata ? { metadata: b.metadata } : {}),
      ...(b.isActive !== undefined ? { isActive: b.isActive } : {}),
    });
    return view(reply.preset);
  }

  @Post(':id/copy')
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Copy a preset',
    tag: TAG,
    params: { id: 'The preset to copy' },
    body: copyPresetSchema,
    responses: { 201: { description: 'The copy', schema: presetViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: PRESET_PROBLEMS[404], 409: PRESET_PROBLEMS[409], 503: PRESET_PROBLEMS[503] },
  })
  async copy(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const id_ = presetId(id);
    const b = parseInput(copyPresetSchema, body);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.CopyPreset, { userId: user.userId, presetId: id_, ...(b.name ? { name: b.name } : {}) });
    return view(reply.preset);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change a preset',
    description: 'Only the fields given change; the platform never does. Metadata is replaced as a whole and checked as on create.',
    tag: TAG,
    params: { id: 'The preset id' },
    body: updatePresetSchema,
    responses: { 200: { description: 'The preset', schema: presetViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...PRESET_PROBLEMS },
  })
  async update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    presetId(id);
    const b = parseInput(updatePresetSchema, body);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.UpdatePreset, {
      userId: user.userId,
      presetId: id,
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.credentialId !== undefined ? { credentialId: b.credentialId ?? '' } : {}),
      ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
      ...(b.isActive !== undefined ? { isActive: b.isActive } : {}),
    });
    return view(reply.preset);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a preset',
    tag: TAG,
    params: { id: 'The preset id' },
    responses: { 204: { description: 'Deleted' } },
    problems: { 404: PRESET_PROBLEMS[404], 503: PRESET_PROBLEMS[503] },
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    const result = await this.publishing.ask(MESSAGE_TYPES.publishing.DeletePresets, { userId: user.userId, presetIds: [presetId(id)] });
    if (!(result.deletedIds ?? []).includes(id)) throw presetNotFound(id);
  }
}
