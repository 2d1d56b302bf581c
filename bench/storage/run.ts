/**
 * Storage benchmark (`npm run bench:storage`). See docs/performance.md for the figures.
 *
 * On each backend (local disk; S3 = the fake S3 server of @leap/testing in its own process, on
 * this machine's disk), with an object of BENCH_STORAGE_BYTES (default 1 GiB):
 *   floor     a plain copy of the file on the same disk: `cp`, and a streamed copy in Node
 *             (read stream piped to a write stream); the faster is the floor.
 *   upload    the file streamed through the storage client (`put` of a read stream: SHA-256 while
 *             it streams, a temp file renamed into place or a multipart upload).
 *   download  the object streamed from the storage client into a file on the same disk.
 *   gateway   the file uploaded by curl (a process of its own) to `POST /api/v1/recordings` of a
 *             gateway in this process (on the machine's PostgreSQL and RabbitMQ, quota granted by
 *             a stand-in), from the request to the 202.
 * For each: MiB/s, and the peak growth of this process's resident memory over its size before.
 *
 * Targets: through the storage client on local disk at least 80 % of the copy floor; memory flat
 * (peak growth under 128 MiB while 1 GiB moves, whatever the backend).
 *
 * Environment (optional): BENCH_STORAGE_BYTES, BENCH_STORAGE_DIR (a folder on the disk to measure;
 * default the OS temp folder), BENCH_STORAGE_ONLY (`floor,client,gateway`, the parts to run).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore, S3ObjectStore, storageKeys, type ObjectStore } from '@leap/storage-client';
import { ensurePlatformTemplate, PLATFORM_TEMPLATE_ENV, startProcess, type RunningProcess } from '@leap/testing';
import { platformRegistry } from '../../scripts/jest/platform-registry';
import { gatewayTestEnv, quotaStandIn, startGateway, TEST_PASSWORD } from '../../services/gateway/src/testing';

const MiB = 1024 * 1024;
const BYTES = Number(process.env.BENCH_STORAGE_BYTES ?? 1024 * MiB);
const FLAT_LIMIT = 128 * MiB;
const FLOOR_SHARE = 0.8;
/** Which parts run: `floor`, `client`, `gateway` (all by default). */
const ONLY = new Set((process.env.BENCH_STORAGE_ONLY ?? 'floor,client,gateway').split(',').map((s) => s.trim()));

interface Figure {
  what: string;
  backend: string;
  seconds: number;
  mibPerSecond: number;
  peakRssGrowth: number;
  peakBuffers: number;
}

/** Runs `work`, sampling this process's RSS every 10 ms: seconds taken and the peak growth. */
async function measure(work: () => Promise<void>): Promise<{ seconds: number; peakRssGrowth: number; peakBuffers: number }> {
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  let peakBuffers = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers);
  }, 10);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return { seconds: (performance.now() - started) / 1000, peakRssGrowth: peak - base, peakBuffers };
}

/** A file of `bytes` that the upload route takes for an MP4 (an `ftyp` box first), the rest random 1 MiB blocks. */
async function makeSource(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const head = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]);
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < MiB; i += 4) block.writeUInt32LE((Math.random() * 0x100000000) >>> 0, i);
    await file.write(head);
    let written = head.length;
    while (written < bytes) {
      const n = Math.min(MiB, bytes - written);
      await file.write(block, 0, n);
      written += n;
    }
  } finally {
    await file.close();
  }
}

