/**
 * What a reset does to a recording's stages and status (inventory 3.6), as a pure decision: the
 * pipeline control service applies it. No I/O here.
 */
import { isFinished, type RecordingState, type StageSnapshot, type StageState } from '../pipeline/pipeline-state';

/** Statuses a reset leaves alone: only their own events (a source arriving, a binding, expiry) change them. */
const KEPT: readonly RecordingState[] = ['PENDING_SOURCE', 'SKIPPED', 'EXPIRED'];

export interface ResetInput<T extends StageSnapshot> {
  status: RecordingState;
  stages: readonly T[];
  /** The recording's original came from elsewhere (a URL, Zoom, Yandex Disk) and can be fetched again. */
  imported: boolean;
  /** The original stays in storage (no `deleteFiles`, and there was one). */
  keepSource: boolean;
  /** The target every recording publishes to; the presets' targets are planned again at the next upload. */
  defaultTarget: string;
}

export interface ResetPlan<T extends StageSnapshot> {
  status: RecordingState;
  /** Stage rows that stay, each with the status it goes back to. */
  kept: { stage: T; status: StageState }[];
  /** Stage rows that go (the output presets' UPLOAD targets). */
  dropped: T[];
  /** Stages that were in progress: their jobs are cancelled. */
  cancelled: T[];
}

/**
 * Every stage goes back to PENDING except the download, which stays finished while the original
 * is kept (a direct upload's stays SKIPPED: it never had one). The status goes back to where a new
 * recording of its kind starts: DOWNLOADED with the original in storage, INITIALIZED without it.
 */
export function resetPlan<T extends StageSnapshot>(input: ResetInput<T>): ResetPlan<T> {
  const dropped = input.stages.filter((s) => s.stage === 'UPLOAD' && s.target !== input.defaultTarget);
  const kept = input.stages
    .filter((s) => !dropped.includes(s))
    .map((stage) => {
      if (stage.stage !== 'DOWNLOAD') return { stage, status: 'PENDING' as StageState };
      if (!input.imported) return { stage, status: 'SKIPPED' as StageState };
      if (input.keepSource && isFinished(stage.status)) return { stage, status: stage.status };
      return { stage, status: 'PENDING' as StageState };
    });
  const downloaded = kept.some(({ stage, status }) => stage.stage === 'DOWNLOAD' && isFinished(status)) && input.keepSource;
  const status = KEPT.includes(input.status) ? input.status : downloaded ? 'DOWNLOADED' : 'INITIALIZED';
  return { status, kept, dropped, cancelled: input.stages.filter((s) => s.status === 'IN_PROGRESS') };
}
