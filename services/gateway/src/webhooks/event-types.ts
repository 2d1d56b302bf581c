import { MESSAGE_TYPES } from '@leap/contracts';

/**
 * The public event catalogue: the domain events subscribers may receive, each under a stable
 * public name and version. The payload is the event's proto3 JSON as it travels on the bus.
 * Commands, queries and internal events (progress ticks, reservations) never go out.
 */
export interface PublicEventType {
  /** `recording.registered` */
  name: string;
  version: 'v1';
  /** The bus message type it comes from. */
  source: string;
  /** The proto message of `data`. */
  schema: string;
  description: string;
  example: Record<string, unknown>;
}

const REC = '0195a3c4-7b1e-7c3a-9f00-5a1b2c3d4e5f';
const USER = '0195a3c4-0000-7000-8000-00000000abcd';

export const PUBLIC_EVENT_TYPES: PublicEventType[] = [
  {
    name: 'recording.registered',
    version: 'v1',
    source: MESSAGE_TYPES.ingest.RecordingRegistered,
    schema: 'leap.ingest.v1.RecordingRegistered',
    description: 'A recording was added (uploaded, imported, or found at a source).',
    example: { recordingId: REC, userId: USER, sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Lecture 1', status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: '2026-03-01T10:00:00Z' },
  },
  {
    name: 'recording.status_changed',
    version: 'v1',
    source: MESSAGE_TYPES.ingest.RecordingStatusChanged,
    schema: 'leap.ingest.v1.RecordingStatusChanged',
    description: 'The recording moved to another status (READY when everything is done; `failed` with the stage and reason when it failed).',
    example: { recordingId: REC, userId: USER, status: 'RECORDING_STATUS_READY', previousStatus: 'RECORDING_STATUS_UPLOADED', changedAt: '2026-03-01T10:30:00Z' },
  },
  {
    name: 'recording.stage_changed',
    version: 'v1',
    source: MESSAGE_TYPES.ingest.StageStatusChanged,
    schema: 'leap.ingest.v1.StageStatusChanged',
    description: 'A pipeline stage of the recording started, finished, failed or was skipped.',
    example: { recordingId: REC, userId: USER, stage: 'PIPELINE_STAGE_TRIM', status: 'STAGE_STATUS_COMPLETED', attempt: 1, finishedAt: '2026-03-01T10:05:00Z' },
  },
  {
    name: 'recording.paused',
    version: 'v1',
    source: MESSAGE_TYPES.ingest.RecordingPaused,
    schema: 'leap.ingest.v1.RecordingPaused',
    description: 'The recording was paused; the stages that were running went back to pending.',
    example: { recordingId: REC, userId: USER, stages: ['TRIM'], pausedAt: '2026-03-01T10:02:00Z' },
  },
  {
    name: 'recording.deleted',
    version: 'v1',
    source: MESSAGE_TYPES.ingest.RecordingDeleted,
    schema: 'leap.ingest.v1.RecordingDeleted',
    description: 'The recording and its files were deleted.',
    example: { recordingId: REC, userId: USER, deletedAt: '2026-03-02T09:00:00Z' },
  },
  {
    name: 'quota.warning',
    version: 'v1',
    source: MESSAGE_TYPES.quota.QuotaWarningRaised,
    schema: 'leap.quota.v1.QuotaWarningRaised',
    description:
      'Your usage of a limited resource reached a warning threshold of its limit (80 % and 100 % unless configured otherwise), once per threshold and period.',
    example: {
      userId: USER,
      metric: 'QUOTA_METRIC_RECORDINGS',
      used: '40',
      limit: '50',
      thresholdPercent: 80,
      usedPercent: 80,
      period: '2026-03',
    },
  },
];

/** What `POST /api/v1/webhooks/{id}/test` sends; never sent for anything else. */
export const PING_EVENT = 'webhook.ping';

const BY_SOURCE = new Map(PUBLIC_EVENT_TYPES.map((t) => [t.source, t]));

export function publicEventOf(busType: string): PublicEventType | undefined {
  return BY_SOURCE.get(busType);
}

/** Whether a filter (`recording.registered`, `recording.*`, `*`) names at least one public event type. */
export function isKnownFilter(filter: string): boolean {
  return PUBLIC_EVENT_TYPES.some((t) => matches(filter, t.name));
}

/** `*` matches one dot-separated segment or more at the end: `recording.*` takes every `recording.` event; `*` takes all. */
export function matches(filter: string, name: string): boolean {
  if (filter === '*' || filter === name) return true;
  return filter.endsWith('.*') && name.startsWith(filter.slice(0, -1));
}
