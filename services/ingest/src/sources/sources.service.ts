import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type CreateSource,
  type DeleteSource,
  type GetSource,
  type GetSourceSync,
  type InputSource,
  type ListSources,
  type SourceCreated,
  type SourceDeleted,
  type SourceFound,
  type SourcesPage,
  type SourceSync,
  type SourceSyncFound,
  type SourceSyncsStarted,
  type SyncSource,
  type SyncSources,
  type UpdateSource,
  type SourceUpdated,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { newMessageId } from '@leap/messaging';
import { SourceCredentialsRepository } from '../credentials/source-credentials.repository';
import type { PipelineTx } from '../pipeline/pipeline.service';
import type { Transaction } from '../recordings/recording.repository';
import { CREDENTIAL_PLATFORM_OF, needsCredential, parseSourceConfig, type SourcePlatform } from './source-config';
import { SourcesRepository, type SourceRow, type SyncRow } from './sources.repository';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_WINDOW_DAYS = 731;
const DAY = 86_400_000;

export function sourceView(row: SourceRow): InputSource {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    description: row.description,
    platform: row.platform,
    ...(row.credentialId ? { credentialId: row.credentialId } : {}),
    config: row.config as InputSource['config'],
    isActive: row.isActive,
    ...(row.lastSyncAt ? { lastSyncAt: new Date(row.lastSyncAt).toISOString() } : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function syncView(row: SyncRow): SourceSync {
  return {
    id: row.id,
    sourceId: row.sourceId,
    userId: row.userId,
    status: row.status,
    fromDate: row.fromDate,
    toDate: row.toDate,
    found: row.found,
    created: row.created,
    updated: row.updated,
    skipped: row.skips.length,
    skips: row.skips,
    ...(row.errorCode ? { errorCode: row.errorCode } : {}),
    ...(row.errorMessage ? { errorMessage: row.errorMessage } : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    ...(row.finishedAt ? { finishedAt: new Date(row.finishedAt).toISOString() } : {}),
  };
}

/** Input sources: CRUD with each platform's config checked, and syncs queued as jobs. */
@Injectable()
export class SourcesService {
  constructor(
    private readonly sources: SourcesRepository,
    private readonly credentials: SourceCredentialsRepository,
  ) {}

  async create(tx: Transaction, q: CreateSource): Promise<SourceCreated> {
    const config = parseSourceConfig(q.platform, q.config);
    const row: SourceRow = {
      id: this.sources.newId(),
      userId: q.userId,
      name: checkedName(q.name),
      description: checkedDescription(q.description),
      platform: q.platform,
      credentialId: q.credentialId || null,
      config,
      isActive: true,
      lastSyncAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await this.check(tx, row);
    return { source: sourceView(await this.sources.insert(tx, row)) };
  }

  async update(tx: Transaction, q: UpdateSource): Promise<SourceUpdated> {
    const row = await this.owned(tx, q.userId, q.sourceId);
    if (q.name !== undefined) row.name = checkedName(q.name);
    if (q.description !== undefined) row.description = checkedDescription(q.description);
    if (q.credentialId !== undefined) row.credentialId = q.credentialId || null;
    if (q.config !== undefined) row.config = parseSourceConfig(row.platform, q.config);
    if (q.isActive !== undefined) row.isActive = q.isActive;
    await this.check(tx, row);
    return { source: sourceView(await this.sources.update(tx, row)) };
  }

  async get(tx: Transaction, q: GetSource): Promise<SourceFound> {
    return { source: sourceView(await this.owned(tx, q.userId, q.sourceId)) };
  }

  async list(q: ListSources): Promise<SourcesPage> {
    return { sources: (await this.sources.list(q.userId)).map(sourceView) };
  }

  async delete(tx: Transaction, q: DeleteSource): Promise<SourceDeleted> {
    return { deleted: await this.sources.delete(tx, q.userId, q.sourceId) };
  }

  /** One sync per source, each a row and a `SyncSource` command (accepted as a job) in this transaction. */
  async sync(tx: PipelineTx, q: SyncSources): Promise<SourceSyncsStarted> {
    const { fromDate, toDate } = checkedWindow(q.fromDate, q.toDate);
    const ids = [...new Set(q.sourceIds ?? [])];
    if (ids.length === 0 || ids.length > 50) throw new LeapError('SOURCE.INVALID', 'sourceIds: give 1 to 50 sources', { status: 422 });
    const rows: SourceRow[] = [];
    for (const id of ids) {
      const row = await this.owned(tx.manager, q.userId, id);
      if (!row.isActive) throw new LeapError('SOURCE.INACTIVE', `Source ${id} is not active`, { status: 409 });
      if (row.platform === 'LOCAL') throw new LeapError('SOURCE.NOT_SYNCABLE', `Source ${id} is a local source: it has nothing to sync`, { status: 409 });
      rows.push(row);
    }
    const syncs: SourceSync[] = [];
    for (const row of rows) {
      const sync = await this.sources.insertSync(tx.manager, { id: newMessageId(), userId: q.userId, sourceId: row.id, fromDate, toDate });
      const cmd: SyncSource = { syncId: sync.id, userId: q.userId, sourceId: row.id };
      await tx.send(MESSAGE_TYPES.ingest.SyncSource, cmd, { subject: row.id, tenant: q.userId });
      syncs.push(syncView(sync));
    }
    return { syncs };
  }

  async getSync(tx: Transaction, q: GetSourceSync): Promise<SourceSyncFound> {
    const row = await this.sources.findSync(tx, q.userId, q.syncId);
    if (!row) throw new LeapError('SYNC.NOT_FOUND', `There is no sync ${q.syncId}`, { status: 404 });
    return { sync: syncView(row) };
  }

  private async owned(tx: Transaction, userId: string, id: string): Promise<SourceRow> {
    const row = await this.sources.find(tx, userId, id);
    if (!row) throw new LeapError('SOURCE.NOT_FOUND', `There is no source ${id}`, { status: 404 });
    return row;
  }

  /** The credential fits the platform and is the user's; the name is free. */
  private async check(tx: Transaction, row: SourceRow): Promise<void> {
    const platform = row.platform as SourcePlatform;
    const wanted = CREDENTIAL_PLATFORM_OF[platform];
    if (row.credentialId) {
      const credential = wanted ? await this.credentials.find(tx, row.userId, row.credentialId) : null;
      if (!credential || credential.platform !== wanted) {
        throw new LeapError('CREDENTIAL.NOT_FOUND', `credentialId: ${row.credentialId} is not one of your ${wanted ?? 'source'} credentials`, { status: 422 });
      }
    } else if (needsCredential(platform, row.config)) {
      throw new LeapError('SOURCE.INVALID', `credentialId: a ${platform} source needs a ${wanted} credential`, { status: 422 });
    }
    if (await this.sources.nameTaken(tx, row.userId, row.name, row.platform, row.credentialId, row.id)) {
      throw new LeapError('SOURCE.DUPLICATE', `You already have a ${platform} source named ${row.name} with that credential`, { status: 409 });
    }
  }
}

function checkedName(name: string): string {
  const trimmed = (name ?? '').trim();
  if (trimmed.length < 3 || trimmed.length > 255) throw new LeapError('SOURCE.INVALID', 'name: must be 3 to 255 characters', { status: 422 });
  return trimmed;
}

function checkedDescription(text: string | undefined): string {
  const value = (text ?? '').trim();
  if (value.length > 2000) throw new LeapError('SOURCE.INVALID', 'description: must be at most 2000 characters', { status: 422 });
  return value;
}

/** `YYYY-MM-DD` both, from ≤ to, at most two years apart. */
export function checkedWindow(fromDate: string, toDate: string): { fromDate: string; toDate: string } {
  const valid = (d: string) => DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
  if (!valid(fromDate) || !valid(toDate)) throw new LeapError('SOURCE.INVALID', 'fromDate and toDate must be dates (YYYY-MM-DD)', { status: 422 });
  const span = (Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY;
  if (span < 0) throw new LeapError('SOURCE.INVALID', 'fromDate must not be after toDate', { status: 422 });
  if (span > MAX_WINDOW_DAYS) throw new LeapError('SOURCE.INVALID', `the window may span at most ${MAX_WINDOW_DAYS} days`, { status: 422 });
  return { fromDate, toDate };
}
