import { z } from 'zod';
import { RecordingStatus } from '@leap/contracts';
import { booleanFilter, multiValueFilter, listQuery, sortParam } from '../common/pagination';
import type { ArtifactName, RecordingRow, StageRow } from './recordings.repository';
import { publicFailureMessage, publicStageError } from './public-failure';

/** Enum values on the wire carry their type as a prefix (`RECORDING_STATUS_READY`); the API shows `READY`. */
export function shortName(value: string | undefined | null, prefix: string): string | null {
  if (!value) return null;
  const name = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  return name === 'UNSPECIFIED' ? null : name;
}

const STATUSES = Object.values(RecordingStatus)
  .map((s) => shortName(s, 'RECORDING_STATUS_'))
  .filter((s): s is string => s !== null);

export const RECORDING_SORT_FIELDS = ['createdAt', 'updatedAt', 'title', 'status', 'sizeBytes'] as const;
export type RecordingSortField = (typeof RECORDING_SORT_FIELDS)[number];

export const listQuerySchema = listQuery({
  sort: sortParam(RECORDING_SORT_FIELDS, '-createdAt'),
  status: multiValueFilter(STATUSES),
  deleted: booleanFilter(),
});
export type ListQuery = z.output<typeof listQuerySchema>;

/** Downloadable artifacts: the path segment under `/recordings/{id}/`, the artifact it reads, its content type. */
export const DOWNLOADS = {
  'subtitles.srt': { artifact: 'subtitlesSrt', contentType: 'application/x-subrip; charset=utf-8' },
  'subtitles.vtt': { artifact: 'subtitlesVtt', contentType: 'text/vtt; charset=utf-8' },
  'transcript.json': { artifact: 'transcript', contentType: 'application/json; charset=utf-8' },
  'transcript.txt': { artifact: 'transcript', contentType: 'text/plain; charset=utf-8' },
} as const satisfies Record<string, { artifact: ArtifactName; contentType: string }>;
export type DownloadName = keyof typeof DOWNLOADS;

const STAGE_ORDER = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD'];

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const num = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

function links(row: RecordingRow): Record<string, string> {
  const self = `/api/v1/recordings/${row.id}`;
  const result: Record<string, string> = { self };
  for (const [name, d] of Object.entries(DOWNLOADS)) if (row.artifacts[d.artifact]) result[name] = `${self}/${name}`;
  // Translated subtitles: `subtitles.<lang>.srt` through the files route.
  for (const name of Object.keys(row.artifacts)) {
    const translated = /^subtitles(Srt|Vtt)\.(.+)$/.exec(name);
    if (translated) {
      const format = translated[1]!.toLowerCase();
      result[`subtitles.${translated[2]}.${format}`] = `${self}/files/${format}?language=${encodeURIComponent(translated[2]!)}`;
    }
  }
  return result;
}

/** A recording as the list shows it. */
export function recordingSummary(row: RecordingRow) {
  return {
    id: row.id,
    title: row.title,
    status: publicStatus(row),
    failed: row.failed,
    failedStage: row.failedStage,
    // The worker's own message stays in its log: it may hold paths and storage keys.
    failureReason: row.failed ? publicFailureMessage(row.failedStage) : null,
    originalFilename: row.originalFilename,
    sourceType: row.sourceType,
    sizeBytes: num(row.sizeBytes),
    contentType: row.contentType,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    expiresAt: row.deletionState ? null : iso(row.expireAt),
    deletion: deletionOf(row),
    links: row.deletionState === 'DELETED' || row.deletionState === 'PURGED' ? { self: `/api/v1/recordings/${row.id}` } : links(row),
  };
}

/**
 * `DELETING` from the owner's delete until ingest confirms it; `EXPIRED` once it expired (as the
 * reference computes it); otherwise where its pipeline stands (a recording deleted by its owner
 * keeps that status, so a restore gives it back as it was).
 */
function publicStatus(row: RecordingRow): string {
  if (row.deletionState === 'DELETING') return 'DELETING';
  if ((row.deletionState === 'DELETED' || row.deletionState === 'PURGED') && row.deletionReason === 'EXPIRED') return 'EXPIRED';
  return row.status;
}

/** The recording's deletion, when it is deleted: why, when, until when it can be restored, when it goes for good. */
function deletionOf(row: RecordingRow) {
  if (row.deletionState !== 'DELETED' && row.deletionState !== 'PURGED') return null;
  return {
    state: row.deletionState,
    reason: row.deletionReason ?? 'MANUAL',
    deletedAt: iso(row.deletedAt),
    restorable: row.deletionState === 'DELETED' && (!row.restorableUntil || new Date(row.restorableUntil) > new Date()),
    restorableUntil: iso(row.restorableUntil),
    hardDeleteAt: iso(row.hardDeleteAt),
  };
}

/** A recording with its stages (timings and errors), artifacts and publications. */
export function recordingDetail(row: RecordingRow, stages: StageRow[]) {
  const ordered = [...stages].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || a.target.localeCompare(b.target));
  const failedUpload = row.failed && row.failedStage === 'UPLOAD' ? ordered.find((s) => s.stage === 'UPLOAD' && s.status === 'FAILED' && s.target) : undefined;
  return {
    ...recordingSummary(row),
    failedTarget: failedUpload?.target ?? null,
    stages: ordered.map((s) => ({
      stage: s.stage,
      ...(s.target ? { target: s.target } : {}),
      status: s.status,
      attempt: s.attempt,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: num(s.durationMs),
      error: publicStageError(s.stage, s.error),
      progress: num(s.progress),
      step: s.step,
    })),
    artifacts: Object.entries(row.artifacts).map(([name, ref]) => ({
      name,
      sizeBytes: ref!.sizeBytes,
      contentType: ref!.contentType ?? null,
      checksumSha256: ref!.checksumSha256 ?? null,
    })),
    publications: Object.values(row.publications),
  };
}

/**
 * The answer of a pause or a run: the recording's status and pause flag as ingest left them (the
 * read model behind `GET /recordings/{id}` catches up within moments), and the stages the action
 * paused or started (`TRIM`; an upload as `UPLOAD:<target>`).
 */
export function restoreAction(result: { recordingId: string; status: string; paused?: boolean; expireAt: string }) {
  return {
    id: result.recordingId,
    status: result.status,
    paused: result.paused ?? false,
    expiresAt: result.expireAt,
    links: { self: `/api/v1/recordings/${result.recordingId}` },
  };
}

export function pipelineAction(result: { recordingId: string; status: string; paused?: boolean; stages?: string[] }) {
  return {
    id: result.recordingId,
    status: result.status,
    paused: result.paused ?? false,
    stages: result.stages ?? [],
    links: { self: `/api/v1/recordings/${result.recordingId}` },
  };
}
