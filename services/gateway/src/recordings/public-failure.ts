/**
 * What a client is told about a failed stage. Workers' error messages hold internals (tool paths,
 * scratch folders, storage keys with user ids); they stay in the workers' logs. Clients get the
 * stable error code and a plain sentence chosen here from the code, else from the stage.
 */
const BY_CODE: Record<string, string> = {
  'MEDIA.CORRUPT_INPUT': 'The file could not be read as audio or video; it may be damaged.',
  'MEDIA.INVALID_SOURCE': 'The file could not be read as audio or video; it may be damaged.',
  'TRANSCRIPTION.NO_SPEECH': 'No speech was found in the recording.',
  'TRANSCRIPTION.PROVIDER_TIMEOUT': 'The transcription service did not answer in time.',
  'TRANSCRIPTION.PROVIDER_FAILED': 'The transcription service could not transcribe the recording.',
  'TRANSCRIPTION.QUALITY_FAILED': 'The transcript failed its quality checks (invented or looped phrases, implausible word rate); its template stops such a recording.',
  'TRANSCRIPTION.PROVIDER_UNAVAILABLE': 'None of the speech providers for this recording could be used.',
  'TRANSCRIPTION.TRANSLATION_UNAVAILABLE': 'Translated subtitles need a chat model, and none is set up.',
  'TRANSCRIPTION.LLM_URL_NOT_ALLOWED': 'Your chat model address may not be reached from the platform.',
  'PUBLISHING.PLATFORM_UNAVAILABLE': 'The publishing target could not be reached.',
  'PUBLISHING.CREDENTIAL_REVOKED': 'The platform account refused access; connect it again.',
  'CREDENTIAL.NEEDS_REAUTH': 'The platform account has to be connected again.',
  'INGEST.URL_NOT_ALLOWED': 'The source led to an address the platform may not fetch from.',
  'INGEST.DOWNLOAD_TRUNCATED': 'The source kept ending before the whole file arrived.',
  'INGEST.DOWNLOAD_NOT_MEDIA': 'The source answered a web page instead of a media file.',
  'INGEST.DOWNLOAD_SIZE_MISMATCH': 'The file that arrived is not the size its source announced.',
  'INGEST.DOWNLOAD_TOO_LARGE': 'The file is larger than a recording may be.',
  'INGEST.URL_UNSUPPORTED': 'There is nothing to download at this address.',
  'INGEST.SOURCE_PRIVATE': 'The source is private.',
  'INGEST.SOURCE_REMOVED': 'The source was removed or does not exist.',
  'INGEST.SOURCE_GEO_BLOCKED': 'The source is not available in this region.',
  'INGEST.SOURCE_LOGIN_REQUIRED': 'The source needs a signed-in account.',
  'QUOTA.EXCEEDED': 'Your plan allows no more transcriptions this month; run the recording again once it does.',
  'INGEST.STAGE_STUCK': 'This step got no result for too long; run the recording to try it again.',
};

const BY_STAGE: Record<string, string> = {
  DOWNLOAD: 'The recording could not be fetched from its source.',
  TRIM: 'The recording could not be processed (reading or trimming its media failed).',
  TRANSCRIBE: 'The recording could not be transcribed.',
  EXTRACT_TOPICS: 'Topics and questions could not be extracted from the transcript.',
  GENERATE_SUBTITLES: 'Subtitles could not be generated.',
  UPLOAD: 'The recording could not be published to its target.',
};

const GENERIC = 'Processing the recording failed.';

/** The plain sentence for a failure with `code` (when known) at `stage`. */
export function publicFailureMessage(stage: string | null | undefined, code?: string | null): string {
  return (code && BY_CODE[code]) || (stage && BY_STAGE[stage]) || GENERIC;
}

/** A stage's error as clients see it: its code and retryability, with a plain message. */
export function publicStageError(stage: string, error: { code: string; message: string; retryable?: boolean } | null) {
  return error ? { code: error.code, message: publicFailureMessage(stage, error.code), retryable: error.retryable ?? false } : null;
}
