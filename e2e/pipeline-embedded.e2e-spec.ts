import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMailCatcher, startProcess, type MailCatcher, type RunningProcess } from '@leap/testing';
import { embeddedDatabaseUrl } from '../services/embedded/src/embedded-postgres';
import { lectureJourney } from './journey';
import { ROOT } from './support';

const START: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;

/** The same journey as in the distributed mode, with all seven services in one process (`npm start`). */
describe('a recording through the whole pipeline (embedded)', () => {
  let dataDir: string;
  let platform: RunningProcess | undefined;
  let mail: MailCatcher;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leap-embedded-pipeline-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach the folder
    mail = await startMailCatcher();
  });
  afterAll(async () => {
    await platform?.stop('SIGINT', 30_000).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await mail?.close();
  });

  it('takes a one-minute lecture to READY and deletes it without a trace', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    platform = await startProcess({
      name: 'embedded',
      command: 'sh',
      args: ['-c', `exec ${START}`],
      cwd: ROOT,
      // The gateway's mails (the verification link) go to the catcher, as a developer's would with SMTP_URL set.
      env: { PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), LEAP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
      readyTimeoutMs: 150_000,
    });
    await lectureJourney({
      api: `http://127.0.0.1:${port}/api/v1`,
      work: dataDir,
      storageRoot: join(dataDir, 'storage'),
      exportRoot: join(dataDir, 'exports'),
      databaseUrl: embeddedDatabaseUrl(pgPort),
      mail,
    });
  }, 420_000);
});
