import { sourceKeyOf } from './source-key';

describe('source keys', () => {
  it('is platform:video_id', () => {
    expect(sourceKeyOf({ id: 'dQw4w9WgXcQ', extractor_key: 'Youtube' }, 'https://youtu.be/dQw4w9WgXcQ')).toBe('youtube:dQw4w9WgXcQ');
    expect(sourceKeyOf({ id: '-1_2', ie_key: 'VK' }, 'x')).toBe('vk:-1_2');
  });

  it('takes an entry id yt-dlp smuggled into its URL, and the platform of the playlist it came from', () => {
    const url = 'http://host/one.mp4#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22one%22%7D';
    expect(sourceKeyOf({ url }, url, { extractor_key: 'Generic' })).toBe('generic:one');
  });

  it('falls back to a hash of the URL, the same for the same URL', () => {
    const a = sourceKeyOf({ url: 'http://host/a.mp4' }, 'http://host/a.mp4');
    expect(a).toMatch(/^generic:[0-9a-f]{16}$/);
    expect(sourceKeyOf({ url: 'http://host/a.mp4' }, 'http://host/a.mp4')).toBe(a);
  });
});
