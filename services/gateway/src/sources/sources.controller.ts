import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { MESSAGE_TYPES } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { isUuid, parseInput } from '../common/validation';
import {
  bulkSyncSchema,
  createSourceSchema,
  listSourcesQuerySchema,
  sourcePageSchema,
  sourceViewSchema,
  syncsStartedSchema,
  syncViewSchema,
  syncWindowSchema,
  updateSourceSchema,
  type SourceView,
} from './sources.dto';
import { SourcesClient, sourceView, syncView, windowOf } from './sources.service';

const TAG = 'sources';
const WRITE_PROBLEMS = { 400: ['VALIDATION.FAILED'], 409: ['SOURCE.DUPLICATE'], 422: ['SOURCE.INVALID', 'CREDENTIAL.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] };

function sourceId(id: string): string {
  if (!isUuid(id)) throw new LeapError('SOURCE.NOT_FOUND', `There is no source ${id}`, { status: 404 });
  return id;
}

/** Input sources (kept by ingest): Zoom accounts, Yandex Disk folders and links, video URLs; and their syncs. */
@Controller('api/v1/sources')
export class SourcesController {
  constructor(private readonly ingest: SourcesClient) {}

  @Get()
  @ApiDoc({
    summary: 'List input sources',
    tag: TAG,
    query: listSourcesQuerySchema,
    responses: { 200: { description: 'A page of sources, newest first', schema: sourcePageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 503: ['INGEST.UNAVAILABLE'] },
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.ingest.list(user.userId, parseInput(listSourcesQuerySchema, query));
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Add an input source',
    description: 'Its config is checked against the platform; ZOOM and a YANDEX_DISK folder need a source credential of the platform, VIDEO_URL none.',
    tag: TAG,
    body: createSourceSchema,
    responses: { 201: { description: 'Created', schema: sourceViewSchema } },
    problems: WRITE_PROBLEMS,
  })
  async create(@CurrentUser() user: Principal, @Body() body: unknown): Promise<SourceView> {
    const b = parseInput(createSourceSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.CreateSource, {
      userId: user.userId,
      name: b.name,
      platform: b.platform,
      ...(b.description ? { description: b.description } : {}),
      ...(b.credentialId ? { credentialId: b.credentialId } : {}),
      config: (b.config ?? {}) as never,
    });
    return sourceView(reply.source);
  }

  @Post('bulk/sync')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Sync several sources over a date window',
    description: 'One sync per source, each a job; follow each with GET /api/v1/sources/syncs/{id}.',
    tag: TAG,
    body: bulkSyncSchema,
    responses: { 202: { description: 'The syncs, queued', schema: syncsStartedSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['SOURCE.NOT_FOUND'], 409: ['SOURCE.INACTIVE', 'SOURCE.NOT_SYNCABLE'], 422: ['SOURCE.INVALID'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async bulkSync(@CurrentUser() user: Principal, @Body() body: unknown) {
    const b = parseInput(bulkSyncSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.SyncSources, { userId: user.userId, sourceIds: b.sourceIds, ...windowOf(b) });
    return { syncs: (reply.syncs ?? []).map(syncView) };
  }

  @Get('syncs/:id')
  @ApiDoc({
    summary: 'A sync and its result',
    tag: TAG,
    responses: { 200: { description: 'The sync: found, created, updated, skipped and why', schema: syncViewSchema } },
    problems: { 404: ['SYNC.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async getSync(@CurrentUser() user: Principal, @Param('id') id: string) {
    if (!isUuid(id)) throw new LeapError('SYNC.NOT_FOUND', `There is no sync ${id}`, { status: 404 });
    return syncView((await this.ingest.ask(MESSAGE_TYPES.ingest.GetSourceSync, { userId: user.userId, syncId: id })).sync);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get an input source',
    tag: TAG,
    responses: { 200: { description: 'The source', schema: sourceViewSchema } },
    problems: { 404: ['SOURCE.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async get(@CurrentUser() user: Principal, @Param('id') id: string): Promise<SourceView> {
    return sourceView((await this.ingest.ask(MESSAGE_TYPES.ingest.GetSource, { userId: user.userId, sourceId: sourceId(id) })).source);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change an input source',
    tag: TAG,
    body: updateSourceSchema,
    responses: { 200: { description: 'The changed source', schema: sourceViewSchema } },
    problems: { ...WRITE_PROBLEMS, 404: ['SOURCE.NOT_FOUND'] },
  })
  async update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown): Promise<SourceView> {
    const b = parseInput(updateSourceSchema, body);
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.UpdateSource, {
      userId: user.userId,
      sourceId: sourceId(id),
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.credentialId !== undefined ? { credentialId: b.credentialId ?? '' } : {}),
      ...(b.config !== undefined ? { config: b.config as never } : {}),
      ...(b.isActive !== undefined ? { isActive: b.isActive } : {}),
    });
    return sourceView(reply.source);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete an input source',
    description: 'Its recordings stay.',
    tag: TAG,
    responses: { 204: { description: 'Deleted' } },
    problems: { 404: ['SOURCE.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.DeleteSource, { userId: user.userId, sourceId: sourceId(id) });
    if (!reply.deleted) throw new LeapError('SOURCE.NOT_FOUND', `There is no source ${id}`, { status: 404 });
  }

  @Post(':id/sync')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Sync a source over a date window',
    description: 'A job: new items become recordings, items seen before are deduplicated by their source key, finished or deleted recordings are never touched.',
    tag: TAG,
    body: syncWindowSchema,
    responses: { 202: { description: 'The sync, queued', schema: syncViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['SOURCE.NOT_FOUND'], 409: ['SOURCE.INACTIVE', 'SOURCE.NOT_SYNCABLE'], 422: ['SOURCE.INVALID'], 503: ['INGEST.UNAVAILABLE'] },
  })
  async sync(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(syncWindowSchema, body ?? {});
    const reply = await this.ingest.ask(MESSAGE_TYPES.ingest.SyncSources, { userId: user.userId, sourceIds: [sourceId(id)], ...windowOf(b) });
    return syncView(reply.syncs![0]);
  }
}
