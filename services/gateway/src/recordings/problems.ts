import { LeapError } from '@leap/messaging';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'INGEST.NOTHING_TO_PAUSE': 'Nothing to pause',
  'INGEST.NOT_RUNNABLE': 'The recording cannot run',
  'INGEST.ALREADY_RUNNING': 'The recording is already running',
  'INGEST.STAGE_NOT_READY': 'The recording does not have what the stage works on yet',
  'INGEST.NOT_DELETED': 'The recording is not deleted',
  'INGEST.RESTORE_WINDOW_CLOSED': 'The recording can no longer be restored',
  'INGEST.UNAVAILABLE': 'Ingest service unavailable',
});

/** 404 `RECORDING.NOT_FOUND`: unknown, another user's, or deleted (hard-deleted for reads that show deleted recordings). */
export function recordingNotFound(id: string): LeapError {
  return new LeapError('RECORDING.NOT_FOUND', `There is no recording ${id}`, { status: 404 });
}
