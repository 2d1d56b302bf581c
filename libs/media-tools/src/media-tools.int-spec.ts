import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLecture } from '@leap/testing';
import { binaryPath, resolveBinary } from './binaries';
import { MediaToolError } from './errors';
import { FfmpegProgress } from './progress';
import { ffprobe } from './probe';
import { runFfmpeg, runTool } from './process';
import { detectSilences } from './silence';

jest.setTimeout(180_000);

describe('media tools on real media', () => {
  let dir: string;
  let lecturePath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leap-media-tools-'));
    lecturePath = (
      await generateLecture({ dir, durationSeconds: 30, leadingSilenceSeconds: 4, trailingSilenceSeconds: 5, middleSilenceSeconds: 3 })
    ).path;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the installed ffmpeg, ffprobe and yt-dlp, and each one runs', async () => {
    for (const tool of ['ffmpeg', 'ffprobe', 'yt-dlp'] as const) {
      const found = resolveBinary(tool);
      expect(found.path).toMatch(new RegExp(`${tool}$`));
      expect(binaryPath(tool)).toBe(found.path);
    }
    // Each binary answers for itself: ffmpeg and ffprobe name themselves, yt-dlp prints a dated version.
    expect((await runTool(binaryPath('ffmpeg'), ['-version'])).stdout).toMatch(/^ffmpeg version /);
    expect((await runTool(binaryPath('ffprobe'), ['-version'])).stdout).toMatch(/^ffprobe version /);
    expect((await runTool(binaryPath('yt-dlp'), ['--version'])).stdout.trim()).toMatch(/^\d{4}\.\d{2}\.\d{2}/);
  });

  it('probes duration, streams and codecs', async () => {
    const probe = await ffprobe(lecturePath);
    expect(probe.durationSeconds).toBeCloseTo(30, 0);
    expect(probe.streams.map((s) => [s.codecType, s.codecName])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
    expect(probe.streams[1]).toMatchObject({ sampleRate: 16000, channels: 1 });
  });

  it('rejects a file that is not media', async () => {
    const path = join(dir, 'page.mp4');
    await writeFile(path, '<!doctype html><html><body>Sign in</body></html>');
    await expect(ffprobe(path)).rejects.toMatchObject({ code: 'MEDIA_TOOLS.PROCESS_FAILED' });
  });

  it('detects head, middle and tail silence on the decoded audio', async () => {
    const report = await detectSilences(lecturePath, { thresholdDb: -40, minSilenceSeconds: 2 });
    expect(report.decodedSeconds).toBeCloseTo(30, 0);
    expect(report.silences.map((s) => [Math.round(s.start), Math.round(s.end), s.reachesEnd])).toEqual([
      [0, 4, false],
      [13, 16, false],
      [25, 30, true],
    ]);
  });

  it('reports progress while ffmpeg runs', async () => {
    const seen: FfmpegProgress[] = [];
    await runFfmpeg(['-y', '-i', lecturePath, '-vn', '-c:a', 'libmp3lame', '-b:a', '64k', join(dir, 'out.mp3')], {
      onProgress: (p) => seen.push(p),
    });
    expect(seen.length).toBeGreaterThan(0);
    const last = seen[seen.length - 1];
    expect(last.done).toBe(true);
    expect(last.outTimeSeconds).toBeCloseTo(30, 0);
  });

  it('kills ffmpeg when the signal aborts', async () => {
    const controller = new AbortController();
    const run = runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3600', '-f', 'null', '-'], {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaToolError);
    expect((error as MediaToolError).code).toBe('MEDIA_TOOLS.ABORTED');
  });

  it('reports a failing ffmpeg with its message', async () => {
    const error = await runFfmpeg(['-i', join(dir, 'missing.mp4'), '-f', 'null', '-']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MEDIA_TOOLS.PROCESS_FAILED' });
    expect((error as Error).message).toMatch(/No such file or directory/);
  });
});
