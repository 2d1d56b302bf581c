import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type EditTopics } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { ObjectNotFoundError, storageKeys, type ObjectStore } from '@leap/storage-client';
import type { Logger } from 'winston';
import type { z } from 'zod';
import { registerProblemTitles } from '../../common/problem-details';
import type { GatewayConfig } from '../../config/config.schema';
import { RERUNS } from '../control/stage-rerun.api-doc';
import { PipelineControlClient } from '../pipeline-control.client';
import { recordingNotFound } from '../problems';
import { RecordingsRepository } from '../recordings.repository';
import type { editTopicsBody, rerunTopicsBody } from './topics.api-doc';

registerProblemTitles({
  'TOPICS.NO_TRANSCRIPT': 'The recording has no transcript yet',
  'TRANSCRIPTION.TOPICS_MISSING': 'The recording has no topics yet',
  'TRANSCRIPTION.TOPICS_EDIT_INVALID': 'The edit cannot be applied',
  'TRANSCRIPTION.UNAVAILABLE': 'Transcription service unavailable',
});

/** Refusals of the transcription service that reach the caller with their own code and status. */
const REFUSALS = new Set(['TRANSCRIPTION.TOPICS_MISSING', 'TRANSCRIPTION.TOPICS_EDIT_INVALID']);

interface StoredVersion {
  version: number;
  createdAt: string;
  granularity: 'short' | 'medium' | 'long';
  language: string;
  method?: 'llm' | 'extractive';
  summary: string;
  mainTopics: string[];
  topics: Array<{ start: number; end: number; title: string }>;
  questions: string[];
  manuallyEdited?: boolean;
  editedAt?: string;
}

function versionView(v: StoredVersion) {
  return {
    version: v.version,
    createdAt: v.createdAt,
    granularity: v.granularity,
    language: v.language,
    ...(v.method ? { method: v.method } : {}),
    summary: v.summary,
    mainTopics: v.mainTopics,
    topics: v.topics,
    questions: v.questions,
    manuallyEdited: v.manuallyEdited ?? false,
    editedAt: v.editedAt ?? null,
  };
}

/**
 * A recording's topic versions: read from `topics.json`, extracted again with another granularity
 * (a re-run of EXTRACT_TOPICS decided by ingest, under the guard of every re-run; the transcript is
 * left alone), and edited by hand (request/reply, so the caller learns at once whether the edit applied).
 */
@Injectable()
export class RecordingTopicsService {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly bus: MessageBus,
    private readonly control: PipelineControlClient,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  private async owned(userId: string, id: string) {
    const row = await this.recordings.findOwned(userId, id);
    if (!row) throw recordingNotFound(id);
    return row;
  }

  async get(userId: string, id: string) {
    await this.owned(userId, id);
    let body: Buffer;
    try {
      body = await this.store.getBuffer(storageKeys.topics(userId, id));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new LeapError('ARTIFACT.NOT_READY', `The topics of recording ${id} are not ready yet`, { status: 404 });
      throw error;
    }
    const document = JSON.parse(body.toString('utf8')) as { activeVersion: number; versions: StoredVersion[] };
    return {
      activeVersion: document.activeVersion,
      versions: document.versions.map(versionView),
      links: { self: `/api/v1/recordings/${id}/topics`, recording: `/api/v1/recordings/${id}` },
    };
  }

  /**
   * A new topic version, as ingest's re-run of EXTRACT_TOPICS: 409 `INGEST.ALREADY_RUNNING` while any
   * stage of the recording runs (the transcription above all: the extraction would read a
   * transcript about to be replaced), `INGEST.NOT_RUNNABLE`, and `TOPICS.NO_TRANSCRIPT` before the
   * transcript exists.
   */
  async rerun(userId: string, id: string, body: z.output<typeof rerunTopicsBody>) {
    await this.owned(userId, id);
    let attempt: number;
    try {
      attempt = (await this.control.rerun(userId, id, RERUNS.topics.stage, RERUNS.topics.settings(body))).attempt ?? 1;
    } catch (error) {
      throw error instanceof LeapError && error.code === 'INGEST.STAGE_NOT_READY' ? noTranscript(id) : error;
    }
    const self = `/api/v1/recordings/${id}`;
    return { id, granularity: body.granularity, status: 'accepted' as const, attempt, links: { self, topics: `${self}/topics` } };
  }

  async edit(userId: string, id: string, body: z.output<typeof editTopicsBody>) {
    await this.owned(userId, id);
    const query: EditTopics = {
      recordingId: id,
      userId,
      ...(body.summary !== undefined ? { summary: body.summary } : {}),
      ...(body.mainTopics ? { mainTopics: { items: body.mainTopics } } : {}),
      ...(body.questions ? { questions: { items: body.questions } } : {}),
      ...(body.topics ? { topics: { items: body.topics.map((t) => ({ startSeconds: t.start, endSeconds: t.end ?? 0, title: t.title })) } } : {}),
    };
    try {
      await this.bus.request(MESSAGE_TYPES.transcription.EditTopics, query, { subject: id, tenant: userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT });
    } catch (error) {
      const code = error instanceof LeapError ? error.code : undefined;
      if (code && REFUSALS.has(code)) throw new LeapError(code, (error as Error).message, { status: code === 'TRANSCRIPTION.TOPICS_MISSING' ? 404 : 422 });
      this.logger.warn(`transcription did not answer a topics edit: ${(error as Error).message}`, { code, recordingId: id });
      throw new LeapError('TRANSCRIPTION.UNAVAILABLE', 'The transcription service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
    const { versions, activeVersion } = await this.get(userId, id);
    return versions.find((v) => v.version === activeVersion)!;
  }
}

/** Topics need nothing but a transcript: where ingest answers `INGEST.STAGE_NOT_READY`, the routes answer this. */
export function noTranscript(id: string): LeapError {
  return new LeapError('TOPICS.NO_TRANSCRIPT', `Recording ${id} has no transcript to extract topics from yet`, { status: 409 });
}
