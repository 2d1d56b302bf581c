import type { ProbedStream } from '@leap/media-tools';
import { chooseContainer, contentTypeOf, planTrim } from './trim-plan';

const stream = (codecType: ProbedStream['codecType'], codecName: string): ProbedStream => ({ index: 0, codecType, codecName, durationSeconds: undefined });

describe('planTrim', () => {
  it('keeps 5 s of padding around the first and last sound and leaves the middle silence alone', () => {
    const window = planTrim(
      [
        { start: 0, end: 6, reachesEnd: false },
        { start: 17.5, end: 21.5, reachesEnd: false },
        { start: 33, end: 40, reachesEnd: true },
      ],
      40,
      5,
    );
    expect(window).toEqual({ start: 1, end: 38, trimmedHeadSeconds: 1, trimmedTailSeconds: 2, keepWhole: false });
  });

  it('only counts a silence as leading when it starts within 0.1 s', () => {
    const window = planTrim([{ start: 0.5, end: 10, reachesEnd: false }, { start: 50, end: 60, reachesEnd: true }], 60, 2);
    expect(window).toMatchObject({ start: 0, end: 52, trimmedHeadSeconds: 0, trimmedTailSeconds: 8 });
  });

  it('treats a silence ending at the end of the recording as trailing even without the flag', () => {
    expect(planTrim([{ start: 30, end: 39.95, reachesEnd: false }], 40, 1)).toMatchObject({ start: 0, end: 31, trimmedTailSeconds: 9 });
  });

  it('keeps a different padding at each end when told', () => {
    expect(planTrim([{ start: 0, end: 10, reachesEnd: false }, { start: 50, end: 60, reachesEnd: true }], 60, 0, 3)).toMatchObject({ start: 10, end: 53, trimmedHeadSeconds: 10, trimmedTailSeconds: 7 });
  });

  it('keeps the whole recording when there is sound throughout or the padding covers the silence', () => {
    expect(planTrim([], 40, 5).keepWhole).toBe(true);
    expect(planTrim([{ start: 0, end: 3, reachesEnd: false }, { start: 36, end: 40, reachesEnd: true }], 40, 5)).toEqual({
      start: 0,
      end: 40,
      trimmedHeadSeconds: 0,
      trimmedTailSeconds: 0,
      keepWhole: true,
    });
  });

  it('keeps the whole recording when it is silent throughout', () => {
    expect(planTrim([{ start: 0, end: 40, reachesEnd: true }], 40, 5).keepWhole).toBe(true);
  });

  it('clamps the window to the recording', () => {
    expect(planTrim([{ start: 0, end: 2.5, reachesEnd: false }, { start: 8, end: 10, reachesEnd: true }], 10, 0)).toMatchObject({
      start: 2.5,
      end: 8,
      trimmedHeadSeconds: 2.5,
      trimmedTailSeconds: 2,
    });
  });
});

describe('chooseContainer', () => {
  it('uses mp4 when every stream fits it', () => {
    expect(chooseContainer([stream('video', 'h264'), stream('audio', 'aac')]).extension).toBe('mp4');
    expect(chooseContainer([stream('audio', 'mp3')]).extension).toBe('mp4');
  });

  it('uses webm for VP8/VP9/AV1 with Opus/Vorbis', () => {
    expect(chooseContainer([stream('video', 'vp9'), stream('audio', 'opus')])).toEqual({ extension: 'webm', format: 'webm', contentType: 'video/webm' });
    expect(chooseContainer([stream('video', 'av1'), stream('audio', 'vorbis')]).extension).toBe('webm');
  });

  it('falls back to Matroska for mixes and codecs neither holds, ignoring subtitle and data streams', () => {
    expect(chooseContainer([stream('video', 'h264'), stream('audio', 'opus')]).extension).toBe('mkv');
    expect(chooseContainer([stream('video', 'h264'), stream('audio', 'flac')])).toEqual({ extension: 'mkv', format: 'matroska', contentType: 'video/x-matroska' });
    expect(chooseContainer([stream('video', 'h264'), stream('audio', 'aac'), stream('subtitle', 'mov_text')]).extension).toBe('mp4');
  });
});

describe('contentTypeOf', () => {
  it('names the type of a source by its extension', () => {
    expect(contentTypeOf('users/u/recordings/r/source.webm')).toBe('video/webm');
    expect(contentTypeOf('users/u/recordings/r/source.xyz')).toBe('application/octet-stream');
  });
});
