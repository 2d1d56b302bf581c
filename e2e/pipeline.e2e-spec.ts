import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  createPlatformDatabase,
  createTestVhost,
  freePort,
  generateLecture,
  startMailCatcher,
  type MailCatcher,
  type RunningProcess,
  type TestDatabase,
  type TestVhost,
} from '@leap/testing';
import { lectureJourney } from './journey';
import { SERVICES, signUp, startServiceProcess, waitUntilReady } from './support';

/**
 * The walking skeleton in the distributed mode: each of the seven services its own process, on
 * the machine's real PostgreSQL and RabbitMQ.
 */
describe('a recording through the whole pipeline (distributed)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let work: string;
  let mail: MailCatcher;
  const processes = new Map<string, RunningProcess>();
  const env = new Map<string, Record<string, string>>();
  let api = '';

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_pipeline');
    vhost = await createTestVhost('leap_test_pipeline');
    work = await mkdtemp(join(tmpdir(), 'leap-pipeline-'));
    mail = await startMailCatcher();
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
    await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        if (name === 'gateway') api = `http://127.0.0.1:${port}/api/v1`;
        const serviceEnv: Record<string, string> = { ...common, PORT: String(port) };
        if (name === 'gateway') Object.assign(serviceEnv, { SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
        env.set(name, serviceEnv);
        processes.set(name, await startServiceProcess(name, serviceEnv));
      }),
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    await mail?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('takes a one-minute lecture to READY with a trimmed video, transcript, subtitles and an export, and deletes it without a trace', async () => {
    await lectureJourney({ api, work, storageRoot: join(work, 'storage'), exportRoot: join(work, 'exports'), databaseUrl: db.url, mail });
  }, 360_000);

  it('still ends READY, each stage done once, when media-processing is killed while it trims', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 240, leadingSilenceSeconds: 8, trailingSilenceSeconds: 8, fileName: 'long.mp4' });
    const grace = await signUp(api, 'grace@example.org', mail);
    const media = processes.get('media-processing')!;
    const upload = await grace.upload(lecture.path, 'Interrupted lecture');
    expect(upload.status).toBe(202);
    const id = upload.body.id as string;

    await media.waitForLine((line) => line.includes(`trimming recording ${id}`), 120_000);
    await media.kill(); // SIGKILL: no ack, no cleanup, the transaction dies with the connection
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const trimmedEvents = async () =>
        (await client.query(`SELECT count(*)::int AS n FROM media_processing.outbox WHERE aggregate_id = $1 AND routing_key = 'media.recording.trimmed.v1'`, [id])).rows[0].n as number;
      expect(await trimmedEvents()).toBe(0);
      const during = await grace.json(`/recordings/${id}`);
      expect(during.body.stages.find((s: any) => s.stage === 'TRIM').status).toBe('IN_PROGRESS');

      processes.set('media-processing', await startServiceProcess('media-processing', env.get('media-processing')!));
      const recording = await waitUntilReady(grace, id);
      const trim = recording.stages.find((s: any) => s.stage === 'TRIM');
      expect(trim).toMatchObject({ status: 'COMPLETED', attempt: 1 });
      expect(await trimmedEvents()).toBe(1);
      for (const stage of recording.stages) expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
      const commands = (await client.query(`SELECT routing_key, count(*)::int AS n FROM ingest.outbox WHERE aggregate_id = $1 AND routing_key LIKE '%.v1' AND exchange LIKE '%.commands' GROUP BY routing_key ORDER BY routing_key`, [id])).rows;
      for (const row of commands) expect(row.n).toBe(1);
    } finally {
      await client.end();
    }
  }, 480_000);
});
