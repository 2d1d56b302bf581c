/**
 * The recording pipeline as a pure state machine: which stages may start given the stages'
 * statuses, and the aggregate recording status derived from them the way the reference platform
 * derives it (inventory 3.3 and 3.5). No I/O here; the pipeline service applies the decisions.
 */

/** Stages in the order the process manager runs them (UPLOAD once per output target). */
export const STAGE_NAMES = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_STATES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export const RECORDING_STATES = [
  'PENDING_SOURCE',
  'INITIALIZED',
  'DOWNLOADING',
  'DOWNLOADED',
  'PROCESSING',
  'PROCESSED',
  'UPLOADING',
  'UPLOADED',
  'READY',
  'SKIPPED',
  'EXPIRED',
] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/** One stage of a recording (UPLOAD: one per target; `target` is empty for the other stages). */
export interface StageSnapshot {
  stage: StageName;
  target: string;
  status: StageState;
}

/** The processing stages: everything between the download and the uploads. */
export const PROCESSING_STAGES: readonly StageName[] = ['TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'];

/** What must be finished (completed or skipped) before a stage may start. */
const PREREQUISITES: Record<StageName, readonly StageName[]> = {
  DOWNLOAD: [],
  TRIM: ['DOWNLOAD'],
  TRANSCRIBE: ['DOWNLOAD', 'TRIM'],
  EXTRACT_TOPICS: ['DOWNLOAD', 'TRIM', 'TRANSCRIBE'],
  GENERATE_SUBTITLES: ['DOWNLOAD', 'TRIM', 'TRANSCRIBE'],
  UPLOAD: ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'],
};

/** Statuses that only an explicit action changes; stage progress never overrides them. */
const STICKY: readonly RecordingState[] = ['EXPIRED', 'SKIPPED', 'PENDING_SOURCE'];

/**
 * Statuses a recording holds before any processing stage has run. DOWNLOADING is not one of them:
 * it holds only while the download runs, so a paused download rolls back to INITIALIZED.
 */
const BASE: readonly RecordingState[] = ['INITIALIZED', 'DOWNLOADED'];

export function isFinished(status: StageState): boolean {
  return status === 'COMPLETED' || status === 'SKIPPED';
}

/**
 * The planned stages that may start now: PENDING, with every prerequisite finished. A stage that
 * is not planned (no row) counts as finished, as a stage left out by configuration does. Nothing
 * starts once the recording carries a failure, nor while it is paused (only a run resumes it).
 */
export function stagesToStart<T extends StageSnapshot>(stages: readonly T[], failed: boolean, paused = false): T[] {
  if (failed || paused || stages.some((s) => s.status === 'FAILED')) return [];
  const finished = (name: StageName) => stages.filter((s) => s.stage === name).every((s) => isFinished(s.status));
  return stages.filter((s) => s.status === 'PENDING' && PREREQUISITES[s.stage].every(finished));
}

/**
 * The aggregate status, in the reference's priority order:
 * 1. EXPIRED, SKIPPED and PENDING_SOURCE are sticky;
 * 2. a processing stage in progress → PROCESSING (an upload → UPLOADING, the download → DOWNLOADING);
 * 3. a failed processing stage rolls the status back to DOWNLOADED (the original is still there);
 * 4. every processing stage finished → PROCESSED, then by the outputs: READY when every target is
 *    uploaded, UPLOADED when some are and the others failed, PROCESSED while none is;
 * 5. otherwise the base status (INITIALIZED, DOWNLOADED) stays; with nothing in progress the status
 *    rolls back the way a pause rolls it back: DOWNLOADING → INITIALIZED, PROCESSING → DOWNLOADED,
 *    UPLOADING → PROCESSED.
 */
export function deriveStatus(current: RecordingState, stages: readonly StageSnapshot[]): RecordingState {
  if (STICKY.includes(current)) return current;
  const processing = stages.filter((s) => PROCESSING_STAGES.includes(s.stage));
  const uploads = stages.filter((s) => s.stage === 'UPLOAD');
  const download = stages.filter((s) => s.stage === 'DOWNLOAD');
  if (processing.some((s) => s.status === 'IN_PROGRESS')) return 'PROCESSING';
  if (uploads.some((s) => s.status === 'IN_PROGRESS')) return 'UPLOADING';
  if (download.some((s) => s.status === 'IN_PROGRESS')) return 'DOWNLOADING';
  if (processing.some((s) => s.status === 'FAILED')) return 'DOWNLOADED';
  const downloaded = download.every((s) => isFinished(s.status));
  if (processing.length > 0 && downloaded && processing.every((s) => isFinished(s.status))) {
    if (uploads.length === 0) return 'PROCESSED';
    const uploaded = uploads.filter((s) => isFinished(s.status)).length;
    if (uploaded === uploads.length) return 'READY';
    const failed = uploads.filter((s) => s.status === 'FAILED').length;
    if (uploaded > 0 && uploaded + failed === uploads.length) return 'UPLOADED';
    return 'PROCESSED';
  }
  if (BASE.includes(current)) return current;
  return downloaded ? 'DOWNLOADED' : 'INITIALIZED';
}

