import { Injectable } from '@nestjs/common';
import { PipelineStage, type ControlledRecording, type ControlRecordings, type RecordingsControlled } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { PipelineTx } from '../../pipeline/pipeline.service';
import { RecordingRepository } from '../../recordings/recording.repository';
import { RunLayersService } from '../../templates/run-layers.service';
import { PipelineControlService } from '../pipeline-control.service';

/** The most recordings one bulk query decides (as the gateway's bulk routes). */
export const MAX_BULK_RECORDINGS = 200;

type Apply = (control: PipelineControlService, tx: PipelineTx, recordingId: string, query: ControlRecordings) => Promise<{ status: string; stages?: string[] }>;

/** A re-run of one stage, as `RerunStage` decides it, with the query's settings for every recording. */
const rerun =
  (stage: PipelineStage): Apply =>
  (control, tx, recordingId, query) =>
    control.rerun(tx, { recordingId, userId: query.userId, stage, ...(query.settings ? { settings: query.settings } : {}) });

/** The per-recording control each bulk operation applies: one entry per operation. */
const OPERATIONS = {
  run: (control, tx, recordingId, query) => control.run(tx, { recordingId, userId: query.userId, ...(query.overrides ? { overrides: query.overrides } : {}) }),
  pause: (control, tx, recordingId, query) => control.pause(tx, { recordingId, userId: query.userId }),
  trim: rerun(PipelineStage.TRIM),
  transcribe: rerun(PipelineStage.TRANSCRIBE),
  topics: rerun(PipelineStage.EXTRACT_TOPICS),
  subtitles: rerun(PipelineStage.GENERATE_SUBTITLES),
} satisfies Record<string, Apply>;

export type BulkControlOperation = keyof typeof OPERATIONS;

/**
 * Runs, pauses or re-runs a stage of many recordings of one owner in one query. Each recording is decided by the very
 * code its single route uses, inside a savepoint of the handler's transaction: a refusal rolls
 * back that recording alone, and a dry run rolls every one back after deciding it. So a dry run's
 * plan is, by construction, what the real call would do to the recordings as they stand.
 */
@Injectable()
export class BulkControlService {
  constructor(
    private readonly control: PipelineControlService,
    private readonly recordings: RecordingRepository,
    private readonly runLayers: RunLayersService,
  ) {}

  async decide(tx: PipelineTx, query: ControlRecordings): Promise<RecordingsControlled> {
    const apply = OPERATIONS[query.operation as BulkControlOperation];
    if (!apply) throw new LeapError('INGEST.INVALID_OPERATION', `There is no bulk operation ${query.operation}`, { status: 422 });
    const ids = [...new Set(query.recordingIds ?? [])];
    if (ids.length > MAX_BULK_RECORDINGS) {
      throw new LeapError('BULK.TOO_MANY_RECORDINGS', `At most ${MAX_BULK_RECORDINGS} recordings at a time (${ids.length} given)`, { status: 422 });
    }
    // The run's own config is checked once, before any recording: a bad field or an unknown
    // template refuses the whole query (422, 404) rather than every recording in turn.
    if (query.operation === 'run') await this.runLayers.check(tx.manager, query.userId, query.overrides);
    const items: ControlledRecording[] = [];
    // TypeORM's nested transactions are savepoints the outbox follows: what a rolled-back recording
    // would have published is dropped with it.
    const runner = tx.manager.queryRunner!;
    for (const recordingId of ids) {
      await runner.startTransaction();
      try {
        const result = await apply(this.control, tx, recordingId, query);
        items.push({ recordingId, outcome: 'accepted', status: result.status, stages: result.stages ?? [] });
        await (query.dryRun ? runner.rollbackTransaction() : runner.commitTransaction());
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        if (!(error instanceof LeapError) || (error.status !== 404 && error.status !== 409)) throw error;
        if (error.status === 404) {
          items.push({ recordingId, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${recordingId}` });
        } else {
          const status = (await this.recordings.find(tx.manager, recordingId))?.status;
          items.push({ recordingId, outcome: 'refused', code: error.code, message: error.message, ...(status ? { status } : {}) });
        }
      }
    }
    return { items };
  }
}