const dropCaches = () => {
  // Only root can; without it every run reads a warm page cache alike, which is stated in the output.
  try {
    execFileSync('sh', ['-c', 'sync; echo 1 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env.BENCH_STORAGE_DIR ?? tmpdir(), 'leap-bench-storage-'));
  const figures: Figure[] = [];
  const record = (what: string, backend: string, m: { seconds: number; peakRssGrowth: number; peakBuffers: number }) => {
    const figure = { what, backend, ...m, mibPerSecond: BYTES / MiB / m.seconds };
    figures.push(figure);
    process.stdout.write(`${what.padEnd(28)} ${backend.padEnd(6)} ${figure.mibPerSecond.toFixed(0).padStart(6)} MiB/s  ${m.seconds.toFixed(2).padStart(7)} s  peak RSS +${(m.peakRssGrowth / MiB).toFixed(0)} MiB (buffers ${(m.peakBuffers / MiB).toFixed(0)} MiB)\n`);
  };
  let fake: RunningProcess | undefined;
  let world: ServiceWorld | undefined;
  try {
    const source = join(dir, 'source.mp4');
    await makeSource(source, BYTES);
    const cold = dropCaches();
    process.stdout.write(`object ${(BYTES / MiB).toFixed(0)} MiB in ${dir}; page cache ${cold ? 'dropped before each step' : 'not dropped (not root): reads may come from memory'}; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`);

    // The floor: a plain copy on the same disk.
    if (ONLY.has('floor')) {
    dropCaches();
    record('copy floor: cp', 'disk', await measure(async () => void execFileSync('cp', [source, join(dir, 'copy-cp')])));
    await rm(join(dir, 'copy-cp'));
    dropCaches();
    record('copy floor: stream copy', 'disk', await measure(() => pipeline(createReadStream(source, { highWaterMark: MiB }), createWriteStream(join(dir, 'copy-stream')))));
    await rm(join(dir, 'copy-stream'));
    }
    const floor = Math.max(0, ...figures.map((f) => f.mibPerSecond));

    // The S3 side: the fake server in its own process.
    fake = await startProcess({ name: 'fake-s3', command: process.execPath, args: ['-r', '@swc-node/register', join(__dirname, 'fake-s3-server.ts')], cwd: join(__dirname, '..', '..'), readyWhen: (line) => line.startsWith('{"endpoint"'), readyTimeoutMs: 60_000 });
    const s3 = JSON.parse(fake.lines().find((l) => l.startsWith('{"endpoint"'))!);
    const stores: [string, ObjectStore][] = [
      ['local', new LocalObjectStore(join(dir, 'store'))],
      ['s3', new S3ObjectStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true })],
    ];
    for (const [backend, store] of ONLY.has('client') ? stores : []) {
      const key = storageKeys.source('bench-user', `bench-${backend}`, 'mp4');
      dropCaches();
      record('storage client upload', backend, await measure(async () => void (await store.put(key, createReadStream(source, { highWaterMark: 4 * MiB })))));
      dropCaches();
      record('storage client download', backend, await measure(async () => pipeline(await store.get(key), createWriteStream(join(dir, `download-${backend}`)))));
      if ((await stat(join(dir, `download-${backend}`))).size !== BYTES) throw new Error(`the ${backend} download is not whole`);
      await rm(join(dir, `download-${backend}`));
      await store.delete(key);
    }

    // Through the gateway: a streamed multipart upload to POST /api/v1/recordings.
    if (ONLY.has('gateway')) {
    // The same cloned database the integration tests use (the gateway's schema migrated).
    process.env[PLATFORM_TEMPLATE_ENV] ??= await ensurePlatformTemplate(platformRegistry());
    world = await createServiceWorld('bench_storage', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', UPLOAD_MAX_BYTES: String(BYTES * 2), LOG_LEVEL: 'warn', STORAGE_LOCAL_ROOT: join(dir, 'gateway-store') }));
    await world.start(quotaStandIn({ reserve: () => ({ granted: true, reservationId: `bench-${Date.now()}`, limit: '1000', used: '0', period: '2026-01' }), release: () => undefined }));
    const s3Env = { STORAGE_BACKEND: 's3', S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true' };
    for (const [backend, env] of [['local', {}], ['s3', s3Env]] as const) {
      const gateway = await startGateway(world, { env });
      const { base, client } = gateway;
      const email = `bench-${backend}-${Date.now()}@example.org`;
      await client.call('POST', '/api/v1/auth/register', { json: { email, password: TEST_PASSWORD } });
      const login = await client.call('POST', '/api/v1/auth/login', { json: { email, password: TEST_PASSWORD } });
      if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.text}`);
      const user = { token: login.body.accessToken as string };
      dropCaches();
      // The client is curl, a process of its own: what is measured is the gateway's work and memory.
      record('gateway upload', backend, await measure(async () => {
        const status = await new Promise<string>((resolve, reject) => {
          execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `authorization: Bearer ${user.token}`, '-F', 'title=Benchmark', '-F', `file=@${source};type=video/mp4`, `${base}/api/v1/recordings`], (error, stdout) =>
            error ? reject(error) : resolve(stdout.trim()),
          );
        });
        if (status !== '202') throw new Error(`the gateway answered ${status}`);
      }));
      await gateway.service.close();
    }
    }

    // Targets.
    const of = (what: string, backend: string) => figures.find((f) => f.what === what && f.backend === backend);
    process.stdout.write(`\ncopy floor ${floor.toFixed(0)} MiB/s; targets: through the storage client on local disk >= ${FLOOR_SHARE * 100} % of it (${(floor * FLOOR_SHARE).toFixed(0)} MiB/s); memory flat (peak RSS growth < ${FLAT_LIMIT / MiB} MiB)\n`);
    const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
    for (const what of ['storage client upload', 'storage client download']) {
      const f = of(what, 'local');
      if (!f || floor === 0) continue;
      process.stdout.write(`  ${what} (local): ${f.mibPerSecond.toFixed(0)} MiB/s = ${((f.mibPerSecond / floor) * 100).toFixed(0)} % of the floor: ${verdict(f.mibPerSecond >= floor * FLOOR_SHARE)}\n`);
    }
    const gw = of('gateway upload', 'local');
    if (gw && floor > 0) process.stdout.write(`  gateway upload (local): ${gw.mibPerSecond.toFixed(0)} MiB/s = ${((gw.mibPerSecond / floor) * 100).toFixed(0)} % of the floor (no target of its own; shown beside it)\n`);
    for (const f of figures.filter((x) => x.backend !== 'disk')) {
      process.stdout.write(`  memory, ${f.what} (${f.backend}): +${(f.peakRssGrowth / MiB).toFixed(0)} MiB: ${verdict(f.peakRssGrowth < FLAT_LIMIT)}\n`);
    }
  } finally {
    await world?.close().catch(() => undefined);
    await fake?.stop('SIGTERM').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench:storage failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
