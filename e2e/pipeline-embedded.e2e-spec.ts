import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startFakeS3, startMailCatcher, startProcess, type FakeS3, type MailCatcher, type RunningProcess } from '@leap/testing';
import { embeddedDatabaseUrl } from '../services/embedded/src/embedded-postgres';
import { lectureJourney, pauseResumeJourney } from './journey';
import { ROOT } from './support';

const START: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;

/**
 * The same journey as in the distributed mode, with all seven services in one process (`npm start`):
 * on local disk, the embedded default, then once more after a restart with `STORAGE_BACKEND=s3`
 * against the fake S3 server of @leap/testing on localhost.
 */
describe('a recording through the whole pipeline (embedded)', () => {
  let dataDir: string;
  let platform: RunningProcess | undefined;
  let mail: MailCatcher;
  let s3: FakeS3 | undefined;
  let api = '';
  let port = 0;
  let pgPort = 0;

  function start(env: Record<string, string> = {}): Promise<RunningProcess> {
    return startProcess({
      name: 'embedded',
      command: 'sh',
      args: ['-c', `exec ${START}`],
      cwd: ROOT,
      // The gateway's mails (the verification link) go to the catcher, as a developer's would with SMTP_URL set.
      env: { PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), LEAP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, RETENTION_SWEEP_INTERVAL: '1s', ...env },
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
      readyTimeoutMs: 150_000,
    });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leap-embedded-pipeline-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach the folder
    mail = await startMailCatcher();
  });
  afterAll(async () => {
    await platform?.stop('SIGINT', 30_000).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await mail?.close();
    await s3?.close();
  });

  it('takes a one-minute lecture to READY and deletes it without a trace', async () => {
    port = await freePort();
    pgPort = await freePort();
    api = `http://127.0.0.1:${port}/api/v1`;
    platform = await start();
    await lectureJourney({
      api,
      work: dataDir,
      storageRoot: join(dataDir, 'storage'),
      exportRoot: join(dataDir, 'exports'),
      databaseUrl: embeddedDatabaseUrl(pgPort),
      mail,
    });
  }, 420_000);

  it('pauses a trim and a transcription, stopping their processes, and resumes both to READY', async () => {
    await pauseResumeJourney({
      api,
      work: dataDir,
      storageRoot: join(dataDir, 'storage'),
      exportRoot: join(dataDir, 'exports'),
      databaseUrl: embeddedDatabaseUrl(pgPort),
      mail,
      pids: () => ({ media: platform!.pid, transcription: platform!.pid }),
    });
  }, 420_000);

  it('takes a lecture to READY with STORAGE_BACKEND=s3, every object in the bucket under the documented keys, and deletes them', async () => {
    s3 = await startFakeS3({ buckets: ['leap'] });
    const fake = s3;
    // The same data folder: the restart finds its database and only the store changes.
    await platform!.stop('SIGINT', 30_000);
    platform = await start({
      STORAGE_BACKEND: 's3',
      S3_BUCKET: 'leap',
      S3_REGION: fake.region,
      S3_ENDPOINT: fake.endpoint,
      S3_ACCESS_KEY_ID: fake.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'embedded',
    });
    await lectureJourney({
      api,
      work: dataDir,
      storageRoot: join(dataDir, 'storage'),
      storedKeys: async (prefix) => fake.keys('leap').filter((k) => k.startsWith(`embedded/${prefix}`)).map((k) => k.slice('embedded/'.length)),
      exportRoot: join(dataDir, 'exports'),
      databaseUrl: embeddedDatabaseUrl(pgPort),
      mail,
    });
  }, 420_000);
});
