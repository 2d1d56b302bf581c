import { LeapError } from '@leap/errors';

/** What yt-dlp says when a source cannot be had, and the stable code each case gets. */
const RULES: { code: string; message: string; status: number; patterns: RegExp[] }[] = [
  {
    code: 'INGEST.URL_UNSUPPORTED',
    message: 'No extractor supports this URL, and it is not a media file',
    status: 422,
    patterns: [/Unsupported URL/i, /is not a valid URL/i, /no suitable (InfoExtractor|extractor)/i],
  },
  {
    code: 'INGEST.SOURCE_PRIVATE',
    message: 'The source is private',
    status: 422,
    patterns: [/private video/i, /this video is private/i, /video is private/i, /playlist (is|does not exist or is) private/i],
  },
  {
    code: 'INGEST.SOURCE_LOGIN_REQUIRED',
    message: 'The source needs a signed-in account to be viewed',
    status: 422,
    patterns: [/sign in to confirm/i, /login required/i, /requires? (authentication|login|a login)/i, /--cookies/i, /members[- ]only/i, /only available (to|for) (registered|premium|subscribers)/i, /age[- ]restricted|confirm your age/i],
  },
  {
    code: 'INGEST.SOURCE_GEO_BLOCKED',
    message: 'The source is not available from this server\'s country',
    status: 422,
    patterns: [/available in your (country|region|location)/i, /geo[- ]?restrict/i, /geo[- ]?block/i, /blocked in your country/i, /from your location/i],
  },
  {
    code: 'INGEST.SOURCE_REMOVED',
    message: 'The source has been removed or does not exist',
    status: 422,
    patterns: [/video unavailable/i, /has been removed/i, /no longer available/i, /does not exist/i, /HTTP Error 404/i, /HTTP Error 410/i, /deleted/i, /terminated/i],
  },
];

/** The line of yt-dlp's output that says why it stopped (its last `ERROR:`), without the report-a-bug advice. */
export function ytdlpReason(stderr: string): string {
  const errors = stderr.split('\n').filter((line) => line.startsWith('ERROR:'));
  const line = (errors.at(-1) ?? stderr.trim().split('\n').at(-1) ?? '').replace(/^ERROR:\s*/, '');
  return line.replace(/;\s*please report this issue.*$/i, '').slice(0, 500);
}

/**
 * The stable error for a failed yt-dlp run: unsupported URL, private, removed, geo-blocked, login
 * needed (each final, 422 at the API); anything else (network trouble, an extractor broken by a
 * site change) is `INGEST.YTDLP_FAILED` and tried again.
 */
export function ytdlpError(stderr: string): LeapError {
  const reason = ytdlpReason(stderr);
  for (const rule of RULES) {
    if (rule.patterns.some((p) => p instanceof RegExp && p.test(reason))) {
      return new LeapError(rule.code, `${rule.message}: ${reason}`, { status: rule.status, retryable: false });
    }
  }
  return new LeapError('INGEST.YTDLP_FAILED', `yt-dlp could not fetch the source: ${reason}`, { status: 502, retryable: true });
}
