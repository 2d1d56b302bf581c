import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { MESSAGE_TYPES } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { offsetOf, pageOf } from '../common/pagination';
import { isUuid, parseInput } from '../common/validation';
import {
  bulkDeletedSchema,
  bulkDeleteSchema,
  copyTemplateSchema,
  createTemplateSchema,
  fromRecordingSchema,
  listTemplatesQuerySchema,
  matchPreviewSchema,
  previewMatchSchema,
  rematchResultSchema,
  rematchSchema,
  templatePageSchema,
  templateSavedSchema,
  templateStatsSchema,
  templateViewSchema,
  updateTemplateSchema,
} from './templates.dto';
import { matchView, TemplatesClient, templateView } from './templates.client';

const TAG = 'templates';
const UNAVAILABLE = { 503: ['INGEST.UNAVAILABLE'] };
const WRITE_PROBLEMS = { 400: ['VALIDATION.FAILED'], 409: ['TEMPLATE.DUPLICATE'], 422: ['TEMPLATE.INVALID'], ...UNAVAILABLE };

function templateId(id: string): string {
  if (!isUuid(id)) throw new LeapError('TEMPLATE.NOT_FOUND', `There is no template ${id}`, { status: 404 });
  return id;
}

/** Recording templates (kept by ingest): matching rules and the config a matched recording is processed with. */
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly ingest: TemplatesClient) {}

  @Get()
  @ApiDoc({
    summary: 'List templates',
    description: 'The default template first, then in matching order (priority, then creation).',
    tag: TAG,
    query: listTemplatesQuerySchema,
    responses: { 200: { description: 'A page of templates', schema: templatePageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...UNAVAILABLE },
  })
  async list(@CurrentUser() user: Principal, @Query() query: unknown) {
    const q = parseInput(listTemplatesQuerySchema, query);
    let all = ((await this.ingest.ask(MESSAGE_TYPES.ingest.ListTemplates, { userId: user.userId })).templates ?? []).map(templateView);
    if (q.includeDrafts === false) all = all.filter((t) => !t.isDraft);
    if (q.isActive !== undefined) all = all.filter((t) => t.isActive === q.isActive);
    if (q.search) {
      const text = q.search.toLowerCase();
      all = all.filter((t) => t.name.toLowerCase().includes(text) || t.description.toLowerCase().includes(text));
    }
    return pageOf(all.slice(offsetOf(q), offsetOf(q) + q.pageSize), q, all.length);
  }

  @Get('default')
  @ApiDoc({
    summary: 'The default template',
    description: 'The base every recording is processed with, created on first need.',
    tag: TAG,
    responses: { 200: { description: 'The default template', schema: templateViewSchema } },
    problems: UNAVAILABLE,
  })
  async getDefault(@CurrentUser() user: Principal) {
    return templateView((await this.ingest.ask(MESSAGE_TYPES.ingest.GetTemplate, { userId: user.userId, defaultTemplate: true })).template);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Create a template',
    description: 'Rules and config are checked on save (patterns must compile and be free of catastrophic backtracking). With autoRematch the unbound recordings are matched again.',
    tag: TAG,
    body: createTemplateSchema,
    responses: { 201: { description: 'Created', schema: templateSavedSchema } },
    problems: WRITE_PROBLEMS,
  })
  async create(@CurrentUser() user: Principal, @Body() body: unknown) {
    const { autoRematch, ...fields } = parseInput(createTemplateSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.SaveTemplate, { userId: user.userId, fields, autoRematch: autoRematch ?? false });
    return { ...templateView(reply.template), rematched: reply.rematched ?? 0 };
  }

  @Post('bulk/delete')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Delete several templates',
    description: 'All or nothing: naming the default template refuses the request. Their recordings are unbound.',
    tag: TAG,
    body: bulkDeleteSchema,
    responses: { 200: { description: 'What was deleted', schema: bulkDeletedSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 409: ['TEMPLATE.IS_DEFAULT'], 422: ['TEMPLATE.INVALID'], ...UNAVAILABLE },
  })
  async bulkDelete(@CurrentUser() user: Principal, @Body() body: unknown) {
    const b = parseInput(bulkDeleteSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.DeleteTemplates, { userId: user.userId, templateIds: b.ids });
    return { deleted: reply.deleted ?? [], notFound: reply.notFound ?? [], unboundRecordings: reply.unboundRecordings ?? 0 };
  }

  @Post('from-recording/:recordingId')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Make a template from a recording',
    description: 'Its own config becomes the template\'s; it matches the recording\'s title exactly (or matchPattern), and the recording is bound to it.',
    tag: TAG,
    body: fromRecordingSchema,
    responses: { 201: { description: 'Created', schema: templateViewSchema } },
    problems: { ...WRITE_PROBLEMS, 404: ['RECORDING.NOT_FOUND'] },
  })
  async fromRecording(@CurrentUser() user: Principal, @Param('recordingId') recordingId: string, @Body() body: unknown) {
    if (!isUuid(recordingId)) throw new LeapError('RECORDING.NOT_FOUND', `There is no recording ${recordingId}`, { status: 404 });
    const b = parseInput(fromRecordingSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.CreateTemplateFromRecording, {
      userId: user.userId,
      recordingId,
      name: b.name,
      ...(b.matchPattern ? { matchPattern: b.matchPattern } : {}),
      ...(b.matchSourceId ? { matchSourceId: b.matchSourceId } : {}),
    });
    return templateView(reply.template);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a template',
    tag: TAG,
    responses: { 200: { description: 'The template', schema: templateViewSchema } },
    problems: { 404: ['TEMPLATE.NOT_FOUND'], ...UNAVAILABLE },
  })
  async get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return templateView((await this.ingest.ask(MESSAGE_TYPES.ingest.GetTemplate, { userId: user.userId, templateId: templateId(id) })).template);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change a template',
    description: 'Fields left out stay as they are; a config block given replaces the stored one.',
    tag: TAG,
    body: updateTemplateSchema,
    responses: { 200: { description: 'The changed template', schema: templateViewSchema } },
    problems: { ...WRITE_PROBLEMS, 404: ['TEMPLATE.NOT_FOUND'] },
  })
  async update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const fields = parseInput(updateTemplateSchema, body);
    return templateView((await this.ingest.ask(MESSAGE_TYPES.ingest.SaveTemplate, { userId: user.userId, templateId: templateId(id), fields })).template);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a template',
    description: 'Its recordings are unbound. The default template cannot be deleted (409).',
    tag: TAG,
    responses: { 204: { description: 'Deleted' } },
    problems: { 404: ['TEMPLATE.NOT_FOUND'], 409: ['TEMPLATE.IS_DEFAULT'], ...UNAVAILABLE },
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.DeleteTemplates, { userId: user.userId, templateIds: [templateId(id)] });
    if (!(reply.deleted ?? []).length) throw new LeapError('TEMPLATE.NOT_FOUND', `There is no template ${id}`, { status: 404 });
  }

  @Post(':id/copy')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Copy a template',
    description: 'The copy is a draft with no uses.',
    tag: TAG,
    body: copyTemplateSchema,
    responses: { 201: { description: 'The copy', schema: templateViewSchema } },
    problems: { ...WRITE_PROBLEMS, 404: ['TEMPLATE.NOT_FOUND'] },
  })
  async copy(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(copyTemplateSchema, body ?? {});
    return templateView((await this.ingest.ask(MESSAGE_TYPES.ingest.CopyTemplate, { userId: user.userId, templateId: templateId(id), ...(b.name ? { name: b.name } : {}) })).template);
  }

  @Post(':id/set-as-default')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Make a template the default',
    description: 'The previous default becomes a named template.',
    tag: TAG,
    responses: { 200: { description: 'The new default template', schema: templateViewSchema } },
    problems: { 404: ['TEMPLATE.NOT_FOUND'], ...UNAVAILABLE },
  })
  async setDefault(@CurrentUser() user: Principal, @Param('id') id: string) {
    return templateView((await this.ingest.ask(MESSAGE_TYPES.ingest.SetDefaultTemplate, { userId: user.userId, templateId: templateId(id) })).template);
  }

  @Get(':id/stats')
  @ApiDoc({
    summary: 'A template\'s use',
    tag: TAG,
    responses: { 200: { description: 'Its recordings by status, its uses and its last use', schema: templateStatsSchema } },
    problems: { 404: ['TEMPLATE.NOT_FOUND'], ...UNAVAILABLE },
  })
  async stats(@CurrentUser() user: Principal, @Param('id') id: string) {
    const s = await this.ingest.ask(MESSAGE_TYPES.ingest.GetTemplateStats, { userId: user.userId, templateId: templateId(id) });
    return { templateId: s.templateId, totalRecordings: s.totalRecordings ?? 0, byStatus: s.byStatus ?? {}, usedCount: s.usedCount ?? 0, lastUsedAt: s.lastUsedAt ?? null };
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Preview what a template matches',
    description: 'A dry run over your recordings: each match with the rule and the text that matched. Nothing changes; drafts are previewed as if published.',
    tag: TAG,
    body: previewMatchSchema,
    responses: { 200: { description: 'The matches', schema: matchPreviewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['TEMPLATE.NOT_FOUND'], ...UNAVAILABLE },
  })
  async preview(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(previewMatchSchema, body ?? {});
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.PreviewTemplateMatch, {
      userId: user.userId,
      templateId: templateId(id),
      onlyUnbound: b.onlyUnbound ?? false,
      ...(b.sourceId ? { sourceId: b.sourceId } : {}),
      ...(b.limit ? { limit: b.limit } : {}),
    });
    return { examined: reply.examined ?? 0, matches: (reply.matches ?? []).map(matchView) };
  }

  @Post(':id/rematch')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Bind the recordings a template wins',
    description: 'Your recordings are matched against all your templates (first match wins); those this template wins are bound to it.',
    tag: TAG,
    body: rematchSchema,
    responses: { 200: { description: 'The recordings bound', schema: rematchResultSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['TEMPLATE.NOT_FOUND'], ...UNAVAILABLE },
  })
  async rematch(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(rematchSchema, body ?? {});
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.RematchTemplate, { userId: user.userId, templateId: templateId(id), onlyUnbound: b.onlyUnbound ?? true });
    return { examined: reply.examined ?? 0, bound: (reply.bound ?? []).map(matchView) };
  }
}
