import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MESSAGE_TYPES, ObjectKind, type ObjectRef, type RecordingTrimmed } from '@leap/contracts';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { OBJECT_STORE, type ServiceDefinition } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, generateLecture } from '@leap/testing';
import { mediaProcessingService } from './service';

const M = MESSAGE_TYPES.media;
const trimmed: string[] = [];

@Injectable()
class TrimmedRecorder {
  @MessageHandler(M.RecordingTrimmed, { queue: 'ingest.fair-trims' })
  async trimmed(ctx: MessageContext<RecordingTrimmed>) {
    trimmed.push(ctx.data.recordingId);
  }
}

@Module({ providers: [TrimmedRecorder] })
class RecorderModule {}

const ingestStandIn: ServiceDefinition = {
  name: 'ingest',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [{ queue: 'ingest.fair-trims', types: [M.RecordingTrimmed] }],
  imports: [RecorderModule],
};

const TENANT_A = '0192f0c8-0000-7000-8000-0000000000fa';
const TENANT_B = '0192f0c8-0000-7000-8000-0000000000fb';

/**
 * Fair share (R16): tenant A has 20 recordings waiting to be trimmed on a replica that trims one
 * at a time; tenant B's fresh upload waits for the trim that is running when it comes, no more.
 */
describe('trims of two tenants on one slot', () => {
  let world: ServiceWorld;
  let store: ObjectStore;
  let bus: MessageBus;
  let sender: DataSource;
  let media: DataSource;
  let lecturePath: string;

  beforeAll(async () => {
    world = await createServiceWorld('media_fairness');
    const work = await world.tempDir('fair-trims');
    const service = await world.start(mediaProcessingService, { env: { MEDIA_CONCURRENCY: '1' } });
    store = service.app.get<ObjectStore>(OBJECT_STORE);
    media = service.app.get(DataSource);
    const ingest = await world.start(ingestStandIn);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);
    const lecture = await generateLecture({ dir: work, durationSeconds: 12, leadingSilenceSeconds: 3, trailingSilenceSeconds: 3 });
    lecturePath = lecture.path;
  }, 300_000);

  afterAll(() => world?.close());

  async function upload(tenant: string, n: number): Promise<string> {
    const recordingId = `0192f0c8-0000-7000-8000-${tenant.slice(-2)}${String(n).padStart(10, '0')}`;
    const key = storageKeys.source(tenant, recordingId, 'mp4');
    const stored = await store.putFile(key, lecturePath, { contentType: 'video/mp4' });
    const source: ObjectRef = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'video/mp4', kind: ObjectKind.SOURCE };
    await sender.transaction((m) => bus.send(m, M.TrimRecording, { recordingId, userId: tenant, source }, { subject: recordingId, tenant }));
    return recordingId;
  }

  it('starts B’s trim right after the one that was running, ahead of A’s backlog', async () => {
    const backlog: string[] = [];
    for (let i = 1; i <= 20; i++) backlog.push(await upload(TENANT_A, i));
    await eventually(async () => {
      const [{ n }] = await media.query(`SELECT count(*)::int AS n FROM media_processing.jobs WHERE tenant = $1 AND state = 'queued'`, [TENANT_A]);
      expect(n).toBeGreaterThanOrEqual(15);
    }, { timeoutMs: 30_000 });
    const fresh = await upload(TENANT_B, 1);
    await eventually(() => expect(trimmed).toHaveLength(21), { timeoutMs: 180_000, intervalMs: 200 });

    const started: Array<{ subject: string; tenant: string }> = await media.query(
      `SELECT subject, tenant FROM media_processing.jobs WHERE kind = 'media.trim' ORDER BY started_at, id`,
    );
    const position = started.findIndex((j) => j.subject === fresh);
    // A's trims that started before B's: the ones already running or done when B came, plus at most the one running.
    const [{ before }] = await media.query(
      `SELECT count(*)::int AS before FROM media_processing.jobs a, media_processing.jobs b
       WHERE b.subject = $1 AND a.tenant = $2 AND a.started_at < b.created_at`,
      [fresh, TENANT_A],
    );
    expect(before).toBeLessThan(5);
    expect(position).toBeLessThanOrEqual(before);
    // Every recording was trimmed once.
    expect(new Set(trimmed).size).toBe(21);
    expect(backlog.every((id) => trimmed.includes(id))).toBe(true);
  }, 300_000);
});
