/**
 * The events of the progress streams (`GET /api/v1/events`, `GET /api/v1/recordings/{id}/events`):
 * the SSE `event:` field, and what its JSON `data` holds besides `recordingId`. Names, statuses and
 * stages are the API's own (`TRIM`, `COMPLETED`), as `GET /api/v1/recordings/{id}` shows them.
 */
export const PROGRESS_EVENT_TYPES = {
  'recording.registered': 'A recording was added: `title`, `sourceType`, `status`.',
  'recording.status_changed': 'The recording moved to `status` (from `previousStatus`); `failed`, `failedStage`, `failureReason` when it failed.',
  'recording.stage_changed': 'A stage (`stage`, `target` for an upload) moved to `status` in `attempt`, with `startedAt`, `finishedAt` and `error` when it failed.',
  'recording.progress': 'A running stage reported progress: `stage`, `target` for an upload, `percent` (0-100) and `step`, what it is doing.',
  'recording.artifacts_ready': 'Files of the recording are stored: `artifacts`, e.g. `["video","audio"]` or `["subtitlesSrt","subtitlesVtt"]`.',
  'recording.published': 'An upload finished: `targetId`, `platform`, `url`, `publishedAt`.',
  'recording.deleted': 'The recording was deleted: `reason`, `deletedAt`, `restorableUntil`.',
  'recording.restored': 'The recording was restored: `restoredAt`, `expiresAt`.',
  'recording.purged': 'The files of a deleted recording are gone: `purgedAt`.',
  'recording.reset': 'The recording was reset to its initial state (its stages start again from `PENDING`): `resetAt`, `filesDeleted`.',
} as const;

export type ProgressEventType = keyof typeof PROGRESS_EVENT_TYPES;

/**
 * Sent once, first, by a stream that resumes after events it can no longer replay (older than
 * EVENTS_RETENTION): the client should read the state again (`GET /api/v1/recordings/...`).
 */
export const STREAM_GAP_EVENT = 'stream.gap';
