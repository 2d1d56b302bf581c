import { z } from 'zod';
import { RecordingStatus } from '@leap/contracts';
import { multiValueFilter, pageParams, sortParam } from '../common/pagination';
import type { ArtifactName, RecordingRow, StageRow } from './recordings.repository';

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

export const listQuerySchema = z.object({
  ...pageParams,
  sort: sortParam(RECORDING_SORT_FIELDS, '-createdAt'),
  status: multiValueFilter(STATUSES),
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
  return result;
}

/** A recording as the list shows it. */
export function recordingSummary(row: RecordingRow) {
  return {
    id: row.id,
    title: row.title,
    status: row.deletionState === 'DELETING' ? 'DELETING' : row.status,
    failed: row.failed,
    failedStage: row.failedStage,
    failureReason: row.failureReason,
    originalFilename: row.originalFilename,
    sourceType: row.sourceType,
    sizeBytes: num(row.sizeBytes),
    contentType: row.contentType,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    links: links(row),
  };
}

/** A recording with its stages (timings and errors), artifacts and publications. */
export function recordingDetail(row: RecordingRow, stages: StageRow[]) {
  const ordered = [...stages].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || a.target.localeCompare(b.target));
  return {
    ...recordingSummary(row),
    stages: ordered.map((s) => ({
      stage: s.stage,
      ...(s.target ? { target: s.target } : {}),
      status: s.status,
      attempt: s.attempt,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: num(s.durationMs),
      error: s.error,
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
