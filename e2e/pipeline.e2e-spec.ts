import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, freePort, generateLecture, startFakeS3, type FakeS3, type MailCatcher, type RunningProcess } from '@leap/testing';
import { lectureJourney, pauseResumeJourney, processesWhere } from './journey';
import { signUp, startDistributedPlatform, startServiceProcess, waitUntilReady, type DistributedPlatform, type ServiceName } from './support';

const LEASE_MS = 4000;
const BUCKET = 'leap';
const S3_PREFIX = 'leap-e2e';

/**
 * The walking skeleton in the distributed mode: each of the seven services its own process, on
 * the machine's real PostgreSQL and RabbitMQ, storing in S3 as production does (the fake S3
 * server of @leap/testing on localhost, Signature V4 checked, path-style, a key prefix).
 */
describe('a recording through the whole pipeline (distributed)', () => {
  let platform: DistributedPlatform;
  let work: string;
  let mail: MailCatcher;
  let s3: FakeS3;
  let processes: Map<ServiceName, RunningProcess>;
  let env: Map<ServiceName, Record<string, string>>;
  let db: { url: string };
  let api = '';

  beforeAll(async () => {
    s3 = await startFakeS3({ buckets: [BUCKET] });
    platform = await startDistributedPlatform('pipeline', {
      common: {
        STORAGE_BACKEND: 's3',
        S3_BUCKET: BUCKET,
        S3_REGION: s3.region,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
        S3_PREFIX,
        // A killed worker's job is taken over once its lease lapses.
        JOBS_LEASE: `${LEASE_MS}ms`,
        // The journey moves a deleted recording's dates to now; the retention sweep then finds it at once.
        RETENTION_SWEEP_INTERVAL: '1s',
      },
    });
    ({ api, work, mail, processes, env, db } = platform);
  }, 300_000);

  afterAll(async () => {
    await platform?.close();
    await s3?.close();
  });

  /** Keys in the bucket under `prefix`, behind S3_PREFIX, as the services name them. */
  const bucketKeys = async (prefix: string) =>
    s3.keys(BUCKET).filter((k) => k.startsWith(`${S3_PREFIX}/${prefix}`)).map((k) => k.slice(S3_PREFIX.length + 1));

  it('takes a one-minute lecture to READY with a trimmed video, transcript, subtitles and an export, all in the S3 bucket, and deletes it without a trace', async () => {
    await lectureJourney({ api, work, storageRoot: join(work, 'storage'), storedKeys: bucketKeys, exportRoot: join(work, 'exports'), databaseUrl: db.url, mail });
  }, 360_000);

  it('still ends READY, each stage done once, when the media-processing replica running the trim is killed', async () => {
    // Four minutes of which one is speech: the trim decodes all four, the recogniser hears one.
    const lecture = await generateLecture({ dir: work, durationSeconds: 240, leadingSilenceSeconds: 90, trailingSilenceSeconds: 90, fileName: 'long.mp4' });
    const grace = await signUp(api, 'grace@example.org', mail);
    // A second replica of media-processing competes for the same jobs.
    const spareEnv = { ...env.get('media-processing')!, PORT: String(await freePort()) };
    const spare = await startServiceProcess('media-processing', spareEnv);
    const replicas = [processes.get('media-processing')!, spare];
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const upload = await grace.upload(lecture.path, 'Interrupted lecture');
      expect(upload.status).toBe(202);
      const id = upload.body.id as string;
      const jobOf = async () =>
        (await client.query(`SELECT state, attempts, lease_owner, finished_at FROM media_processing.jobs WHERE subject = $1 AND kind = 'media.trim'`, [id])).rows[0];
      const trimmedEvents = async () =>
        (await client.query(`SELECT count(*)::int AS n FROM media_processing.outbox WHERE aggregate_id = $1 AND routing_key = 'media.recording.trimmed.v1'`, [id])).rows[0].n as number;

      const running = await eventually(async () => {
        const job = await jobOf();
        expect(job?.state).toBe('running');
        return job;
      }, { timeoutMs: 120_000, intervalMs: 50 });
      const victim = replicas.find((p) => running.lease_owner.endsWith(`:${p.pid}`))!;
      expect(victim).toBeDefined();
      const survivor = replicas.find((p) => p !== victim)!;
      await victim.waitForLine((line) => line.includes(`trimming recording ${id}`), 60_000);
      // The read model shows the stage running before anything happens to it.
      await eventually(async () => {
        const during = await grace.json(`/recordings/${id}`);
        expect(during.body.stages.find((s: any) => s.stage === 'TRIM').status).toBe('IN_PROGRESS');
      }, { timeoutMs: 30_000 });

      // Its ffmpeg is frozen first, so the trim cannot finish before the kill lands, as a long
      // recording's would not.
      const [tool] = await eventually(() => {
        const found = processesWhere((args) => args.includes('ffmpeg') && args.includes(`leap-trim-${victim.pid}-`));
        expect(found).toHaveLength(1);
        return found;
      }, { timeoutMs: 60_000, intervalMs: 20 });
      process.kill(tool!.pid, 'SIGSTOP');
      const killedAt = Date.now();
      await victim.kill(); // SIGKILL to the process group: no heartbeat, no cleanup, ffmpeg dies with it
      expect(await trimmedEvents()).toBe(0);
      // The survivor takes the job over once the lease lapses: within the lease plus a few seconds.
      const takenOver = await eventually(async () => {
        const job = await jobOf();
        expect(job.lease_owner?.endsWith(`:${survivor.pid}`) || job.state === 'completed').toBe(true);
        return Date.now();
      }, { timeoutMs: LEASE_MS + 30_000, intervalMs: 100 });
      expect(takenOver - killedAt).toBeLessThan(LEASE_MS + 5_000);
      if (victim === processes.get('media-processing')) processes.set('media-processing', survivor);

      const recording = await waitUntilReady(grace, id);
      const trim = recording.stages.find((s: any) => s.stage === 'TRIM');
      expect(trim).toMatchObject({ status: 'COMPLETED', attempt: 1 });
      expect(await trimmedEvents()).toBe(1);
      expect(await jobOf()).toMatchObject({ state: 'completed', attempts: 2 });
      for (const stage of recording.stages) expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
      const commands = (await client.query(`SELECT routing_key, count(*)::int AS n FROM ingest.outbox WHERE aggregate_id = $1 AND routing_key LIKE '%.v1' AND exchange LIKE '%.commands' GROUP BY routing_key ORDER BY routing_key`, [id])).rows;
      // Every stage's command went out exactly once, the killed trim's included.
      expect(commands).toEqual([
        { routing_key: 'media.recording.trim.v1', n: 1 },
        { routing_key: 'publishing.recording.publish.v1', n: 1 },
        { routing_key: 'transcription.recording.transcribe.v1', n: 1 },
        { routing_key: 'transcription.subtitles.generate.v1', n: 1 },
        { routing_key: 'transcription.topics.extract.v1', n: 1 },
      ]);
    } finally {
      await client.end();
      if (spare !== processes.get('media-processing')) await spare.stop('SIGTERM', 15_000).catch(() => undefined);
    }
  }, 480_000);

  it('pauses a trim and a transcription, stopping their processes, and resumes both to READY', async () => {
    await pauseResumeJourney({
      api,
      work,
      storageRoot: join(work, 'storage'),
      exportRoot: join(work, 'exports'),
      databaseUrl: db.url,
      mail,
      pids: () => ({ media: processes.get('media-processing')!.pid, transcription: processes.get('transcription')!.pid }),
    });
  }, 480_000);
});
