import { ObjectKind, type ObjectRef, type StartUpload } from '@leap/contracts';
import type { ArtifactName, RecordingRow } from '../recordings/recordings.repository';
import type { UploadPlatform } from './uploads.dto';

/** Artifacts of the read model a publish passes, with their kind (the video, else the source). */
const KINDS: Array<[ArtifactName, ObjectKind]> = [
  ['video', ObjectKind.VIDEO],
  ['audio', ObjectKind.AUDIO],
  ['transcript', ObjectKind.TRANSCRIPT],
  ['topics', ObjectKind.TOPICS],
  ['subtitlesSrt', ObjectKind.SUBTITLES_SRT],
  ['subtitlesVtt', ObjectKind.SUBTITLES_VTT],
];

export function objectsOf(recording: RecordingRow): ObjectRef[] {
  const a = recording.artifacts ?? {};
  const pairs: Array<[ArtifactName, ObjectKind]> = a.video ? KINDS : [['source', ObjectKind.SOURCE], ...KINDS.slice(1)];
  return pairs.flatMap(([name, kind]) => {
    const ref = a[name];
    return ref ? [{ key: ref.key, sizeBytes: String(ref.sizeBytes), kind, ...(ref.checksumSha256 ? { checksumSha256: ref.checksumSha256 } : {}), ...(ref.contentType ? { contentType: ref.contentType } : {}) }] : [];
  });
}

/**
 * The publishing query of `POST /recordings/{id}/upload/{platform}` (and of each platform of
 * `/bulk/upload`): a new target of the platform, with the recording's objects from the read model.
 */
export function startUploadQuery(
  userId: string,
  recording: RecordingRow,
  platform: UploadPlatform,
  options: { presetId?: string; timeZone?: string },
  dryRun = false,
): StartUpload {
  return {
    userId,
    recordingId: recording.id,
    platform,
    ...(options.presetId ? { presetId: options.presetId } : {}),
    objects: objectsOf(recording),
    variables: {
      title: recording.title ?? recording.originalFilename ?? '',
      recorded_at: new Date(recording.createdAt).toISOString(),
      ...(options.timeZone ? { time_zone: options.timeZone } : {}),
    },
    ...(dryRun ? { dryRun: true } : {}),
  };
}
