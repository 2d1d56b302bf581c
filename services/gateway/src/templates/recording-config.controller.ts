import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { MESSAGE_TYPES, type ChangeRecordingConfig } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { isUuid, parseInput } from '../common/validation';
import { bindSchema, preferencesSchema, resolvedView, recordingConfigSchema, resolvedSchema, resolveQuerySchema } from './templates.dto';
import { TemplatesClient } from './templates.client';

const TAG = 'templates';
const NOT_FOUND = { 404: ['RECORDING.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] };

function recordingId(id: string): string {
  if (!isUuid(id)) throw new LeapError('RECORDING.NOT_FOUND', `There is no recording ${id}`, { status: 404 });
  return id;
}

/** The config layers of a recording: resolved, its preferences, and its template binding. */
@Controller('api/v1')
export class RecordingConfigController {
  constructor(private readonly ingest: TemplatesClient) {}

  @Get('config/resolve')
  @ApiDoc({
    summary: 'Resolve the effective config',
    description:
      'Layers, lowest first: the default template, the bound template, a runtime template (template_id, else the one the last run gave), the recording\'s ' +
      'preferences (what PATCH /recordings/{id}/config stored), the manual override (the config the last run gave: its body, a bulk run\'s or an automation ' +
      'job\'s, marked `run`). ' +
      'Merges are deep and ignore nulls. Without recording_id, the default template (and template_id) alone.',
    tag: TAG,
    query: resolveQuerySchema,
    responses: { 200: { description: 'The effective config, and with include_layers each layer and where each value comes from', schema: resolvedSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['RECORDING.NOT_FOUND', 'TEMPLATE.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async resolve(@CurrentUser() user: Principal, @Query() query: unknown) {
    const q = parseInput(resolveQuerySchema, query);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.ResolveConfig, {
      userId: user.userId,
      ...(q.recording_id ? { recordingId: q.recording_id } : {}),
      ...(q.template_id ? { templateId: q.template_id } : {}),
    });
    const view = resolvedView(reply);
    return q.include_layers ? view : { effective: view.effective };
  }

  @Get('recordings/:id/config')
  @ApiDoc({
    summary: 'A recording\'s effective config',
    description: 'As GET /api/v1/config/resolve?recording_id={id}&include_layers=true.',
    tag: TAG,
    responses: { 200: { description: 'The effective config, its layers and where each value comes from', schema: resolvedSchema } },
    problems: NOT_FOUND,
  })
  async get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.resolve(user, { recording_id: recordingId(id), include_layers: 'true' });
  }

  @Patch('recordings/:id/config')
  @ApiDoc({
    summary: 'Change a recording\'s preferences',
    description:
      'The recording-preferences layer, above the templates and below what a run gives: deep-merged into what is stored, a null removes a key. ' +
      'Checked like a template\'s config.',
    tag: TAG,
    body: preferencesSchema,
    responses: { 200: { description: 'The binding and the stored preferences', schema: recordingConfigSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 422: ['RECORDING_CONFIG.INVALID'], ...NOT_FOUND },
  })
  async patch(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, { preferences: parseInput(preferencesSchema, body) as Record<string, unknown> });
  }

  @Delete('recordings/:id/config')
  @ApiDoc({
    summary: 'Clear a recording\'s preferences',
    tag: TAG,
    responses: { 200: { description: 'The binding and the (empty) preferences', schema: recordingConfigSchema } },
    problems: NOT_FOUND,
  })
  async clear(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.change(user, id, { clearPreferences: true });
  }

  @Post('recordings/:id/template')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Bind a template to a recording',
    tag: TAG,
    body: bindSchema,
    responses: { 200: { description: 'The binding and the stored preferences', schema: recordingConfigSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['RECORDING.NOT_FOUND', 'TEMPLATE.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async bind(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, { bindTemplateId: parseInput(bindSchema, body).templateId });
  }

  @Delete('recordings/:id/template')
  @ApiDoc({
    summary: 'Unbind a recording\'s template',
    description: 'It is then processed with the default template (and its own layers).',
    tag: TAG,
    responses: { 200: { description: 'The binding and the stored preferences', schema: recordingConfigSchema } },
    problems: NOT_FOUND,
  })
  async unbind(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.change(user, id, { unbind: true });
  }

  private async change(user: Principal, id: string, change: Omit<ChangeRecordingConfig, 'userId' | 'recordingId'>) {
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId: user.userId, recordingId: recordingId(id), ...change });
    return { recordingId: reply.recordingId, templateId: reply.templateId || null, isMapped: reply.isMapped ?? false, preferences: reply.preferences ?? reply.override ?? {} };
  }
}
