/** Stable codes for failures of the media tools; callers map them to their own error policy. */
export type MediaToolErrorCode =
  | 'MEDIA_TOOLS.BINARY_NOT_FOUND'
  | 'MEDIA_TOOLS.PROCESS_FAILED'
  | 'MEDIA_TOOLS.ABORTED'
  | 'MEDIA_TOOLS.PROBE_FAILED';

/** A failure of ffmpeg, ffprobe or yt-dlp, or of finding them. `stderr` holds the tail of the tool's output. */
export class MediaToolError extends Error {
  constructor(
    readonly code: MediaToolErrorCode,
    message: string,
    readonly details: { exitCode?: number | null; stderr?: string; tried?: string[] } = {},
  ) {
    super(message);
    this.name = 'MediaToolError';
  }
}
