import { formatArgs } from './ytdlp-format';

describe('yt-dlp format choice', () => {
  it('caps the height and prefers MP4 parts, merged to MP4', () => {
    expect(formatArgs('720p', 'mp4')).toEqual(['-f', 'bv*[height<=720][ext=mp4]+ba[ext=m4a]/b[height<=720][ext=mp4]/bv*[height<=720]+ba/b[height<=720]/b', '--merge-output-format', 'mp4']);
    expect(formatArgs('best', 'mp4')[1]).toBe('bv*[ext=mp4]+ba[ext=m4a]/b[ext=mp4]/bv*+ba/b/b');
  });

  it('takes the best audio for audio, converted for mp3, and anything for any', () => {
    expect(formatArgs('1080p', 'audio')).toEqual(['-f', 'bestaudio/best']);
    expect(formatArgs('best', 'mp3')).toEqual(['-f', 'bestaudio/best', '-x', '--audio-format', 'mp3']);
    expect(formatArgs('480p', 'any')).toEqual(['-f', 'bv*[height<=480]+ba/b[height<=480]/b']);
  });
});
