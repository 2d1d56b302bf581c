/**
 * Every storage key is built here, identical on local disk and S3 (DESIGN section 5). No display
 * names in keys: only ids, so a rename never moves an object.
 */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const EXT = /^[a-z0-9]{1,8}$/;

function id(value: string, what: string): string {
  if (!ID.test(value)) throw new Error(`Invalid ${what} for a storage key: ${JSON.stringify(value)}`);
  return value;
}

function ext(value: string): string {
  const e = value.replace(/^\./, '').toLowerCase();
  if (!EXT.test(e)) throw new Error(`Invalid file extension for a storage key: ${JSON.stringify(value)}`);
  return e;
}

export type SubtitleFormat = 'srt' | 'vtt';

/** `name.ext` with a safe base name and extension. */
function fileName(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Invalid file name for a storage key: ${JSON.stringify(name)}`);
  return `${id(name.slice(0, dot), 'file name')}.${ext(name.slice(dot + 1))}`;
}

export const storageKeys = {
  sharedThumbnail: (name: string) => `shared/thumbnails/${fileName(name)}`,
  userThumbnail: (userId: string, name: string) => `users/${id(userId, 'user id')}/thumbnails/${fileName(name)}`,
  /** `users/<userId>/recordings/<recordingId>/`: everything of one recording; deleting it removes them all. */
  recordingPrefix: (userId: string, recordingId: string) => `users/${id(userId, 'user id')}/recordings/${id(recordingId, 'recording id')}/`,
  source: (userId: string, recordingId: string, extension: string) => `${storageKeys.recordingPrefix(userId, recordingId)}source.${ext(extension)}`,
  video: (userId: string, recordingId: string, extension: string) => `${storageKeys.recordingPrefix(userId, recordingId)}video.${ext(extension)}`,
  audio: (userId: string, recordingId: string) => `${storageKeys.recordingPrefix(userId, recordingId)}audio.mp3`,
  poster: (userId: string, recordingId: string) => `${storageKeys.recordingPrefix(userId, recordingId)}poster.jpg`,
  masterTranscript: (userId: string, recordingId: string) => `${storageKeys.recordingPrefix(userId, recordingId)}transcription/master.json`,
  topics: (userId: string, recordingId: string) => `${storageKeys.recordingPrefix(userId, recordingId)}transcription/topics.json`,
  subtitles: (userId: string, recordingId: string, format: SubtitleFormat) =>
    `${storageKeys.recordingPrefix(userId, recordingId)}transcription/subtitles.${format}`,
  /** `transcription/subtitles.<lang>.<format>`: subtitles translated into a BCP 47 language (`de`, `pt-BR`). */
  translatedSubtitles: (userId: string, recordingId: string, language: string, format: SubtitleFormat) =>
    `${storageKeys.recordingPrefix(userId, recordingId)}transcription/subtitles.${languageTag(language)}.${format}`,
};

function languageTag(value: string): string {
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(value)) throw new Error(`Invalid language for a storage key: ${JSON.stringify(value)}`);
  return value;
}

/** Parses a recording key back into its owner and recording, or undefined for other keys. */
export function parseRecordingKey(key: string): { userId: string; recordingId: string; name: string } | undefined {
  const m = /^users\/([^/]+)\/recordings\/([^/]+)\/(.+)$/.exec(key);
  return m ? { userId: m[1]!, recordingId: m[2]!, name: m[3]! } : undefined;
}

/** Rejects keys that could escape the store's root: `..`, `.`, absolute paths, backslashes, empty segments. A trailing `/` (a prefix) is allowed. */
export function assertSafeKey(key: string): string {
  const body = key.endsWith('/') ? key.slice(0, -1) : key;
  if (!body || key.includes('\\') || body.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
  return key;
}
