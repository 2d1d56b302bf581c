import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, type RunningProcess } from '@leap/testing';
import { getJson, ROOT, SERVICES } from './support';

/**
 * `npm start`: the seven services in one process with a PostgreSQL from npm, data kept in a
 * folder across restarts, answering readiness on the gateway; Ctrl-C stops it cleanly.
 */
const START: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;

describe('embedded mode', () => {
  let dataDir: string;
  let running: RunningProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leap-embedded-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach the folder
  });
  afterAll(async () => {
    await running?.kill().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(port: number, pgPort: number): Promise<RunningProcess> {
    return startProcess({
      name: 'embedded',
      // Exactly what `npm start` runs, exec'd so that Ctrl-C (SIGINT) reaches the platform itself.
      command: 'sh',
      args: ['-c', `exec ${START}`],
      cwd: ROOT,
      env: { PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), LEAP_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
      readyTimeoutMs: 150_000,
    });
  }

  it('starts all seven services in one process, answers readiness on the gateway, stops on Ctrl-C and keeps its data', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    running = await start(port, pgPort);
    const ready = await getJson(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks).sort()).toEqual(SERVICES.flatMap((s) => [`${s}.broker`, `${s}.database`, `${s}.storage`]).sort());
    expect(Object.values(ready.body.checks).every((c: any) => c.status === 'up')).toBe(true);

    const exit = await running.stop('SIGINT', 30_000);
    expect(exit.code).toBe(0);
    expect(running.output()).toContain('Stopped.');
    running = undefined;
    expect((await stat(join(dataDir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);

    // A second start finds its data and comes up again.
    running = await start(port, pgPort);
    expect((await getJson(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    expect(running.output()).not.toContain('Initialising PostgreSQL');
    await running.stop('SIGINT', 30_000);
    running = undefined;
  }, 300_000);
});
