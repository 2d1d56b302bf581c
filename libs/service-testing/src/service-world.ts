import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService, type ServiceDefinition } from '@leap/platform';
import { createPlatformDatabase, createTestVhost, TEST_REQUEST_TIMEOUTS, type TestDatabase, type TestVhost } from '@leap/testing';

/**
 * One integration test file's world: a database cloned from the platform template, a vhost, a
 * local object store in a temp folder, and the services the test starts in-process on them.
 * `close()` stops the services in reverse order and removes everything.
 */
export interface ServiceWorld {
  db: TestDatabase;
  vhost: TestVhost;
  storageRoot: string;
  /** What every service of this world is started with (extra keys per `start` call override it). */
  env: Record<string, string>;
  start(definition: ServiceDefinition, options?: { env?: Record<string, string>; http?: boolean }): Promise<RunningService>;
  /** A temp folder removed by `close()`. */
  tempDir(prefix: string): Promise<string>;
  close(): Promise<void>;
}

export async function createServiceWorld(name: string, env: Record<string, string> = {}): Promise<ServiceWorld> {
  const prefix = `leap_test_${name.replace(/[^a-z0-9_]/g, '_')}`;
  const [db, vhost] = await Promise.all([createPlatformDatabase(prefix), createTestVhost(prefix)]);
  const folders: string[] = [];
  const tempDir = async (folder: string) => {
    const path = await mkdtemp(join(tmpdir(), `leap-${folder}-`));
    folders.push(path);
    return path;
  };
  const storageRoot = await tempDir(`${name}-store`);
  const running: RunningService[] = [];
  const worldEnv: Record<string, string> = {
    DATABASE_URL: db.url,
    RABBITMQ_URL: vhost.url,
    LOG_LEVEL: 'error',
    MESSAGING_RETRY_TIERS: '100ms',
    JOBS_MAX_ATTEMPTS: '2',
    JOBS_RETRY_BACKOFF: '100ms',
    JOBS_RETRY_BACKOFF_MAX: '200ms',
    JOBS_POLL_INTERVAL: '200ms',
    STORAGE_BACKEND: 'local',
    STORAGE_LOCAL_ROOT: storageRoot,
    ...TEST_REQUEST_TIMEOUTS,
    ...env,
  };
  return {
    db,
    vhost,
    storageRoot,
    env: worldEnv,
    tempDir,
    async start(definition, options = {}) {
      const service = await startService(definition, { env: { ...worldEnv, ...options.env }, http: options.http ?? false });
      running.push(service);
      return service;
    },
    async close() {
      for (const service of running.reverse()) await service.close().catch(() => undefined);
      await vhost.drop().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
    },
  };
}
