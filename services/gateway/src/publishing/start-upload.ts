import { ObjectKind, type ConfigResolved, type ObjectRef, type StartUpload, type SubtitleTranslation } from '@leap/contracts';
import { translatedArtifact, type ArtifactName, type ArtifactRef, type RecordingRow } from '../recordings/recordings.repository';
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

const objectRef = (ref: ArtifactRef, kind: ObjectKind): ObjectRef => ({
  key: ref.key,
  sizeBytes: String(ref.sizeBytes),
  kind,
  ...(ref.checksumSha256 ? { checksumSha256: ref.checksumSha256 } : {}),
  ...(ref.contentType ? { contentType: ref.contentType } : {}),
});

export function objectsOf(recording: RecordingRow): ObjectRef[] {
  const a = recording.artifacts ?? {};
  const pairs: Array<[ArtifactName, ObjectKind]> = a.video ? KINDS : [['source', ObjectKind.SOURCE], ...KINDS.slice(1)];
  return pairs.flatMap(([name, kind]) => {
    const ref = a[name];
    return ref ? [objectRef(ref, kind)] : [];
  });
}

/** The recording's translated subtitles as the read model knows them (`subtitlesSrt.<lang>`), one entry per language. */
export function translationsOf(recording: RecordingRow): SubtitleTranslation[] {
  const a = recording.artifacts ?? {};
  const languages = new Set(Object.keys(a).flatMap((name) => (/^subtitles(Srt|Vtt)\./.test(name) ? [name.slice(name.indexOf('.') + 1)] : [])));
  return [...languages].sort().map((language) => {
    const srt = a[translatedArtifact('srt', language)];
    const vtt = a[translatedArtifact('vtt', language)];
    return { language, ...(srt ? { srt: objectRef(srt, ObjectKind.SUBTITLES_SRT) } : {}), ...(vtt ? { vtt: objectRef(vtt, ObjectKind.SUBTITLES_VTT) } : {}) };
  });
}

/** What an upload takes from the recording's effective config (ingest's): the template metadata, and `output.uploadCaptions` when set. */
export interface UploadConfig {
  templateMetadata?: Record<string, unknown>;
  uploadCaptions?: boolean;
}

export function uploadConfigOf(resolved: Pick<ConfigResolved, 'effective'>): UploadConfig {
  const effective = (resolved.effective ?? {}) as { metadata?: Record<string, unknown>; output?: { uploadCaptions?: unknown } };
  const metadata = effective.metadata ?? {};
  const captions = effective.output?.uploadCaptions;
  return { ...(Object.keys(metadata).length > 0 ? { templateMetadata: metadata } : {}), ...(typeof captions === 'boolean' ? { uploadCaptions: captions } : {}) };
}

/**
 * The publishing query of `POST /recordings/{id}/upload/{platform}` (and of each platform of
 * `/bulk/upload`): a new target of the platform, with the recording's objects and translated
 * subtitles from the read model and what its effective config says of uploads (`config`), as a
 * pipeline upload has them.
 */
export function startUploadQuery(
  userId: string,
  recording: RecordingRow,
  platform: UploadPlatform,
  options: { presetId?: string; timeZone?: string },
  dryRun = false,
  config: UploadConfig = {},
): StartUpload {
  const translations = translationsOf(recording);
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
    ...(config.templateMetadata ? { templateMetadata: config.templateMetadata as StartUpload['templateMetadata'] } : {}),
    ...(config.uploadCaptions !== undefined ? { uploadCaptions: config.uploadCaptions } : {}),
    ...(translations.length > 0 ? { translations } : {}),
  };
}
