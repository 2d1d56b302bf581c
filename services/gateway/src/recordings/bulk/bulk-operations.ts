import type { z } from 'zod';
import { MESSAGE_TYPES, type DeleteRecording, type StageRerunSettings } from '@leap/contracts';
import { LeapError, type MessageBus } from '@leap/messaging';
import type { FeatureFlag } from '../../access/principal';
import type { PublishingClient } from '../../publishing/publishing.client';
import { startUploadQuery } from '../../publishing/start-upload';
import type { PipelineControlClient } from '../pipeline-control.client';
import { RERUNS, subtitlesParams, transcribeParams, trimParams } from '../control/stage-rerun.api-doc';
import type { RecordingRow, RecordingsRepository } from '../recordings.repository';
import { rerunTopicsBody } from '../topics/topics.api-doc';
import type { QuotaClient } from '../quota-client.service';
import { noTranscript } from '../topics/topics.service';
import type { BulkControlClient } from './bulk-control.client';
import { bulkBody, bulkBodyOf, bulkRunBody, bulkUploadParams, type BulkItem } from './bulk.dto';
import { runOverridesOf } from '../control/run.api-doc';

/** What an operation gets to act with. */
export interface BulkDeps {
  control: BulkControlClient;
  recordings: RecordingsRepository;
  bus: MessageBus;
  publishing: PublishingClient;
  pipeline: PipelineControlClient;
  quota: QuotaClient;
}

/**
 * One bulk operation: the feature flag its single route needs, its body (the selection and the
 * single route's parameters), and how it applies to (or, with `dryRun`, plans for) recordings the
 * caller owns and can see. Each answers one item per recording, accepted or refused with the code
 * its single route would answer. Adding an operation is one entry here and one route in the controller.
 */
export interface BulkOperation<B extends z.ZodTypeAny = typeof bulkBody> {
  flag?: FeatureFlag;
  body: B;
  apply(deps: BulkDeps, userId: string, rows: RecordingRow[], body: z.output<B>): Promise<BulkItem[]>;
}

/** An item refused with the code and message the single route answers (its 409s and 4xx refusals). */
function refused(row: RecordingRow, error: unknown): BulkItem {
  if (!(error instanceof LeapError) || error.status < 400 || error.status >= 500) throw error;
  return { id: row.id, outcome: 'refused', code: error.code, message: error.message, status: row.status };
}

/**
 * Decided by ingest, recording by recording, by the code its single routes use (run, pause, and
 * the re-runs of one stage, with the route's settings for every recording).
 */
function ingestControl<B extends z.ZodTypeAny, F extends FeatureFlag | undefined>(
  operation: 'run' | 'pause' | 'trim' | 'transcribe' | 'topics' | 'subtitles',
  flag: F,
  body: B,
  settings?: (body: z.output<B>) => StageRerunSettings,
): BulkOperation<B> & { flag: F } {
  return {
    flag,
    body,
    async apply(deps, userId, rows, b) {
      if (rows.length === 0) return [];
      const overrides = operation === 'run' ? runOverridesOf(b) : undefined;
      const answers = await deps.control.control(userId, operation, rows.map((r) => r.id), b.dryRun, { settings: settings?.(b), overrides });
      return answers.map((a) => ({
        id: a.recordingId,
        outcome: a.outcome as BulkItem['outcome'],
        ...(a.code ? { code: a.code } : {}),
        ...(a.message ? { message: a.message } : {}),
        ...(a.status ? { status: a.status } : {}),
        ...(a.outcome === 'accepted' ? { stages: a.stages ?? [] } : {}),
      }));
    },
  };
}

/**
 * Soft delete, as `DELETE /recordings/{id}`: marked DELETING here, deleted by ingest. A recording
 * being deleted already is accepted and not asked for twice, as the single route answers it.
 */
const softDelete: BulkOperation = {
  body: bulkBody,
  async apply(deps, userId, rows, { dryRun }) {
    const items: BulkItem[] = [];
    for (const row of rows) {
      if (!dryRun) {
        await deps.recordings.transaction(async (manager) => {
          if (await deps.recordings.markDeleting(manager, row.id, userId)) {
            const command: DeleteRecording = { recordingId: row.id, userId };
            await deps.bus.send(manager, MESSAGE_TYPES.ingest.DeleteRecording, command, { subject: row.id, tenant: userId });
          }
        });
      }
      items.push({ id: row.id, outcome: 'accepted', status: 'DELETING' });
    }
    return items;
  },
};

