import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { Upload, type HttpRequest } from 'tus-js-client';
import { ingestService } from '@leap/ingest-service';
import { quotaService } from '@leap/quota-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys } from '@leap/storage-client';
import { eventually, freePort, type RunningProcess } from '@leap/testing';
import { startServiceProcess } from './support';

/** A few hundred MB: a real two-second MP4 followed by an ISO-BMFF `free` box (a sparse file, so it costs no disk). */
const SIZE = 300 * 1024 * 1024;
const MiB = 1024 * 1024;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
  return hash.digest('hex');
}

/** The clip, padded to `size` bytes with a `free` box: still a valid MP4 container, with its `ftyp` first. */
async function paddedLecture(dir: string, size: number): Promise<string> {
  const path = join(dir, 'lecture.mp4');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120', '-f', 'lavfi', '-i', 'sine=d=2', '-shortest', '-y', path]);
  const pad = size - (await stat(path)).size;
  const box = Buffer.alloc(8);
  box.writeUInt32BE(pad, 0);
  box.write('free', 4, 'latin1');
  await appendFile(path, box);
  await truncate(path, size);
  return path;
}

/**
 * A large upload through tus-js-client, paused, carried over a gateway restart (the gateway is its
 * own process, killed and started again) and resumed where it stopped: one recording, byte for
 * byte, which ingest takes into the pipeline. And an upload left unfinished is gone after its
 * expiry, with its bytes and its quota.
 */
