import { Inject, Injectable } from '@nestjs/common';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import {
  MESSAGE_TYPES,
  type PauseRecording,
  type PayloadOf,
  type ReplyOf,
  type PauseResult,
  type ResetRecording,
  type ResetResult,
  type RerunStage,
  type RerunStageResult,
  type StageRerunSettings,
  type PipelineStage,
  type RestoreRecording,
  type RestoreResult,
  type RunOverrides,
  type RunRecording,
  type RunResult,
  type ResolveConfig,
} from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { uploadConfigOf, type UploadConfig } from '../publishing/start-upload';
import { recordingNotFound } from './problems';

/** Ingest's refusals that reach the caller with their own code (409). */
const REFUSALS = new Set(['INGEST.NOTHING_TO_PAUSE', 'INGEST.NOT_RUNNABLE', 'INGEST.ALREADY_RUNNING', 'INGEST.STAGE_NOT_READY', 'INGEST.NOT_DELETED', 'INGEST.RESTORE_WINDOW_CLOSED']);

/** Ingest's answers about a run's own config that reach the caller as they are (422, 404). */
const PASSED_THROUGH = new Set(['RECORDING_CONFIG.INVALID', 'TEMPLATE.NOT_FOUND']);

/** Pause, run, re-run a stage, reset and restore through ingest (request/reply): the caller learns at once whether they applied. */
@Injectable()
export class PipelineControlClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  pause(userId: string, recordingId: string): Promise<PauseResult> {
    const query: PauseRecording = { recordingId, userId };
    return this.ask(MESSAGE_TYPES.ingest.PauseRecording, query);
  }

  run(userId: string, recordingId: string, options: { overrides?: RunOverrides; dryRun?: boolean } = {}): Promise<RunResult> {
    const query: RunRecording = { recordingId, userId, ...(options.overrides ? { overrides: options.overrides } : {}), ...(options.dryRun ? { dryRun: true } : {}) };
    return this.ask(MESSAGE_TYPES.ingest.RunRecording, query);
  }

  rerun(userId: string, recordingId: string, stage: PipelineStage, settings: StageRerunSettings): Promise<RerunStageResult> {
    const query: RerunStage = { recordingId, userId, stage, settings };
    return this.ask(MESSAGE_TYPES.ingest.RerunStage, query);
  }

  reset(userId: string, recordingId: string, deleteFiles: boolean): Promise<ResetResult> {
    const query: ResetRecording = { recordingId, userId, deleteFiles };
    return this.ask(MESSAGE_TYPES.ingest.ResetRecording, query);
  }

  restore(userId: string, recordingId: string): Promise<RestoreResult> {
    const query: RestoreRecording = { recordingId, userId };
    return this.ask(MESSAGE_TYPES.ingest.RestoreRecording, query);
  }

  /** What the recording's effective config says of an upload (its template metadata, uploadCaptions), as the pipeline's uploads read it. */
  async uploadConfig(userId: string, recordingId: string): Promise<UploadConfig> {
    const query: ResolveConfig = { userId, recordingId };
    return uploadConfigOf(await this.ask(MESSAGE_TYPES.ingest.ResolveConfig, query));
  }

  /**
   * 404 `RECORDING.NOT_FOUND` when ingest does not know the recording (as every recording route
   * answers), ingest's 409 refusals as they are, and 503 `INGEST.UNAVAILABLE` when it does not
   * answer in time or fails.
   */
  private async ask<
    Q extends
      | typeof MESSAGE_TYPES.ingest.PauseRecording
      | typeof MESSAGE_TYPES.ingest.RunRecording
      | typeof MESSAGE_TYPES.ingest.RerunStage
      | typeof MESSAGE_TYPES.ingest.ResetRecording
      | typeof MESSAGE_TYPES.ingest.RestoreRecording
      | typeof MESSAGE_TYPES.ingest.ResolveConfig,
  >(
    type: Q,
    query: PayloadOf<Q>,
  ): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { subject: query.recordingId, tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      const code = error instanceof LeapError ? error.code : undefined;
      if (code === 'INGEST.RECORDING_NOT_FOUND') throw recordingNotFound(query.recordingId ?? '');
      if (code && REFUSALS.has(code)) throw new LeapError(code, (error as Error).message, { status: 409 });
      // A run's own config: a bad field, or a template the caller does not have.
      if (code && PASSED_THROUGH.has(code)) throw new LeapError(code, (error as Error).message, { status: (error as LeapError).status, details: (error as LeapError).details });
      this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code, recordingId: query.recordingId });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
  }
}
