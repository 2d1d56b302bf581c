import { join } from 'node:path';
import { startProcess, type RunningProcess } from '@leap/testing';

export const ROOT = join(__dirname, '..');
export const SERVICES = ['storage', 'quota', 'media-processing', 'transcription', 'publishing', 'ingest', 'gateway'] as const;

/** Runs one service as its own process, exactly as `npm run start:service -- <name>` does. */
export function startServiceProcess(name: string, env: Record<string, string>, readyTimeoutMs = 90_000): Promise<RunningProcess> {
  return startProcess({
    name,
    command: process.execPath,
    args: ['-r', '@swc-node/register', join(ROOT, 'services', name, 'src', 'main.ts')],
    cwd: ROOT,
    env: { NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    readyUrl: `http://127.0.0.1:${env.PORT}/health/ready`,
    readyTimeoutMs,
  });
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}
