import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPlatformDatabase,
  createTestVhost,
  freePort,
  startMailCatcher,
  startProcess,
  TEST_REQUEST_TIMEOUTS,
  type MailCatcher,
  type RunningProcess,
  type TestDatabase,
  type TestVhost,
} from '@leap/testing';

export const ROOT = join(__dirname, '..');
export const SERVICES = ['storage', 'quota', 'media-processing', 'transcription', 'publishing', 'ingest', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Every service as its own process, on a database and a broker vhost of their own. */
export interface DistributedPlatform {
  /** The gateway's API root, `http://127.0.0.1:<port>/api/v1`. */
  api: string;
  /** A folder of the platform's own: `storage/`, `exports/` and `downloads/` are in it; a test may put its fixtures there. */
  work: string;
  /** The gateway's SMTP server (verification mails). */
  mail: MailCatcher;
  db: TestDatabase;
  vhost: TestVhost;
  processes: Map<ServiceName, RunningProcess>;
  /** The settings each service was started with (to start another replica like it). */
  env: Map<ServiceName, Record<string, string>>;
  /** Stops every process (SIGTERM) and removes the database, the vhost and the folder. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Settings every service gets, over the shared ones. */
  common?: Record<string, string>;
  /** Settings of one service each, beside the shared ones (database, broker, storage, exports, keyrings); `work` is the platform's folder. */
  env?: (work: string) => Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * Starts the whole platform, one process per service (`npm run start:service` each), named
 * `name` (its database and vhost are `leap_test_<name>`): local storage and exports in its own
 * folder, ingest's downloads there too, quick messaging retries, fixed test keyrings, and the
 * gateway mailing through a mail catcher.
 */
export async function startDistributedPlatform(name: string, options: PlatformOptions = {}): Promise<DistributedPlatform> {
  const db = await createPlatformDatabase(`leap_test_${name}`);
  const vhost = await createTestVhost(`leap_test_${name}`);
  const work = await mkdtemp(join(tmpdir(), `leap-${name.replace(/_/g, '-')}-`));
  // Readable by the tools the services run (ffmpeg, yt-dlp), whoever they run as.
  await chmod(work, 0o755);
  const mail = await startMailCatcher();
  const processes = new Map<ServiceName, RunningProcess>();
  const envs = new Map<ServiceName, Record<string, string>>();
  const common = {
    DATABASE_URL: db.url,
    RABBITMQ_URL: vhost.url,
    JWT_SECRET: `${name}-test-secret-that-is-long-enough-for-hs256`,
    STORAGE_BACKEND: 'local',
    STORAGE_LOCAL_ROOT: join(work, 'storage'),
    EXPORT_ROOT: join(work, 'exports'),
    MESSAGING_RETRY_TIERS: '1s,2s',
    CREDENTIALS_TRANSIT_KEYRING: `t1:${'3'.repeat(64)}`,
    ...options.common,
  };
  const own = options.env?.(work) ?? {};
  let api = '';
  const close = async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost.drop().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await mail.close();
    await rm(work, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      SERVICES.map(async (service) => {
        const port = await freePort();
        const env: Record<string, string> = { ...common, PORT: String(port) };
        if (service === 'gateway') {
          api = `http://127.0.0.1:${port}/api/v1`;
          Object.assign(env, { SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
        }
        if (service === 'ingest') Object.assign(env, { CREDENTIALS_KEYRING: `k1:${'4'.repeat(64)}`, INGEST_DOWNLOAD_DIR: join(work, 'downloads') });
        Object.assign(env, own[service]);
        envs.set(service, env);
        processes.set(service, await startServiceProcess(service, env));
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { api, work, mail, db, vhost, processes, env: envs, close };
}

/** An ISO BMFF `free` box of `size` bytes: players and ffprobe skip it (it takes a lecture past Zoom's blank rule). */
export function freeBox(size: number): Buffer {
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write('free', 4, 'ascii');
  return box;
}

/** Runs one service as its own process, exactly as `npm run start:service -- <name>` does. */
export async function startServiceProcess(name: string, env: Record<string, string>, readyTimeoutMs = 90_000): Promise<RunningProcess> {
  const child = await startProcess({
    name,
    command: process.execPath,
    args: ['-r', '@swc-node/register', join(ROOT, 'services', name, 'src', 'main.ts')],
    cwd: ROOT,
    env: { NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...TEST_REQUEST_TIMEOUTS, ...env },
    readyUrl: `http://127.0.0.1:${env.PORT}/health/ready`,
    readyTimeoutMs,
  });
  // The answer must come from this process, not from something else on the same port.
  const live = await getJson(`http://127.0.0.1:${env.PORT}/health/live`);
  if (live.body?.service !== name || !child.isRunning()) {
    await child.kill();
    throw new Error(`${name} did not come up on port ${env.PORT} (it answered ${JSON.stringify(live.body)}):\n${child.output()}`);
  }
  return child;
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export interface ApiClient {
  token: string;
  json(path: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  get(path: string): Promise<Response>;
  upload(file: string, title: string): Promise<{ status: number; body: any }>;
}

/**
 * Registers a user, follows the link of the verification mail (caught by `mail`, the gateway's
 * SMTP_URL) and logs in; the client then speaks for that user.
 */
export async function signUp(api: string, email: string, mail: MailCatcher, password = 'Correct horse battery 1'): Promise<ApiClient> {
  const call = async (path: string, init: RequestInit = {}, token?: string) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const res = await fetch(`${api}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const registered = await call('/auth/register', { method: 'POST', body: JSON.stringify({ email, password }) });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const verification = await mail.waitFor({ to: email, subject: 'Confirm your email address' }, 30_000);
  const verified = await fetch(verification.links[0]!);
  if (verified.status !== 200) throw new Error(`the verification link answered ${verified.status}: ${await verified.text()}`);
  const login = await call('/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  const token = login.body.accessToken as string;
  return {
    token,
    json: (path, init) => call(path, init, token),
    get: (path) => fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    upload: async (file, title) => {
      const form = new FormData();
      form.append('title', title);
      form.append('file', new Blob([readFileSync(file)], { type: 'video/mp4' }), 'lecture.mp4');
      const res = await fetch(`${api}/recordings`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() };
    },
  };
}

/** Waits until the recording is READY (failing fast if it fails) and returns its detail. */
export async function waitUntilReady(client: ApiClient, id: string, timeoutMs = 240_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const r = await client.json(`/recordings/${id}`);
    if (r.body?.failed) throw new Error(`recording ${id} failed: ${JSON.stringify(r.body)}`);
    if (r.body?.status === 'READY') return r.body;
    if (Date.now() - started > timeoutMs) throw new Error(`recording ${id} not READY after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
