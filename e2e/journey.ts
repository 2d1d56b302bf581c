import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ffprobe, processIsAlive } from '@leap/media-tools';
import { eventually, generateLecture, type MailCatcher } from '@leap/testing';
import { signUp, waitUntilReady } from './support';

export interface JourneyWorld {
  /** `http://host:port/api/v1` */
  api: string;
  /** A folder for fixtures. */
  work: string;
  storageRoot: string;
  /**
   * The keys stored under a prefix, as the services see them (without any S3_PREFIX). Unset: the
   * files under `storageRoot` (local backend). With S3, what the bucket holds behind the prefix.
   */
  storedKeys?: (prefix: string) => Promise<string[]>;
  exportRoot: string;
  /** The database holding the services' schemas. */
  databaseUrl: string;
  /** Where the gateway's mails go (its SMTP_URL), for the verification link. */
  mail: MailCatcher;
}

/** Files of the local backend under a prefix, as keys; the checksum files beside them are its own. */
async function localKeys(root: string, prefix: string): Promise<string[]> {
  const dir = join(root, prefix);
  const names = await readdir(dir, { recursive: true, withFileTypes: true }).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  return names
    .filter((d) => d.isFile() && !d.name.endsWith('.sha256'))
    .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
    .sort();
}

/** The keys docs/storage.md documents under a recording's prefix. */
const RECORDING_LAYOUT = [
  /^source\.[a-z0-9]+$/,
  /^video\.(mp4|webm|mkv|mov)$/,
  /^audio\.mp3$/,
  /^poster\.jpg$/,
  /^transcription\/master\.json$/,
  /^transcription\/topics\.json$/,
  /^transcription\/subtitles\.(srt|vtt)$/,
];

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
  // Whole words only: "numbers" in the subtitles must be a word the lecturer said, not part of one.
  const spoken = new Set(lecture.speech.flatMap((s) => s.text.toLowerCase().match(/[a-z]+/g) ?? []));
  const recognised = ((await srt.text()).toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 3 && spoken.has(w));
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

  // Deleting is soft: hidden at once, restorable, files and usage untouched until the window closes.
  const db = new Client({ connectionString: world.databaseUrl });
  await db.connect();
  try {
    const userId = (await db.query(`SELECT DISTINCT user_id FROM storage.stored_objects WHERE recording_id = $1`, [id])).rows[0].user_id as string;
    const usage = async () =>
      Number((await db.query(`SELECT coalesce(sum(size_bytes), 0) AS n FROM storage.stored_objects WHERE user_id = $1`, [userId])).rows[0].n);
    const stored = await usage();
    expect(stored).toBeGreaterThan(0);
    // Every object of the recording is in the store under the documented keys.
    const prefix = `users/${userId}/recordings/${id}/`;
    const storedKeys = world.storedKeys ?? ((p: string) => localKeys(world.storageRoot, p));
    const names = (await storedKeys(prefix)).map((k) => k.slice(prefix.length));
    expect(names.filter((n) => !RECORDING_LAYOUT.some((r) => r.test(n)))).toEqual([]);
    for (const wanted of [/^source\.mp4$/, /^video\./, /^audio\.mp3$/, /^transcription\/master\.json$/, /^transcription\/topics\.json$/, /^transcription\/subtitles\.srt$/, /^transcription\/subtitles\.vtt$/]) {
      expect({ wanted: String(wanted), found: names.some((n) => wanted.test(n)) }).toEqual({ wanted: String(wanted), found: true });
    }
    // The account got its copy of the shared thumbnails library, under its own folder.
    await eventually(async () => {
      const thumbnails = (await ada.json('/thumbnails')).body.thumbnails.map((t: any) => `${t.name}:${t.isTemplate}`);
      expect(thumbnails).toEqual(['lecture.png:false', 'meeting.png:false', 'webinar.png:false']);
    }, { timeoutMs: 30_000 });
    expect(await storedKeys(`users/${userId}/thumbnails/`)).toEqual(['lecture.png', 'meeting.png', 'webinar.png'].map((n) => `users/${userId}/thumbnails/${n}`));
    const catalogued = (await db.query(`SELECT key FROM storage.stored_objects WHERE recording_id = $1 ORDER BY key`, [id])).rows.map((r) => r.key as string);
    expect(catalogued.every((k) => names.includes(k.slice(prefix.length)))).toBe(true);
    const listed = async () => ((await (await ada.get('/recordings')).json()) as { items: { id: string }[] }).items.map((r) => r.id);
    const deletion = async () => ((await (await ada.get(`/recordings/${id}`)).json()) as { deletion: { state: string } | null }).deletion;

    expect((await ada.json(`/recordings/${id}`, { method: 'DELETE' })).status).toBe(202);
    await eventually(async () => expect((await deletion())?.state).toBe('DELETED'), { timeoutMs: 60_000, intervalMs: 500 });
    expect(await listed()).not.toContain(id);
    // A soft delete keeps every file, and the usage with them.
    expect((await storedKeys(prefix)).length).toBe(names.length);
    expect(await usage()).toBe(stored);

    expect((await ada.json(`/recordings/${id}/restore`, { method: 'POST' })).status).toBe(200);
    await eventually(async () => expect(await listed()).toContain(id), { timeoutMs: 60_000, intervalMs: 500 });
    expect((await ada.json(`/recordings/${id}`, { method: 'DELETE' })).status).toBe(202);
    await eventually(async () => expect((await deletion())?.state).toBe('DELETED'), { timeoutMs: 60_000, intervalMs: 500 });

    // Three days are not waited for: the end of the restore window is moved to now, and the
    // retention sweep (every second here) finds it as it would three days on. Everything goes.
    await db.query(`UPDATE ingest.recordings SET purge_at = now() WHERE id = $1`, [id]);
    await eventually(
      async () => {
        expect(await storedKeys(prefix)).toEqual([]);
        expect(await usage()).toBe(0);
        expect((await readdir(world.exportRoot, { recursive: true })).map(String).filter((f) => f.includes(id))).toEqual([]);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const late = await ada.json(`/recordings/${id}/restore`, { method: 'POST' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('INGEST.RESTORE_WINDOW_CLOSED');

    // Likewise its hard delete: then nothing of it is found.
    await db.query(`UPDATE ingest.recordings SET hard_delete_at = now() WHERE id = $1`, [id]);
    await eventually(async () => expect((await ada.get(`/recordings/${id}`)).status).toBe(404), { timeoutMs: 60_000, intervalMs: 500 });
  } finally {
    await db.end();
  }
}

export interface PauseWorld extends JourneyWorld {
  /** Process ids of the replicas running media-processing and transcription (the same one in the embedded mode). */
  pids(): { media: number; transcription: number };
}

/** Running processes whose command line satisfies `match`: pid and arguments. */
export function processesWhere(match: (args: string) => boolean): Array<{ pid: number; args: string }> {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2]! }))
    .filter((p) => match(p.args));
}


