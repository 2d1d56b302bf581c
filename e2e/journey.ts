import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { ffprobe } from '@leap/media-tools';
import { eventually, generateLecture, type MailCatcher } from '@leap/testing';
import { signUp, waitUntilReady } from './support';

export interface JourneyWorld {
  /** `http://host:port/api/v1` */
  api: string;
  /** A folder for fixtures. */
  work: string;
  storageRoot: string;
  exportRoot: string;
  /** The database holding the services' schemas. */
  databaseUrl: string;
  /** Where the gateway's mails go (its SMTP_URL), for the verification link. */
  mail: MailCatcher;
}

/**
 * What a user sees when a one-minute lecture goes through LEAP: upload, READY with every stage
 * timed, a trimmed video shorter by the silences at its ends, subtitles with words that were
 * spoken, an export with every artifact; then delete, and nothing is left.
 */
export async function lectureJourney(world: JourneyWorld): Promise<void> {
  const lecture = await generateLecture({ dir: world.work, durationSeconds: 60, leadingSilenceSeconds: 9, trailingSilenceSeconds: 10, middleSilenceSeconds: 4 });
  const ada = await signUp(world.api, `ada-${Date.now()}@example.org`, world.mail);
  const upload = await ada.upload(lecture.path, 'Generated lecture');
  if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
  const id = upload.body.id as string;

  const recording = await waitUntilReady(ada, id);
  expect(recording.stages.length).toBeGreaterThanOrEqual(6);
  for (const stage of recording.stages) {
    expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
    if (stage.status === 'COMPLETED') {
      expect(Date.parse(stage.finishedAt)).toBeGreaterThanOrEqual(Date.parse(stage.startedAt));
      expect(stage.durationMs).toBeGreaterThanOrEqual(0);
    }
  }

  const srt = await ada.get(`/recordings/${id}/subtitles.srt`);
  expect(srt.status).toBe(200);
  const spoken = lecture.speech.map((s) => s.text.toLowerCase()).join(' ');
  const recognised = ((await srt.text()).toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 3 && spoken.includes(w));
  expect(new Set(recognised).size).toBeGreaterThanOrEqual(2);
  const transcript = await ada.get(`/recordings/${id}/transcript.txt`);
  expect(transcript.status).toBe(200);

  // The trimmed video lost the silences at its ends, less the 5 s of padding kept on each side.
  const files = (await readdir(world.exportRoot, { recursive: true })).map(String).filter((f) => f.includes(id));
  const video = files.find((f) => /\/video\.(mp4|webm|mkv)$/.test(f));
  expect(video).toBeDefined();
  const trimmed = (await ffprobe(join(world.exportRoot, video!))).durationSeconds!;
  expect(Math.abs(trimmed - (60 - (9 - 5) - (10 - 5)))).toBeLessThanOrEqual(1);
  for (const name of ['audio.mp3', 'transcript.json', 'topics.json', 'subtitles.srt', 'subtitles.vtt', 'metadata.json']) {
    expect(files.some((f) => f.endsWith(`/${name}`))).toBe(true);
  }

  // Deleting the recording removes every object under its prefix and gives the storage back.
  const db = new Client({ connectionString: world.databaseUrl });
  await db.connect();
  try {
    const userId = (await db.query(`SELECT DISTINCT user_id FROM storage.stored_objects WHERE recording_id = $1`, [id])).rows[0].user_id as string;
    const usage = async () =>
      Number((await db.query(`SELECT coalesce(sum(size_bytes), 0) AS n FROM storage.stored_objects WHERE user_id = $1`, [userId])).rows[0].n);
    expect(await usage()).toBeGreaterThan(0);
    const prefix = join(world.storageRoot, 'users', userId, 'recordings', id);
    expect((await stat(prefix)).isDirectory()).toBe(true);
    expect((await ada.json(`/recordings/${id}`, { method: 'DELETE' })).status).toBe(202);
    await eventually(
      async () => {
        await expect(stat(prefix)).rejects.toMatchObject({ code: 'ENOENT' });
        expect(await usage()).toBe(0);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  } finally {
    await db.end();
  }
}
