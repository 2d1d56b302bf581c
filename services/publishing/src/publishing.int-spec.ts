import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ObjectKind, Platform, type ObjectRef, type PublishRecording } from '@leap/contracts';
import { MessageBus } from '@leap/messaging';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { publishingService } from './service';
import { observed, publishingPeer, storedObject } from './testing/publishing-peer';

const { published, failed } = observed;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('publishing: the local export target', () => {
  let world: ServiceWorld;
  let publishing: RunningService;
  let exportRoot: string;
  let store: LocalObjectStore;
  let bus: MessageBus;
  let dataSource: DataSource;
  const userId = randomUUID();

  beforeAll(async () => {
    world = await createServiceWorld('publishing');
    exportRoot = await world.tempDir('publishing-exports');
    store = new LocalObjectStore(world.storageRoot);
    publishing = await world.start(publishingService, { env: { EXPORT_ROOT: exportRoot } });
    const peer = await world.start(publishingPeer);
    bus = peer.app.get(MessageBus);
    dataSource = peer.app.get(DataSource);
  });

  afterAll(() => world?.close());

  const write = (key: string, content: string | Buffer, kind: ObjectKind, contentType: string): Promise<ObjectRef> => storedObject(store, key, content, kind, contentType);

  function send(command: PublishRecording): Promise<void> {
    return dataSource.transaction((m) =>
      bus.send(m, 'publishing.recording.publish.v1', command, { subject: command.recordingId, tenant: command.userId }),
    );
  }

  async function recordingObjects(recordingId: string): Promise<ObjectRef[]> {
    return [
      await write(storageKeys.video(userId, recordingId, 'mp4'), Buffer.alloc(4096, 7), ObjectKind.VIDEO, 'video/mp4'),
      await write(storageKeys.audio(userId, recordingId), Buffer.alloc(1024, 3), ObjectKind.AUDIO, 'audio/mpeg'),
      await write(storageKeys.masterTranscript(userId, recordingId), '{"segments":[{"start":0,"end":1.5,"text":"Hello"}]}', ObjectKind.TRANSCRIPT, 'application/json'),
      await write(storageKeys.topics(userId, recordingId), '{"versions":[{"version":1,"topics":["Matrices"]}]}', ObjectKind.TOPICS, 'application/json'),
      await write(storageKeys.subtitles(userId, recordingId, 'srt'), '1\n00:00:00,000 --> 00:00:01,500\nHello\n', ObjectKind.SUBTITLES_SRT, 'application/x-subrip'),
      await write(storageKeys.subtitles(userId, recordingId, 'vtt'), 'WEBVTT\n\n00:00.000 --> 00:01.500\nHello\n', ObjectKind.SUBTITLES_VTT, 'text/vtt'),
    ];
  }

  it('exports every object, named by its kind, with a metadata.json, and reports where', async () => {
    const recordingId = randomUUID();
    const targetId = randomUUID();
    const objects = await recordingObjects(recordingId);
    await send({ recordingId, userId, targetId, platform: Platform.LOCAL, objects, variables: { title: 'Linear algebra, lecture 3' } });

    const event = await eventually(() => {
      const found = published.find((p) => p.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 20_000 });
    const folder = join(exportRoot, userId, recordingId);
    expect(event).toEqual({
      recordingId,
      userId,
      targetId,
      platform: Platform.LOCAL,
      location: folder,
      externalId: `${userId}/${recordingId}`,
      publishedAt: expect.any(String),
    });

    const names = ['video.mp4', 'audio.mp3', 'transcript.json', 'topics.json', 'subtitles.srt', 'subtitles.vtt'];
    expect((await readdir(folder)).sort()).toEqual([...names, 'metadata.json'].sort());
    for (const [i, name] of names.entries()) {
      const content = await readFile(join(folder, name));
      expect({ name, size: content.length, sha256: sha256(content) }).toEqual({ name, size: Number(objects[i]!.sizeBytes), sha256: objects[i]!.checksumSha256 });
    }
    const metadata = JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8'));
    expect(metadata).toEqual({
      recordingId,
      userId,
      targetId,
      title: 'Linear algebra, lecture 3',
      // No description template: the reference's fallback, the date and the topics.
      description: expect.stringMatching(/^Uploaded on \d\d\.\d\d\.\d{4}\n\nТемы:\n1\. Matrices$/),
      variables: { title: 'Linear algebra, lecture 3' },
      files: names.map((name, i) => ({
        name,
        kind: String(objects[i]!.kind).replace('OBJECT_KIND_', ''),
        contentType: objects[i]!.contentType,
        sizeBytes: Number(objects[i]!.sizeBytes),
        checksumSha256: objects[i]!.checksumSha256,
      })),
      exportedAt: event.publishedAt,
    });
    // Nothing half-written is left next to the export.
    expect(await readdir(join(exportRoot, userId))).toEqual([recordingId]);

    const row = await publishing.app.get(DataSource).query(`SELECT status, location, platform FROM publications WHERE recording_id = $1 AND target_id = $2`, [recordingId, targetId]);
    expect(row).toEqual([{ status: 'PUBLISHED', location: folder, platform: 'LOCAL' }]);
  });

  it("exports the translated subtitles beside the video and titles metadata.json with the template's metadata; captions off exports no subtitles", async () => {
    const recordingId = randomUUID();
    const objects = await recordingObjects(recordingId);
    const prefix = `${storageKeys.recordingPrefix(userId, recordingId)}transcription/`;
    const de = {
      language: 'de',
      srt: await write(`${prefix}subtitles.de.srt`, '1\n00:00:00,000 --> 00:00:01,500\nHallo\n', ObjectKind.SUBTITLES_SRT, 'application/x-subrip'),
      vtt: await write(`${prefix}subtitles.de.vtt`, 'WEBVTT\n\n00:00.000 --> 00:01.500\nHallo\n', ObjectKind.SUBTITLES_VTT, 'text/vtt'),
    };
    const templateMetadata = { titleTemplate: 'Course: {{ display_name }}', common: { descriptionTemplate: 'About {{ title }}' } };
    const folder = join(exportRoot, userId, recordingId);
    const exported = async (command: Partial<PublishRecording>) => {
      const before = published.filter((p) => p.recordingId === recordingId).length;
      await send({ recordingId, userId, targetId: randomUUID(), platform: Platform.LOCAL, objects, variables: { title: 'Algebra' }, templateMetadata, translations: [de], ...command });
      await eventually(() => expect(published.filter((p) => p.recordingId === recordingId).length).toBe(before + 1), { timeoutMs: 20_000 });
      return { names: (await readdir(folder)).sort(), metadata: JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8')) };
    };

    const first = await exported({});
    expect(first.names).toEqual(['audio.mp3', 'metadata.json', 'subtitles.de.srt', 'subtitles.de.vtt', 'subtitles.srt', 'subtitles.vtt', 'topics.json', 'transcript.json', 'video.mp4']);
    expect(await readFile(join(folder, 'subtitles.de.srt'), 'utf8')).toBe('1\n00:00:00,000 --> 00:00:01,500\nHallo\n');
    expect(first.metadata).toMatchObject({ title: 'Course: Algebra', description: 'About Course: Algebra' });

    const silent = await exported({ uploadCaptions: false });
    expect(silent.names).toEqual(['audio.mp3', 'metadata.json', 'topics.json', 'transcript.json', 'video.mp4']);
  });

  it('keeps the export while its deleted recording can be restored, and removes it when its files go', async () => {
    const recordingId = randomUUID();
    const objects = await recordingObjects(recordingId);
    await send({ recordingId, userId, targetId: randomUUID(), platform: Platform.LOCAL, objects });
    await eventually(() => expect(published.filter((p) => p.recordingId === recordingId)).toHaveLength(1), { timeoutMs: 20_000 });
    const folder = join(exportRoot, userId, recordingId);
    expect(existsSync(folder)).toBe(true);

    const now = new Date().toISOString();
    await dataSource.transaction((m) =>
      bus.publish(m, 'ingest.recording.deleted.v1', { recordingId, userId, deletedAt: now }, { subject: recordingId, tenant: userId }),
    );
    // Handled (its inbox row commits with its effect), and the export is still there.
    await eventually(
      async () => expect(await publishing.app.get(DataSource).query(`SELECT 1 FROM inbox WHERE message_type = 'ingest.recording.deleted.v1'`)).toHaveLength(1),
      { timeoutMs: 20_000 },
    );
    expect(existsSync(folder)).toBe(true);

    await dataSource.transaction((m) =>
      bus.publish(m, 'ingest.recording.purged.v1', { recordingId, userId, purgedAt: now, hardDeleteAt: now }, { subject: recordingId, tenant: userId }),
    );
    await eventually(() => expect(existsSync(folder)).toBe(false), { timeoutMs: 20_000 });
    expect((await readdir(join(exportRoot, userId))).filter((name) => name.includes(recordingId))).toEqual([]);
  });

  it('rewrites the same folder when the command comes again', async () => {
    const recordingId = randomUUID();
    const targetId = randomUUID();
    const objects = await recordingObjects(recordingId);
    await send({ recordingId, userId, targetId, platform: Platform.LOCAL, objects });
    await eventually(() => expect(published.filter((p) => p.recordingId === recordingId)).toHaveLength(1), { timeoutMs: 20_000 });

    const video = await write(storageKeys.video(userId, recordingId, 'mp4'), Buffer.alloc(2048, 9), ObjectKind.VIDEO, 'video/mp4');
    await send({ recordingId, userId, targetId, platform: Platform.LOCAL, objects: [video] });
    await eventually(() => expect(published.filter((p) => p.recordingId === recordingId)).toHaveLength(2), { timeoutMs: 20_000 });

    const folder = join(exportRoot, userId, recordingId);
    expect((await readdir(folder)).sort()).toEqual(['metadata.json', 'video.mp4']);
    expect(sha256(await readFile(join(folder, 'video.mp4')))).toBe(video.checksumSha256);
    const metadata = JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8'));
    expect(metadata.files).toEqual([{ name: 'video.mp4', kind: 'VIDEO', contentType: 'video/mp4', sizeBytes: 2048, checksumSha256: video.checksumSha256 }]);
    // Without a name, the title falls back to the date as the reference's does.
    expect(metadata.title).toMatch(/^Uploaded on \d\d\.\d\d\.\d{4}$/);
  });

  it('takes no publish command without a platform: the contract refuses it before it is sent', async () => {
    const recordingId = randomUUID();
    const objects = await recordingObjects(recordingId);
    await expect(send({ recordingId, userId, targetId: randomUUID(), platform: Platform.UNSPECIFIED, objects })).rejects.toThrow(/platform: required field must not be PLATFORM_UNSPECIFIED/);
    expect(failed.find((f) => f.recordingId === recordingId)).toBeUndefined();
  });

  it('fails without leaving a folder when an object is not in storage', async () => {
    const recordingId = randomUUID();
    const targetId = randomUUID();
    const [video] = await recordingObjects(recordingId);
    const missing: ObjectRef = { key: storageKeys.poster(userId, recordingId), sizeBytes: '10', kind: ObjectKind.POSTER, contentType: 'image/jpeg' };
    await send({ recordingId, userId, targetId, platform: Platform.LOCAL, objects: [video!, missing] });
    const event = await eventually(() => {
      const found = failed.find((f) => f.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 20_000 });
    expect(event.error.code).toBe('PUBLISHING.OBJECT_NOT_FOUND');
    expect(existsSync(join(exportRoot, userId, recordingId))).toBe(false);
    expect((await readdir(join(exportRoot, userId))).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses objects of another recording without exporting anything', async () => {
    const recordingId = randomUUID();
    const other = randomUUID();
    const [foreign] = await recordingObjects(other);
    await send({ recordingId, userId, targetId: randomUUID(), platform: Platform.LOCAL, objects: [foreign!] });
    const event = await eventually(() => {
      const found = failed.find((f) => f.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 20_000 });
    expect(event.error).toEqual({ code: 'PUBLISHING.INVALID_REQUEST', message: expect.stringContaining(foreign!.key), retryable: false });
    expect(existsSync(join(exportRoot, userId, recordingId))).toBe(false);
  });
});