/** A new topic version, as `POST /recordings/{id}/topics`: ingest's re-run of EXTRACT_TOPICS, refused with `TOPICS.NO_TRANSCRIPT` before the transcript exists. */
const topicsBody = bulkBodyOf(rerunTopicsBody.shape);
const topicsRerun = ingestControl('topics', 'process', topicsBody, (b) => RERUNS.topics.settings(b));
const topics: BulkOperation<typeof topicsBody> & { flag: FeatureFlag } = {
  ...topicsRerun,
  async apply(deps, userId, rows, b) {
    return (await topicsRerun.apply(deps, userId, rows, b)).map((item) => {
      if (item.code !== 'INGEST.STAGE_NOT_READY') return item;
      const refusal = noTranscript(item.id);
      return { ...item, code: refusal.code, message: refusal.message };
    });
  },
};

/**
 * A transcription again, as `POST /recordings/{id}/transcribe`: ingest decides each recording
 * (without changing anything), then quota is asked for as many transcriptions as it accepted, and
 * only then does the real call start them. Over the limit the whole request is 429
 * `QUOTA.EXCEEDED` and nothing starts; a dry run answers the same 429.
 */
const transcribeRerun = ingestControl('transcribe', 'transcribe', bulkBodyOf(transcribeParams), (b) => RERUNS.transcribe.settings(b));
const transcribe: typeof transcribeRerun = {
  ...transcribeRerun,
  async apply(deps, userId, rows, b) {
    const plan = await transcribeRerun.apply(deps, userId, rows, { ...b, dryRun: true });
    const accepted = plan.filter((item) => item.outcome === 'accepted').length;
    if (accepted > 0) await deps.quota.admitTranscriptions(userId, accepted);
    return b.dryRun ? plan : transcribeRerun.apply(deps, userId, rows, b);
  },
};

/**
 * A new target per platform, as `POST /recordings/{id}/upload/{platform}` for each. Every platform
 * is first checked by publishing as a dry run, so a recording is refused whole (with the first
 * refusal's code) or uploaded to every platform; a dry run stops after the checks.
 */
const uploadBody = bulkBodyOf(bulkUploadParams);
const upload: BulkOperation<typeof uploadBody> & { flag: FeatureFlag } = {
  flag: 'export',
  body: uploadBody,
  async apply(deps, userId, rows, b) {
    const items: BulkItem[] = [];
    const options = { ...(b.presetId ? { presetId: b.presetId } : {}), ...(b.timeZone ? { timeZone: b.timeZone } : {}) };
    for (const row of rows) {
      try {
        const config = await deps.pipeline.uploadConfig(userId, row.id);
        for (const platform of b.platforms) await deps.publishing.ask(MESSAGE_TYPES.publishing.StartUpload, startUploadQuery(userId, row, platform, options, true, config));
        if (!b.dryRun) {
          for (const platform of b.platforms) await deps.publishing.ask(MESSAGE_TYPES.publishing.StartUpload, startUploadQuery(userId, row, platform, options, false, config));
        }
        items.push({ id: row.id, outcome: 'accepted', status: row.status, stages: b.platforms.map((p) => `UPLOAD:${p}`) });
      } catch (error) {
        items.push(refused(row, error));
      }
    }
    return items;
  },
};

/**
 * A run, as `POST /recordings/{id}/run`: ingest plans each recording (without changing anything),
 * then quota is asked for as many pipeline runs as there are recordings the run would start, and
 * only then does the real call run them. Over the plan's monthly processing the whole request is
 * 429 `QUOTA.EXCEEDED` and nothing starts; a dry run answers the same 429.
 */
const runControl = ingestControl('run', 'process', bulkRunBody);
const run: typeof runControl = {
  ...runControl,
  async apply(deps, userId, rows, b) {
    const plan = await runControl.apply(deps, userId, rows, { ...b, dryRun: true });
    const starting = plan.filter((item) => item.outcome === 'accepted' && (item.stages?.length ?? 0) > 0).length;
    if (starting > 0) await deps.quota.admitProcessing(userId, starting);
    return b.dryRun ? plan : runControl.apply(deps, userId, rows, b);
  },
};

export const BULK_OPERATIONS = {
  run,
  pause: ingestControl('pause', undefined, bulkBody),
  delete: softDelete,
  trim: ingestControl('trim', 'process', bulkBodyOf(trimParams), (b) => RERUNS.trim.settings(b)),
  transcribe,
  subtitles: ingestControl('subtitles', 'process', bulkBodyOf(subtitlesParams), (b) => RERUNS.subtitles.settings(b)),
  topics,
  upload,
};

export type BulkOperationName = keyof typeof BULK_OPERATIONS;
