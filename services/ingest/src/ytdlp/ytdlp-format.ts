/** `best`, `1080p`, `720p` or `480p`. */
export type Quality = 'best' | '1080p' | '720p' | '480p';
/** `mp4`, `mp3`, `audio` or `any`. */
export type FormatPreference = 'mp4' | 'mp3' | 'audio' | 'any';

/**
 * yt-dlp's format options for a quality and a format preference, the way the reference chooses:
 * video at most the asked height (MP4 parts first for `mp4`, merged to MP4), the best audio for
 * `audio`, converted to MP3 for `mp3`. Every selector ends in a fallback, so a source without the
 * preferred container still downloads.
 */
export function formatArgs(quality: string | undefined, preference: string | undefined): string[] {
  const height = /^(\d+)p$/.exec(quality ?? '')?.[1];
  const h = height ? `[height<=${height}]` : '';
  switch (preference) {
    case 'mp3':
      return ['-f', 'bestaudio/best', '-x', '--audio-format', 'mp3'];
    case 'audio':
      return ['-f', 'bestaudio/best'];
    case 'any':
      return ['-f', `bv*${h}+ba/b${h}/b`];
    case 'mp4':
    default:
      return ['-f', `bv*${h}[ext=mp4]+ba[ext=m4a]/b${h}[ext=mp4]/bv*${h}+ba/b${h}/b`, '--merge-output-format', 'mp4'];
  }
}
