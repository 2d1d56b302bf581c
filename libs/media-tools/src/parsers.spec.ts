import { binaryCandidates, resolveBinary } from './binaries';
import { MediaToolError } from './errors';
import { FfmpegProgress, FfmpegProgressParser } from './progress';
import { parseProbeOutput } from './probe';
import { parseSilenceOutput } from './silence';

describe('parseSilenceOutput', () => {
  const stderr = [
    '[silencedetect @ 0x55] silence_start: 0',
    '[silencedetect @ 0x55] silence_end: 6.0123 | silence_duration: 6.0123',
    'size=N/A time=00:00:20.00 bitrate=N/A speed= 200x',
    '[silencedetect @ 0x55] silence_start: 17.4959',
    '[silencedetect @ 0x55] silence_end: 21.5 | silence_duration: 4.0041',
    '[silencedetect @ 0x55] silence_start: 32.9959',
  ].join('\n');

  it('pairs starts with ends and closes a silence still open at the end of the stream', () => {
    expect(parseSilenceOutput(stderr, 40)).toEqual([
      { start: 0, end: 6.0123, reachesEnd: false },
      { start: 17.4959, end: 21.5, reachesEnd: false },
      { start: 32.9959, end: 40, reachesEnd: true },
    ]);
  });

  it('marks a silence whose reported end is the end of the stream as reaching it', () => {
    const out = '[silencedetect @ 0x1] silence_start: 30\n[silencedetect @ 0x1] silence_end: 39.98 | silence_duration: 9.98\n';
    expect(parseSilenceOutput(out, 40)).toEqual([{ start: 30, end: 39.98, reachesEnd: true }]);
  });

  it('clamps negative starts to zero and returns nothing for sound throughout', () => {
    expect(parseSilenceOutput('silence_start: -0.0125\nsilence_end: 3 | silence_duration: 3', 10)).toEqual([
      { start: 0, end: 3, reachesEnd: false },
    ]);
    expect(parseSilenceOutput('size=N/A time=00:00:10.00\n', 10)).toEqual([]);
  });
});

describe('parseProbeOutput', () => {
  it('reads container, duration and streams', () => {
    const json = JSON.stringify({
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'h264', width: 160, height: 120, duration: '40.000000' },
        { index: 1, codec_type: 'audio', codec_name: 'aac', sample_rate: '16000', channels: 1, bit_rate: '64000', duration: '40.000000' },
      ],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '40.000000', size: '412345', bit_rate: '82469' },
    });
    expect(parseProbeOutput(json)).toEqual({
      formatNames: ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'],
      durationSeconds: 40,
      sizeBytes: 412345,
      bitRate: 82469,
      streams: [
        { index: 0, codecType: 'video', codecName: 'h264', durationSeconds: 40, width: 160, height: 120, sampleRate: undefined, channels: undefined, bitRate: undefined },
        { index: 1, codecType: 'audio', codecName: 'aac', durationSeconds: 40, sampleRate: 16000, channels: 1, bitRate: 64000, width: undefined, height: undefined },
      ],
    });
  });

  it('takes Matroska stream durations from the DURATION tag and tolerates N/A', () => {
    const json = JSON.stringify({
      streams: [{ index: 0, codec_type: 'audio', codec_name: 'opus', duration: 'N/A', tags: { DURATION: '00:01:02.500000000' } }],
      format: { format_name: 'matroska,webm', duration: 'N/A' },
    });
    const result = parseProbeOutput(json);
    expect(result.formatNames).toEqual(['matroska', 'webm']);
    expect(result.durationSeconds).toBeUndefined();
    expect(result.streams[0].durationSeconds).toBe(62.5);
  });

  it('rejects output that is not JSON', () => {
    expect(() => parseProbeOutput('<html>')).toThrow(MediaToolError);
  });
});

