import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { LeapError, MessageBus } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_LOGGER } from '@leap/platform';
import { ObjectNotFoundError, parseRecordingKey, type ObjectStore } from '@leap/storage-client';
import { MESSAGE_TYPES, type DeleteRecording } from '@leap/contracts';
import type { Logger } from 'winston';
import { RecordingsRepository, type RecordingRow, type Visibility } from './recordings.repository';
import { DOWNLOADS, pipelineAction, recordingDetail, recordingSummary, restoreAction, type DownloadName, type ListQuery } from './recordings.dto';
import { transcriptText } from './transcript-text';
import { pageOf } from '../common/pagination';
import { PipelineControlClient } from './pipeline-control.client';
import { recordingNotFound } from './problems';


function notReady(id: string, name: string): LeapError {
  return new LeapError('ARTIFACT.NOT_READY', `${name} of recording ${id} is not ready yet`, { status: 404 });
}

export interface Download {
  body: Readable | Buffer;
  contentType: string;
  filename: string;
  length?: number;
}

/** Reads of the recording read model, artifact downloads and deletion, always scoped by the caller. */
@Injectable()
export class RecordingsService {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly bus: MessageBus,
    private readonly control: PipelineControlClient,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async list(userId: string, query: ListQuery) {
    const { rows, total } = await this.recordings.list(userId, {
      page: query.page,
      pageSize: query.pageSize,
      statuses: query.status,
      sort: query.sort,
      visibility: query.deleted ? 'deleted' : 'live',
    });
    return pageOf(rows.map(recordingSummary), query, total);
  }

  /** A deleted recording is still shown (with its `deletion`) until its hard delete, so its owner can restore it. */
  async get(userId: string, id: string) {
    const row = await this.owned(userId, id, 'any');
    return recordingDetail(row, await this.recordings.stagesOf(id));
  }

  async download(userId: string, id: string, name: DownloadName): Promise<Download> {
    const row = await this.owned(userId, id);
    const spec = DOWNLOADS[name];
    const ref = row.artifacts[spec.artifact];
    const place = ref && parseRecordingKey(ref.key);
    if (!ref || !place || place.userId !== userId || place.recordingId !== id) {
      if (ref) this.logger.warn(`artifact ${spec.artifact} of ${id} points outside the recording: ${ref.key}`, { recordingId: id });
      throw notReady(id, name);
    }
    const filename = `${(row.title ?? id).replace(/[^\p{L}\p{N} ._-]+/gu, '_').slice(0, 100) || id}.${name.split('.').pop()}`;
    try {
      if (name === 'transcript.txt') {
        const text = Buffer.from(transcriptText(JSON.parse((await this.store.getBuffer(ref.key)).toString('utf8'))), 'utf8');
        return { body: text, contentType: spec.contentType, filename, length: text.length };
      }
      const info = await this.store.head(ref.key);
      if (!info) throw notReady(id, name);
      return { body: await this.store.get(ref.key), contentType: spec.contentType, filename, length: info.sizeBytes };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw notReady(id, name);
      throw error;
    }
  }

  /**
   * Marks the recording as being deleted and asks ingest to delete it (soft: restorable for
   * RETENTION_SOFT_DELETE_DAYS); 404 for anyone but the owner and for a recording deleted already.
   */
  async delete(userId: string, id: string) {
    await this.owned(userId, id);
    const command: DeleteRecording = { recordingId: id, userId };
    await this.recordings.transaction(async (manager) => {
      if (await this.recordings.markDeleting(manager, id, userId)) {
        await this.bus.send(manager, MESSAGE_TYPES.ingest.DeleteRecording, command, { subject: id, tenant: userId });
      }
    });
    return recordingSummary(await this.owned(userId, id));
  }

  /**
   * Pauses the recording's pipeline (stages in progress back to PENDING, the status rolled back)
   * and answers ingest's account of it; 404 for anyone but the owner, 409 when nothing runs.
   */
  async pause(userId: string, id: string) {
    await this.owned(userId, id);
    return pipelineAction(await this.control.pause(userId, id));
  }

  /**
   * Restores a deleted recording through ingest, which answers its state (the read model follows
   * within moments); 404 for anyone but the owner, 409 when it is not deleted or its window closed.
   */
  async restore(userId: string, id: string) {
    await this.owned(userId, id, 'any');
    return restoreAction(await this.control.restore(userId, id));
  }

  private async owned(userId: string, id: string, visibility: Visibility = 'live'): Promise<RecordingRow> {
    const row = await this.recordings.findOwned(userId, id, visibility);
    if (!row) throw recordingNotFound(id);
    return row;
  }
}
