import { ytdlpError, ytdlpReason } from './ytdlp-errors';

describe('yt-dlp errors', () => {
  it.each([
    ['ERROR: Unsupported URL: http://example.com/page', 'INGEST.URL_UNSUPPORTED'],
    ['ERROR: [youtube] abc: Private video. Sign in if you\'ve been granted access to this video', 'INGEST.SOURCE_PRIVATE'],
    ['ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader', 'INGEST.SOURCE_REMOVED'],
    ['ERROR: [vk] 1_2: This video has been deleted', 'INGEST.SOURCE_REMOVED'],
    ['ERROR: [generic] x: Unable to download webpage: HTTP Error 404: Not Found', 'INGEST.SOURCE_REMOVED'],
    ['ERROR: [youtube] abc: Video unavailable. The uploader has not made this video available in your country', 'INGEST.SOURCE_GEO_BLOCKED'],
    ['ERROR: [rutube] 1: This video is not available from your location due to geo restriction', 'INGEST.SOURCE_GEO_BLOCKED'],
    ['ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.', 'INGEST.SOURCE_LOGIN_REQUIRED'],
    ['ERROR: [vimeo] 1: This video is only available for registered users. Use --cookies', 'INGEST.SOURCE_LOGIN_REQUIRED'],
    ['ERROR: [youtube] abc: Join this channel to get access to members-only content', 'INGEST.SOURCE_LOGIN_REQUIRED'],
  ])('%s is %s, final', (stderr, code) => {
    expect(ytdlpError(`WARNING: something\n${stderr}\n`)).toMatchObject({ code, status: 422, retryable: false });
  });

  it('keeps anything else retryable, with the reason but not the report-a-bug advice', () => {
    const error = ytdlpError('ERROR: [generic] x: Unable to download webpage: <urlopen error [Errno 111] Connection refused>; please report this issue on https://github.com/yt-dlp/yt-dlp/issues');
    expect(error).toMatchObject({ code: 'INGEST.YTDLP_FAILED', retryable: true });
    expect(error.message).not.toMatch(/report this issue/);
    expect(ytdlpReason('noise\nERROR: first\nmore\nERROR: last one')).toBe('last one');
  });
});