describe('a resumable upload across a gateway restart (tus-js-client)', () => {
  let world: ServiceWorld;
  let db: Client;
  let gateway: RunningProcess | undefined;
  let port: number;
  let uploadsDir: string;
  let file: string;
  let token: string;
  let userId: string;
  const api = () => `http://127.0.0.1:${port}/api/v1`;

  const startGateway = async (env: Record<string, string> = {}) => {
    gateway = await startServiceProcess('gateway', {
      ...world.env,
      PORT: String(port),
      JWT_SECRET: 'resumable-upload-secret-that-is-long-enough',
      AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_PASSES: '1',
      RATE_LIMIT_USER: '100000',
      RATE_LIMIT_ANONYMOUS: '100000',
      OUTBOX_POLL_INTERVAL_MS: '200',
      UPLOAD_MAX_BYTES: '1GiB',
      UPLOAD_RESUMABLE_DIR: uploadsDir,
      LOG_LEVEL: 'warn',
      ...env,
    });
  };

  const json = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const response = await fetch(`${api()}${path}`, { ...init, headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  const head = (location: string) =>
    fetch(new URL(location, api()), { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });

  beforeAll(async () => {
    world = await createServiceWorld('tus_e2e', { DATABASE_POOL_SIZE: '4', OUTBOX_POLL_INTERVAL_MS: '200' });
    db = new Client({ connectionString: world.db.url });
    await db.connect();
    await world.start(quotaService);
    await world.start(ingestService);
    uploadsDir = await world.tempDir('tus-e2e-uploads');
    file = await paddedLecture(await world.tempDir('tus-e2e-source'), SIZE);
    port = await freePort();
    await startGateway();
    const credentials = JSON.stringify({ email: 'resume@example.org', password: 'Correct horse battery 1' });
    expect((await json('/auth/register', { method: 'POST', body: credentials })).status).toBe(201);
    const login = await json('/auth/login', { method: 'POST', body: credentials });
    token = login.body.accessToken;
    userId = (await json('/users/me')).body.id;
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM', 15_000).catch(() => undefined);
    await db?.end().catch(() => undefined);
    await world?.close();
  });

  it('pauses a 300 MB upload, survives the gateway being killed, resumes where it stopped, and ends as one recording with the same bytes', async () => {
    const checksum = await sha256Of(file);
    const options = {
      endpoint: `${api()}/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: 'lecture.mp4', filetype: 'video/mp4', title: 'Resumed lecture' },
      chunkSize: 32 * MiB,
      retryDelays: null,
    };

    // First half: paused once a good part has arrived.
    let paused!: () => void;
    let failed!: (error: Error) => void;
    let pausing = false;
    const pausedAt = new Promise<void>((resolve, reject) => {
      paused = resolve;
      failed = reject;
    });
    const first: Upload = new Upload(createReadStream(file), {
      ...options,
      onProgress: (sent) => {
        if (sent >= SIZE * 0.4 && !pausing) {
          pausing = true;
          void first.abort().then(paused);
        }
      },
      onError: failed,
    });
    first.start();
    await pausedAt;
    const location = first.url!;
    expect(location).toMatch(/\/api\/v1\/uploads\/[0-9a-f-]{36}$/);

    // The gateway dies (no graceful shutdown), and comes back.
    await gateway!.kill();
    await startGateway();
    const standing = await head(location);
    expect(standing.status).toBe(200);
    const offset = Number(standing.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(SIZE);

    // Second half: the same upload, from where the server stands.
    const patchOffsets: number[] = [];
    const recordingId = await new Promise<string>((resolve, reject) => {
      const second = new Upload(createReadStream(file), {
        ...options,
        uploadUrl: location,
        onBeforeRequest: (request: HttpRequest) => {
          if (request.getMethod() === 'PATCH') patchOffsets.push(Number(request.getHeader('Upload-Offset')));
        },
        onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader('Leap-Recording-Id') ?? ''),
        onError: reject,
      });
      second.start();
    });
    expect(patchOffsets[0]).toBe(offset);
    expect(recordingId).toMatch(/^[0-9a-f-]{36}$/);

    // One recording, byte for byte, and nothing left of the upload but its finished row.
    const list = await json('/recordings');
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([recordingId]);
    expect(list.body.items[0]).toMatchObject({ title: 'Resumed lecture', sizeBytes: SIZE, contentType: 'video/mp4' });
    const stored = join(world.storageRoot, storageKeys.source(userId, recordingId, 'mp4'));
    expect((await stat(stored)).size).toBe(SIZE);
    expect(await sha256Of(stored)).toBe(checksum);
    expect(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', stored], { encoding: 'utf8' })).toContain('mp4');
    expect(await readdir(uploadsDir)).toEqual([]);

    // Ingest has it, and the pipeline takes it from there.
    const registered = await eventually(async () => {
      const rows = (await db.query(`SELECT status, source_key FROM ingest.recordings WHERE id = $1`, [recordingId])).rows;
      expect(rows).toHaveLength(1);
      return rows[0];
    }, { timeoutMs: 60_000 });
    expect(registered.source_key).toBe(storageKeys.source(userId, recordingId, 'mp4'));
    await eventually(async () => expect((await json(`/recordings/${recordingId}`)).body.status).not.toBe('INITIALIZED'), { timeoutMs: 60_000 });
    const reservation = (await db.query(`SELECT status FROM quota.reservations WHERE idempotency_key LIKE 'tus:%'`)).rows;
    expect(reservation.map((r) => r.status)).toEqual(['committed']);
  }, 600_000);

  it('removes an abandoned upload after its expiry: no bytes, no row, and its quota given back', async () => {
    await gateway!.stop('SIGTERM', 15_000);
    await startGateway({ UPLOAD_RESUMABLE_EXPIRY: '3s', UPLOAD_RESUMABLE_SWEEP_INTERVAL: '1s' });
    const created = await fetch(`${api()}/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(64 * MiB),
        'upload-metadata': `filename ${Buffer.from('abandoned.mp4').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    const source = await open(file, 'r');
    const firstBytes = Buffer.alloc(MiB);
    await source.read(firstBytes, 0, MiB, 0).finally(() => source.close());
    const patched = await fetch(new URL(location, api()), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: firstBytes,
    });
    expect(patched.status).toBe(204);
    expect(await readdir(uploadsDir)).toEqual([id]);

    await eventually(async () => expect((await head(location)).status).toBe(404), { timeoutMs: 60_000, intervalMs: 500 });
    expect(await readdir(uploadsDir)).toEqual([]);
    expect((await db.query(`SELECT id FROM gateway.resumable_uploads WHERE id = $1`, [id])).rows).toEqual([]);
    await eventually(
      async () => expect((await db.query(`SELECT status FROM quota.reservations WHERE idempotency_key = $1`, [`tus:${id}`])).rows).toEqual([{ status: 'released' }]),
      { timeoutMs: 30_000 },
    );
    expect((await json('/recordings')).body.total).toBe(1);
  }, 300_000);
});
