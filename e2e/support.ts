import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, TEST_REQUEST_TIMEOUTS, type MailCatcher, type RunningProcess } from '@leap/testing';

export const ROOT = join(__dirname, '..');
export const SERVICES = ['storage', 'quota', 'media-processing', 'transcription', 'publishing', 'ingest', 'gateway'] as const;

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