describe('FfmpegProgressParser', () => {
  it('emits one progress per block, across chunk boundaries', () => {
    const seen: FfmpegProgress[] = [];
    const parser = new FfmpegProgressParser((p) => seen.push(p));
    parser.push('frame=10\nout_time_us=2000000\nout_time=00:00:02.000000\nspeed=4.5x\nprog');
    parser.push('ress=continue\nframe=20\nout_time_us=4500000\nspeed=N/A\nprogress=end\n');
    expect(seen).toEqual([
      { outTimeSeconds: 2, frame: 10, speed: 4.5, done: false },
      { outTimeSeconds: 4.5, frame: 20, speed: undefined, done: true },
    ]);
  });

  it('falls back to out_time when microseconds are missing', () => {
    const seen: FfmpegProgress[] = [];
    new FfmpegProgressParser((p) => seen.push(p)).push('out_time=01:02:03.500000\nprogress=continue\n');
    expect(seen[0].outTimeSeconds).toBe(3723.5);
  });
});

describe('resolveBinary', () => {
  const executables = new Set(['/opt/ff/ffmpeg', '/usr/bin/ffmpeg', '/usr/bin/ffprobe', '/pkgs/installer/ffmpeg', '/pkgs/static/ffmpeg']);
  const isExecutable = (p: string): boolean => executables.has(p);
  const packages: Record<string, string> = {
    'ffmpeg-static': '/pkgs/static',
    [`@ffmpeg-installer/${process.platform}-${process.arch}`]: '/pkgs/installer',
  };

  it('prefers the env path', () => {
    expect(resolveBinary('ffmpeg', { env: { FFMPEG_PATH: '/opt/ff/ffmpeg', PATH: '/usr/bin' }, isExecutable, packageDir: (n) => packages[n] })).toEqual({
      path: '/opt/ff/ffmpeg',
      source: 'env',
    });
  });

  it('then the npm package binary, then PATH, then @ffmpeg-installer', () => {
    expect(resolveBinary('ffmpeg', { env: { PATH: '/usr/bin' }, isExecutable, packageDir: (n) => packages[n] }).source).toBe('ffmpeg-static');
    expect(resolveBinary('ffmpeg', { env: { PATH: '/usr/bin' }, isExecutable, packageDir: () => undefined }).source).toBe('path');
    expect(
      resolveBinary('ffmpeg', { env: { PATH: '/nowhere' }, isExecutable, packageDir: (n) => (n === 'ffmpeg-static' ? undefined : packages[n]) }),
    ).toEqual({ path: '/pkgs/installer/ffmpeg', source: '@ffmpeg-installer/ffmpeg' });
  });

  it('lists the places it looks for yt-dlp in order', () => {
    const candidates = binaryCandidates('yt-dlp', { env: { PATH: '' }, isExecutable, packageDir: (n) => (n === 'youtube-dl-exec' ? '/pkgs/ytdl' : undefined) });
    expect(candidates.map((c) => [c.source, c.path])).toEqual([
      ['env', undefined],
      ['youtube-dl-exec', '/pkgs/ytdl/bin/yt-dlp'],
      ['path', undefined],
    ]);
  });

  it('names everything it tried when nothing is found', () => {
    let error: unknown;
    try {
      resolveBinary('ffprobe', { env: { PATH: '/nowhere' }, isExecutable, packageDir: () => undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MediaToolError);
    expect((error as MediaToolError).code).toBe('MEDIA_TOOLS.BINARY_NOT_FOUND');
    expect((error as MediaToolError).message).toBe('ffprobe was not found; tried: FFPROBE_PATH=(unset), ffprobe on PATH');
  });

  it('refuses an env path that is not executable instead of silently using another binary', () => {
    expect(() => resolveBinary('ffmpeg', { env: { FFMPEG_PATH: '/missing/ffmpeg', PATH: '/usr/bin' }, isExecutable, packageDir: () => undefined })).toThrow(
      /FFMPEG_PATH points at \/missing\/ffmpeg/,
    );
  });
});
