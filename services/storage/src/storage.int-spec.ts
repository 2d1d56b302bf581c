import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import {
  ObjectKind,
  RecordingStatus,
  SourceType,
  type ObjectRef,
  type RecordingObjectsDeleted,
  type StorageUsageChanged,
} from '@leap/contracts';
import { MessageBus, MessageHandler, type MessageContext, type UntypedMessages } from '@leap/messaging';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { storageService } from './service';

const usage: StorageUsageChanged[] = [];
const deletions: RecordingObjectsDeleted[] = [];

@Injectable()
class StorageWatcher {
  @MessageHandler('storage.usage.changed.v1', { queue: 'gateway.storage-watch' })
  async usageChanged(ctx: MessageContext<StorageUsageChanged>): Promise<void> {
    usage.push(ctx.data);
  }

  @MessageHandler('storage.recording-objects.deleted.v1', { queue: 'gateway.storage-watch' })
  async deleted(ctx: MessageContext<RecordingObjectsDeleted>): Promise<void> {
    deletions.push(ctx.data);
  }
}

@Module({ providers: [StorageWatcher] })
class WatcherModule {}

describe('storage: the object catalogue, usage and the delete cascade', () => {
  let world: ServiceWorld;
  let storage: RunningService;
  let root: string;
  let store: LocalObjectStore;
  /** Publishes raw fixtures, as another service would: checked against proto/ at run time only. */
  let bus: MessageBus<UntypedMessages>;
  let dataSource: DataSource;

  const userId = randomUUID();
  const kept = randomUUID();
  const deleted = randomUUID();

  beforeAll(async () => {
    world = await createServiceWorld('storage');
    root = world.storageRoot;
    store = new LocalObjectStore(root);
    storage = await world.start(storageService);
    const peer = await world.start(
      {
        name: 'gateway',
        configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
        consumers: [{ queue: 'gateway.storage-watch', types: ['storage.usage.changed.v1', 'storage.recording-objects.deleted.v1'] }],
        imports: [WatcherModule],
      },
    );
    bus = peer.app.get(MessageBus);
    dataSource = peer.app.get(DataSource);
  });

  afterAll(() => world?.close());

  async function write(key: string, bytes: number, kind: ObjectKind, contentType: string): Promise<ObjectRef> {
    const stored = await store.put(key, Buffer.alloc(bytes, key.length % 251), { contentType });
    return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
  }

  function publish(type: string, data: Record<string, unknown>): Promise<void> {
    const recordingId = data.recordingId as string;
    return dataSource.transaction((m) => bus.publish(m, type, data, { subject: recordingId, tenant: userId }));
  }

  function registered(recordingId: string, source: ObjectRef): Record<string, unknown> {
    return {
      recordingId,
      userId,
      sourceType: SourceType.UPLOAD,
      title: 'Lecture',
      source,
      status: RecordingStatus.INITIALIZED,
      registeredAt: new Date().toISOString(),
    };
  }

  async function usageCount(n: number): Promise<StorageUsageChanged[]> {
    return eventually(
      () => {
        expect(usage.length).toBeGreaterThanOrEqual(n);
        return usage.slice();
      },
      { timeoutMs: 20_000 },
    );
  }

  it('counts every object once, replaces a rewritten key, and deletes a recording with everything under its prefix', async () => {
    const keptSource = await write(storageKeys.source(userId, kept, 'mp4'), 1000, ObjectKind.SOURCE, 'video/mp4');
    await publish('ingest.recording.registered.v1', registered(kept, keptSource));
    await usageCount(1);
    expect(usage).toEqual([{ userId, totalBytes: '1000', deltaBytes: '1000' }]);

    const source = await write(storageKeys.source(userId, deleted, 'mp4'), 2000, ObjectKind.SOURCE, 'video/mp4');
    await publish('ingest.recording.registered.v1', registered(deleted, source));
    // Nothing was cut: the video is the source object itself, counted once.
    const audio = await write(storageKeys.audio(userId, deleted), 300, ObjectKind.AUDIO, 'audio/mpeg');
    await publish('media.recording.trimmed.v1', { recordingId: deleted, userId, video: { ...source, kind: ObjectKind.VIDEO }, audio });
    const master = await write(storageKeys.masterTranscript(userId, deleted), 50, ObjectKind.TRANSCRIPT, 'application/json');
    await publish('transcription.recording.transcribed.v1', { recordingId: deleted, userId, master });
    const topics = await write(storageKeys.topics(userId, deleted), 40, ObjectKind.TOPICS, 'application/json');
    await publish('transcription.topics.extracted.v1', { recordingId: deleted, userId, topics, version: 1 });
    const srt = await write(storageKeys.subtitles(userId, deleted, 'srt'), 20, ObjectKind.SUBTITLES_SRT, 'application/x-subrip');
    const vtt = await write(storageKeys.subtitles(userId, deleted, 'vtt'), 25, ObjectKind.SUBTITLES_VTT, 'text/vtt');
    await publish('transcription.subtitles.generated.v1', { recordingId: deleted, userId, srt, vtt });
    // A re-run of the transcription rewrites the master transcript under the same key.
    const rewritten = await write(storageKeys.masterTranscript(userId, deleted), 70, ObjectKind.TRANSCRIPT, 'application/json');
    await publish('transcription.recording.transcribed.v1', { recordingId: deleted, userId, master: rewritten });
    // A file the catalogue never heard of still goes with its recording.
    await store.put(storageKeys.poster(userId, deleted), Buffer.alloc(5));

    expect(await usageCount(7)).toEqual([
      { userId, totalBytes: '1000', deltaBytes: '1000' },
      { userId, totalBytes: '3000', deltaBytes: '2000' },
      { userId, totalBytes: '3300', deltaBytes: '300' },
      { userId, totalBytes: '3350', deltaBytes: '50' },
      { userId, totalBytes: '3390', deltaBytes: '40' },
      { userId, totalBytes: '3435', deltaBytes: '45' },
      { userId, totalBytes: '3455', deltaBytes: '20' },
    ]);

    const command = { recordingId: deleted, userId };
    await dataSource.transaction((m) => bus.send(m, 'storage.recording-objects.delete.v1', command, { subject: deleted, tenant: userId }));
    await eventually(() => expect(deletions).toHaveLength(1), { timeoutMs: 20_000 });
    // source, audio, master, topics, srt, vtt and the poster: 2000 + 300 + 70 + 40 + 20 + 25 + 5.
    expect(deletions[0]).toEqual({ recordingId: deleted, userId, count: 7, bytes: '2460' });
    expect(existsSync(join(root, 'users', userId, 'recordings', deleted))).toBe(false);
    expect(await store.exists(keptSource.key)).toBe(true);
    expect((await usageCount(8))[7]).toEqual({ userId, totalBytes: '1000', deltaBytes: '-2455' });

    // Deleting again finds nothing: no bytes freed, usage untouched.
    await dataSource.transaction((m) => bus.send(m, 'storage.recording-objects.delete.v1', command, { subject: deleted, tenant: userId }));
    await eventually(() => expect(deletions).toHaveLength(2), { timeoutMs: 20_000 });
    const repeat = deletions[1]!;
    expect({ recordingId: repeat.recordingId, count: repeat.count ?? 0, bytes: repeat.bytes ?? '0' }).toEqual({ recordingId: deleted, count: 0, bytes: '0' });
    // The next change of the user's usage follows the delete directly (usage events keep the user's order).
    const keptMaster = await write(storageKeys.masterTranscript(userId, kept), 10, ObjectKind.TRANSCRIPT, 'application/json');
    await publish('transcription.recording.transcribed.v1', { recordingId: kept, userId, master: keptMaster });
    expect((await usageCount(9)).slice(7)).toEqual([
      { userId, totalBytes: '1000', deltaBytes: '-2455' },
      { userId, totalBytes: '1010', deltaBytes: '10' },
    ]);
    expect(await store.list(`users/${userId}/`)).toEqual([
      expect.objectContaining({ key: keptSource.key, sizeBytes: 1000 }),
      expect.objectContaining({ key: keptMaster.key, sizeBytes: 10 }),
    ]);
  });

  it('parks an event whose objects belong to another recording, without touching the catalogue', async () => {
    const other = randomUUID();
    const foreign = await write(storageKeys.masterTranscript(userId, other), 33, ObjectKind.TRANSCRIPT, 'application/json');
    await publish('transcription.recording.transcribed.v1', { recordingId: kept, userId, master: foreign });
    const parked = await eventually(
      async () => {
        const messages = await storage.app.get(MessageBus).parked('storage.catalogue');
        expect(messages).toHaveLength(1);
        return messages;
      },
      { timeoutMs: 20_000 },
    );
    expect(parked[0]!.headers['x-fault-code']).toBe('STORAGE.FOREIGN_KEY');
    expect(await store.exists(foreign.key)).toBe(true);
  });
});