/** The scratch folders a worker process has in the temp folder for these kinds of work. */
async function scratchFolders(pid: number, kinds: string[]): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => kinds.some((kind) => name.startsWith(`leap-${kind}-${pid}-`)));
}

/**
 * Pause and resume, as a user sees them: a pause while the recording is trimmed stops ffmpeg
 * within a second, leaves no scratch folder, sends the stage back to PENDING and the status back
 * to DOWNLOADED; run resumes it; the same during the transcription with pocketsphinx; the
 * recording then ends READY. Meanwhile a client polling the recording sees each stage's progress
 * only rise, up to 100.
 */
export async function pauseResumeJourney(world: PauseWorld): Promise<void> {
  // Ten minutes of which two are speech: the silence detection decodes it all, the recogniser hears two.
  const lecture = await generateLecture({ dir: world.work, durationSeconds: 600, leadingSilenceSeconds: 240, trailingSilenceSeconds: 240, fileName: 'paused.mp4' });
  const lin = await signUp(world.api, `lin-${Date.now()}@example.org`, world.mail);
  const upload = await lin.upload(lecture.path, 'Paused lecture');
  if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
  const id = upload.body.id as string;

  // A client polling the recording: every progress it sees, per stage and attempt.
  const seen = new Map<string, number[]>();
  // One look at a time, so what the client records is in the order the server answered.
  let queue: Promise<unknown> = Promise.resolve();
  const look = (): Promise<{ status: number; body: any }> => {
    const next = queue.then(lookNow);
    queue = next.catch(() => undefined);
    return next;
  };
  const lookNow = async () => {
    const r = await lin.json(`/recordings/${id}`);
    for (const stage of r.body?.stages ?? []) {
      if (stage.progress === null || stage.progress === undefined) continue;
      const key = `${stage.stage}#${stage.attempt}`;
      const values = seen.get(key) ?? [];
      if (values.at(-1) !== stage.progress) values.push(stage.progress);
      seen.set(key, values);
    }
    return r;
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await look();
      await new Promise((r) => setTimeout(r, 150));
    }
  })();

  const stageOf = async (name: string) => (await look()).body.stages.find((s: any) => s.stage === name);

  /**
   * Waits for the stage's tool to run and the client to see the stage's progress, then pauses.
   * The tool is frozen (SIGSTOP) first, so the stage cannot finish before the pause arrives, as a
   * long recording's would not; the cancellation must still kill it.
   */
  async function pauseWhile(tool: { name: string; kind: string; pid: number; scratch: string[]; freezeAtOnce: boolean }, stage: string): Promise<void> {
    const [child] = await eventually(
      () => {
        const found = processesWhere((args) => args.includes(tool.name) && args.includes(`leap-${tool.kind}-${tool.pid}-`));
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 120_000, intervalMs: 25 },
    );
    if (tool.freezeAtOnce) process.kill(child!.pid, 'SIGSTOP');
    await eventually(async () => expect((await stageOf(stage)).progress).toBeGreaterThan(0), { timeoutMs: 60_000, intervalMs: 100 });
    process.kill(child!.pid, 'SIGSTOP');
    const paused = await lin.json(`/recordings/${id}/pause`, { method: 'POST' });
    const answeredAt = Date.now();
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, status: 'DOWNLOADED', paused: true, stages: [stage] });
    // The tool's process is gone within a second, and so is the job's scratch folder.
    await eventually(() => expect(processIsAlive(child!.pid)).toBe(false), { timeoutMs: 1000, intervalMs: 20 });
    expect(Date.now() - answeredAt).toBeLessThanOrEqual(1000);
    await eventually(async () => expect(await scratchFolders(tool.pid, tool.scratch)).toEqual([]), { timeoutMs: 1000, intervalMs: 20 });
    // What the user sees: the stage waits again, the status rolled back.
    await eventually(async () => {
      const r = await lin.json(`/recordings/${id}`);
      expect(r.body.status).toBe('DOWNLOADED');
      expect(r.body.stages.find((s: any) => s.stage === stage)).toMatchObject({ status: 'PENDING', progress: null });
    }, { timeoutMs: 30_000 });
    expect((await lin.json(`/recordings/${id}/pause`, { method: 'POST' })).body).toMatchObject({ status: 409, code: 'INGEST.NOTHING_TO_PAUSE' });
    const run = await lin.json(`/recordings/${id}/run`, { method: 'POST' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ id, stages: [stage] });
    expect((await lin.json(`/recordings/${id}/run`, { method: 'POST' })).body).toMatchObject({ status: 409, code: 'INGEST.ALREADY_RUNNING' });
  }

  try {
    const { media, transcription } = world.pids();
    // During the trim: ffmpeg, detecting silence in the whole ten minutes.
    await pauseWhile({ name: 'silencedetect', kind: 'trim', pid: media, scratch: ['trim'], freezeAtOnce: true }, 'TRIM');
    // During the transcription: pocketsphinx, recognising the speech.
    await eventually(async () => expect((await stageOf('TRIM')).status).toBe('COMPLETED'), { timeoutMs: 120_000, intervalMs: 200 });
    await pauseWhile({ name: 'pocketsphinx_continuous', kind: 'pocketsphinx', pid: transcription, scratch: ['transcribe', 'pocketsphinx'], freezeAtOnce: false }, 'TRANSCRIBE');

    const recording = await waitUntilReady(lin, id);
    // The client's last look, once READY: what a poll in flight when it came may have missed.
    await look();
    expect(recording.stages.find((s: any) => s.stage === 'TRIM')).toMatchObject({ status: 'COMPLETED', attempt: 2, progress: 100 });
    expect(recording.stages.find((s: any) => s.stage === 'TRANSCRIBE')).toMatchObject({ status: 'COMPLETED', attempt: 2, progress: 100 });
    expect(recording.failed).toBe(false);
  } finally {
    polling = false;
    await poller;
  }
  // Progress only ever rose within an attempt, and went through values between 0 and 100; the
  // attempt that finished ended at 100.
  for (const stage of ['TRIM', 'TRANSCRIBE']) {
    const attempts = [...seen].filter(([key]) => key.startsWith(`${stage}#`));
    expect(attempts.flatMap(([, values]) => values).some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen.get(`${stage}#2`)?.at(-1)).toBe(100);
  }
  for (const [key, values] of seen) expect({ key, values: [...values].sort((a, b) => a - b) }).toEqual({ key, values });
}
