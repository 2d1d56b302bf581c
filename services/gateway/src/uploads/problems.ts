import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'UPLOAD.NOT_FOUND': 'Upload not found',
  'UPLOAD.EXPIRED': 'Upload expired',
  'UPLOAD.OFFSET_MISMATCH': 'Upload offset mismatch',
  'UPLOAD.ALREADY_COMPLETE': 'Upload already complete',
  'UPLOAD.TUS_VERSION_UNSUPPORTED': 'Unsupported tus version',
  'UPLOAD.BUSY': 'Upload busy',
  'UPLOAD.NOT_STORED': 'Upload not stored yet',
});

/** 404 `UPLOAD.NOT_FOUND`: unknown, another user's, or removed after its expiry. */
export function uploadNotFound(id: string): LeapError {
  return new LeapError('UPLOAD.NOT_FOUND', `There is no upload ${id}`, { status: 404 });
}

/** 410 `UPLOAD.EXPIRED`: past its expiry, about to be removed. */
export function uploadExpired(id: string): LeapError {
  return new LeapError('UPLOAD.EXPIRED', `The upload ${id} has expired; start a new one`, { status: 410 });
}

/** 409 `UPLOAD.OFFSET_MISMATCH`: the PATCH does not continue where the upload stands (HEAD it first). */
export function offsetMismatch(detail = 'Upload-Offset is not where the upload stands; ask with HEAD and continue from there'): LeapError {
  return new LeapError('UPLOAD.OFFSET_MISMATCH', detail, { status: 409 });
}

/** 409 `UPLOAD.ALREADY_COMPLETE`: every byte has arrived and the upload became a recording. */
export function alreadyComplete(id: string, recordingId: string): LeapError {
  return new LeapError('UPLOAD.ALREADY_COMPLETE', `The upload ${id} is complete: it is the recording ${recordingId}`, { status: 409, details: { recordingId } });
}

/** 412 `UPLOAD.TUS_VERSION_UNSUPPORTED`: no `Tus-Resumable: 1.0.0`. */
export function tusVersionUnsupported(): LeapError {
  return new LeapError('UPLOAD.TUS_VERSION_UNSUPPORTED', 'Send "Tus-Resumable: 1.0.0"; this server speaks tus 1.0.0', {
    status: 412,
    details: { headers: { 'Tus-Version': '1.0.0' } },
  });
}

/** 503 `UPLOAD.BUSY`: another request holds the upload. */
export function uploadBusy(): LeapError {
  return new LeapError('UPLOAD.BUSY', 'Another request is writing this upload; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 3 } });
}

/** 503 `UPLOAD.NOT_STORED`: every byte arrived but the file could not be stored yet; a HEAD later tries again. */
export function notStored(cause: unknown): LeapError {
  return new LeapError('UPLOAD.NOT_STORED', 'The upload is complete but could not be stored yet; ask with HEAD again shortly', {
    status: 503,
    retryable: true,
    details: { retryAfterSeconds: 5 },
    cause,
  });
}
