import type { StageSnapshot, StageState } from '../pipeline/pipeline-state';
import { runPlan, type PlanInput } from './run-plan';

type Row = StageSnapshot & { details?: Record<string, unknown>; errorCode?: string | null; errorMessage?: string | null };
const row = (stage: Row['stage'], status: StageState, extra: Partial<Row> = {}): Row => ({ stage, status, target: '', ...extra });

/** A run's outcome: the rows as it left them, those it started, each row's status before it. */
function input(rows: Array<{ row: Row; before?: StageState; started?: boolean; retried?: boolean }>, rest: Partial<PlanInput<Row>> = {}): PlanInput<Row> {
  return {
    stages: rows.map((r) => r.row),
    started: new Set(rows.filter((r) => r.started).map((r) => r.row)),
    retried: new Set(rows.filter((r) => r.retried).map((r) => r.row)),
    statusBefore: new Map(rows.filter((r) => r.before).map((r) => [r.row, r.before!])),
    wasPaused: false,
    processing: {},
    sources: {},
    ...rest,
  };
}

describe('runPlan', () => {
  it('lists every stage in pipeline order with what the run does and why', () => {
    const upload = row('UPLOAD', 'PENDING', { target: 'local' });
    const plan = runPlan(
      input([
        { row: upload, before: 'PENDING' },
        { row: row('TRANSCRIBE', 'IN_PROGRESS'), before: 'FAILED', started: true, retried: true },
        { row: row('DOWNLOAD', 'COMPLETED'), before: 'COMPLETED' },
        { row: row('TRIM', 'SKIPPED', { details: { skipReason: 'no audio' } }), before: 'SKIPPED' },
        { row: row('EXTRACT_TOPICS', 'PENDING'), before: 'PENDING' },
      ]),
    );
    expect(plan).toEqual([
      { stage: 'DOWNLOAD', status: 'COMPLETED', action: 'done', reason: 'already completed' },
      { stage: 'TRIM', status: 'SKIPPED', action: 'done', reason: 'skipped before: no audio' },
      { stage: 'TRANSCRIBE', status: 'FAILED', action: 'start', reason: 'retried after a failure' },
      { stage: 'EXTRACT_TOPICS', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
      { stage: 'UPLOAD:local', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
    ]);
  });

  it('names the config value that leaves a stage out and the layer it comes from, whether skipped now or later', () => {
    const processing = { trimming: { enableTrimming: false }, transcription: { enableSubtitles: false } };
    const sources = { 'processing.trimming.enableTrimming': 'manual_override', 'processing.transcription.enableSubtitles': 'bound_template' };
    const plan = runPlan(
      input(
        [
          { row: row('TRIM', 'SKIPPED'), before: 'PENDING' },
          { row: row('TRANSCRIBE', 'IN_PROGRESS'), before: 'PENDING', started: true },
          { row: row('GENERATE_SUBTITLES', 'PENDING'), before: 'PENDING' },
        ],
        { processing, sources, wasPaused: true },
      ),
    );
    expect(plan).toEqual([
      { stage: 'TRIM', status: 'PENDING', action: 'skip', reason: 'trimming off (processing.trimming.enableTrimming)', configPath: 'processing.trimming.enableTrimming', source: 'manual_override' },
      { stage: 'TRANSCRIBE', status: 'PENDING', action: 'start', reason: 'resumed after a pause' },
      {
        stage: 'GENERATE_SUBTITLES',
        status: 'PENDING',
        action: 'skip',
        reason: 'subtitles off (processing.transcription.enableSubtitles)',
        configPath: 'processing.transcription.enableSubtitles',
        source: 'bound_template',
      },
    ]);
  });

  it('shows a target the run added and failed at once (an output preset that cannot be used)', () => {
    const plan = runPlan(input([{ row: row('UPLOAD', 'FAILED', { target: 'preset-1', errorCode: 'INGEST.PRESET_INVALID', errorMessage: 'Preset p is not active' }) }]));
    expect(plan).toEqual([{ stage: 'UPLOAD:preset-1', status: 'PENDING', action: 'fail', reason: 'Preset p is not active' }]);
  });
});
