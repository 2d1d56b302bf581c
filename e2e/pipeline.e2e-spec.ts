import { readdir, mkdtemp, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  createPlatformDatabase,
  createTestVhost,
  eventually,
  freePort,
  generateLecture,
  type RunningProcess,
  type TestDatabase,
  type TestVhost,
} from '@leap/testing';
import { ffprobe } from '@leap/media-tools';
import { Client } from 'pg';
import { SERVICES, startServiceProcess } from './support';

/**
 * The walking skeleton: one generated lecture through all seven services, each its own process,
 * on the machine's real PostgreSQL and RabbitMQ.
 */
describe('a recording through the whole pipeline (distributed)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let work: string;
  const processes: RunningProcess[] = [];
  let api = '';

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_pipeline');
    vhost = await createTestVhost('leap_test_pipeline');
    work = await mkdtemp(join(tmpdir(), 'leap-pipeline-'));
    await chmod(work, 0o755);
    const common = {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      JWT_SECRET: 'pipeline-test-secret-that-is-long-enough',
      STORAGE_BACKEND: 'local',
      STORAGE_LOCAL_ROOT: join(work, 'storage'),
      EXPORT_ROOT: join(work, 'exports'),
      MESSAGING_RETRY_TIERS: '1s,2s',
    };
    const started = await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        if (name === 'gateway') api = `http://127.0.0.1:${port}/api/v1`;
        return startServiceProcess(name, { ...common, PORT: String(port) });
      }),
    );
    processes.push(...started);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function json(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any }> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.body && typeof init.body === 'string') headers.set('content-type', 'application/json');
    const res = await fetch(`${api}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('uploads a one-minute lecture and ends READY with a trimmed video, transcript, subtitles and an export', async () => {
    const lecture = await generateLecture({
      dir: work,
      durationSeconds: 60,
      leadingSilenceSeconds: 9,
      trailingSilenceSeconds: 10,
      middleSilenceSeconds: 4,
    });
    await json('/auth/register', { method: 'POST', body: JSON.stringify({ email: 'ada@example.org', password: 'correct horse battery' }) });
    const login = await json('/auth/login', { method: 'POST', body: JSON.stringify({ email: 'ada@example.org', password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;

    const form = new FormData();
    form.append('title', 'Generated lecture');
    form.append('file', new Blob([readFileSync(lecture.path)], { type: 'video/mp4' }), 'lecture.mp4');
    const upload = await fetch(`${api}/recordings`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };

    const recording = await eventually(
      async () => {
        const r = await json(`/recordings/${id}`, { token });
        expect(r.body.failed).toBeFalsy();
        expect(r.body.status).toBe('READY');
        return r.body;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    for (const stage of recording.stages) {
      expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
      if (stage.status === 'COMPLETED') expect(stage.durationMs).toBeGreaterThanOrEqual(0);
    }

    const srt = await fetch(`${api}/recordings/${id}/subtitles.srt`, { headers: { authorization: `Bearer ${token}` } });
    expect(srt.status).toBe(200);
    const subtitles = (await srt.text()).toLowerCase();
    const spoken = lecture.speech.map((s) => s.text.toLowerCase()).join(' ');
    const recognised = subtitles.match(/[a-z]+/g)!.filter((w) => w.length > 3 && spoken.includes(w));
    expect(new Set(recognised).size).toBeGreaterThanOrEqual(2);

    // The trimmed video lost the silences at its ends, less the 5 s padding kept on each side.
    const exportDir = join(work, 'exports');
    const files = (await readdir(exportDir, { recursive: true })).map(String);
    const video = files.find((f) => /\/video\.(mp4|webm|mkv)$/.test(f));
    expect(video).toBeDefined();
    const trimmed = (await ffprobe(join(exportDir, video!))).durationSeconds!;
    expect(Math.abs(trimmed - (60 - (9 - 5) - (10 - 5)))).toBeLessThanOrEqual(1);
    for (const name of ['audio.mp3', 'transcript.json', 'topics.json', 'subtitles.srt', 'subtitles.vtt', 'metadata.json']) {
      expect(files.some((f) => f.endsWith(`/${name}`))).toBe(true);
    }
    const transcript = await fetch(`${api}/recordings/${id}/transcript.txt`, { headers: { authorization: `Bearer ${token}` } });
    expect(transcript.status).toBe(200);
    expect((await transcript.text()).length).toBeGreaterThan(20);

    // Deleting the recording removes every object under its prefix and gives the storage back.
    const storageDb = new Client({ connectionString: db.url });
    await storageDb.connect();
    try {
      const owner = (await storageDb.query(`SELECT DISTINCT user_id FROM storage.stored_objects`)).rows.map((r) => r.user_id);
      expect(owner).toHaveLength(1);
      const userId = owner[0];
      const usage = async () =>
        Number((await storageDb.query(`SELECT coalesce(sum(size_bytes), 0) AS n FROM storage.stored_objects WHERE user_id = $1`, [userId])).rows[0].n);
      const before = await usage();
      expect(before).toBeGreaterThan(0);
      const prefix = join(work, 'storage', 'users', userId, 'recordings', id);
      expect((await stat(prefix)).isDirectory()).toBe(true);
      const deleted = await fetch(`${api}/recordings/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      expect(deleted.status).toBe(202);
      await eventually(
        async () => {
          await expect(stat(prefix)).rejects.toMatchObject({ code: 'ENOENT' });
          expect(await usage()).toBe(0);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    } finally {
      await storageDb.end();
    }
  }, 360_000);
});