/** Every planned stage finished: the pipeline has nothing left to do. */
export function isPipelineComplete(stages: readonly StageSnapshot[]): boolean {
  return stages.length > 0 && stages.every((s) => isFinished(s.status));
}

/**
 * Whether a result event for this stage may be applied. A running stage takes either result. A
 * failed stage takes a success too: its work was parked after its retries and an operator replayed
 * it once the cause was fixed, so the recording recovers instead of staying failed.
 */
export function acceptsResult(stage: StageSnapshot | undefined, result: 'completed' | 'failed'): boolean {
  if (stage?.status === 'IN_PROGRESS') return true;
  return result === 'completed' && stage?.status === 'FAILED';
}

/** Why a recording cannot be paused or run now: the error code a refusal carries. */
export type ControlRefusal = 'INGEST.NOTHING_TO_PAUSE' | 'INGEST.NOT_RUNNABLE' | 'INGEST.ALREADY_RUNNING';

/** The stages a pause sends back to PENDING (those in progress), or the refusal when there are none. */
export function stagesToPause<T extends StageSnapshot>(stages: readonly T[]): T[] | ControlRefusal {
  const running = stages.filter((s) => s.status === 'IN_PROGRESS');
  return running.length > 0 ? running : 'INGEST.NOTHING_TO_PAUSE';
}

/**
 * Whether a run (smart resume) may start: not while the source is missing or the recording has
 * expired, and not while a stage is in progress. Otherwise it resumes a paused recording, retries
 * FAILED stages as a new attempt and starts whatever may start (possibly nothing: READY).
 */
export function runRefusal(status: RecordingState, stages: readonly StageSnapshot[]): ControlRefusal | undefined {
  if (status === 'EXPIRED' || status === 'PENDING_SOURCE') return 'INGEST.NOT_RUNNABLE';
  if (stages.some((s) => s.status === 'IN_PROGRESS')) return 'INGEST.ALREADY_RUNNING';
  return undefined;
}

/** The stages that may be re-run on their own (`RerunStage`). */
export const RERUNNABLE_STAGES: readonly StageName[] = ['TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'];

/** Why a stage cannot be re-run now: the error code a refusal carries. */
export type RerunRefusal = 'INGEST.NOT_RUNNABLE' | 'INGEST.ALREADY_RUNNING' | 'INGEST.STAGE_NOT_READY';

/** What a re-run's guard looks at besides the stages: which of the recording's artifacts are there. */
export interface RerunInput {
  status: RecordingState;
  stages: readonly StageSnapshot[];
  /** The original is in storage. */
  source: boolean;
  /** Something to transcribe: the processed audio or video, or the original. */
  media: boolean;
  /** The master transcript. */
  transcript: boolean;
}

/**
 * Whether one stage may be re-run now, and if not, why: not while the recording has expired or its
 * source has not arrived, not while any of its stages is in progress (a re-run would race it), and
 * not before the recording has what the stage works on: TRIM the original; TRANSCRIBE media, with
 * the download and the trim finished (a transcript of the untrimmed original would not match the
 * trimmed video); EXTRACT_TOPICS and GENERATE_SUBTITLES a transcript. A topics extraction is held
 * to this guard like the others: while the transcription (or an extraction) runs it would read a
 * transcript about to be replaced. Whatever the stage itself reached (COMPLETED,
 * FAILED, SKIPPED or PENDING), it runs again as a new attempt.
 */
export function rerunRefusal(stage: StageName, input: RerunInput): { code: RerunRefusal; missing?: string } | undefined {
  if (input.status === 'EXPIRED' || input.status === 'PENDING_SOURCE') return { code: 'INGEST.NOT_RUNNABLE' };
  if (input.stages.some((s) => s.status === 'IN_PROGRESS')) return { code: 'INGEST.ALREADY_RUNNING' };
  const finished = (name: StageName) => input.stages.filter((s) => s.stage === name).every((s) => isFinished(s.status));
  switch (stage) {
    case 'TRIM':
      return input.source ? undefined : { code: 'INGEST.STAGE_NOT_READY', missing: 'the original in storage' };
    case 'TRANSCRIBE':
      if (!finished('DOWNLOAD') || !finished('TRIM')) return { code: 'INGEST.STAGE_NOT_READY', missing: 'a finished trim' };
      return input.media ? undefined : { code: 'INGEST.STAGE_NOT_READY', missing: 'media to transcribe' };
    case 'EXTRACT_TOPICS':
    case 'GENERATE_SUBTITLES':
      return input.transcript ? undefined : { code: 'INGEST.STAGE_NOT_READY', missing: 'a transcript' };
    default:
      return { code: 'INGEST.STAGE_NOT_READY', missing: `a way to re-run ${stage} on its own` };
  }
}

/** How a stage is named in the pause and run answers: `TRIM`, `UPLOAD:<target>` for an upload. */
export function stageLabel(stage: StageSnapshot): string {
  return stage.target ? `${stage.stage}:${stage.target}` : stage.stage;
}
