import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind, type ObjectRef } from '@leap/contracts';
import { MessageBus } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, rabbitmqctl } from '@leap/testing';
import { transcriptionService } from './service';
import { observed, resultsPeer } from './testing/results-peer';
import { TRANSCRIBE_QUEUE } from './transcribe/transcribe.consumer';

const T = MESSAGE_TYPES.transcription;
const { progress, transcribed } = observed;

const USER = '0192f0c8-0000-7000-8000-0000000000c1';
const RECORDING = '0192f0c8-0000-7000-8000-0000000c0001';

/**
 * A transcription of several minutes runs as a job: no service session sits idle in a
 * transaction and no delivery is held while it runs, and its progress follows the recogniser.
 */
describe('a long transcription', () => {
  let world: ServiceWorld;
  let store: ObjectStore;
  let bus: MessageBus;
  let sender: DataSource;
  let audio: ObjectRef;

  beforeAll(async () => {
    world = await createServiceWorld('transcription_jobs');
    const work = await world.tempDir('long-transcription');
    // No quota service in this world: the monthly transcriptions gate has its own spec (transcription-quota.int-spec.ts).
    const transcription = await world.start(transcriptionService, { env: { TRANSCRIPTION_QUOTA_CHECK: 'false' } });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    const ingest = await world.start(resultsPeer);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);
    // About three minutes of speech: one spoken paragraph, twelve times over.
    const sentence =
      'Good morning students. Today our lecture is about prime numbers and how we find them. ' +
      'A prime number has exactly two divisors, one and itself. Seven and eleven are prime numbers.';
    execFileSync('espeak-ng', ['-v', 'en-us+f2', '-s', '130', '-w', join(work, 'once.wav'), sentence]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '11', '-i', join(work, 'once.wav'), '-ac', '1', '-ar', '16000', '-b:a', '64k', join(work, 'long.mp3')]);
    const key = storageKeys.audio(USER, RECORDING);
    const stored = await store.putFile(key, join(work, 'long.mp3'), { contentType: 'audio/mpeg' });
    audio = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
  }, 300_000);

  afterAll(() => world?.close());

  it('holds no transaction and no delivery while it runs, and reports the recogniser’s position as it goes', async () => {
    const db = new DataSource({ type: 'postgres', url: world.db.url, poolSize: 1 });
    await db.initialize();
    try {
      await sender.transaction((m) =>
        bus.send(m, T.TranscribeRecording, { recordingId: RECORDING, userId: USER, media: audio, language: 'en' }, { subject: RECORDING, tenant: USER }),
      );
      await eventually(() => expect(progress.some((p) => p.step === 'recognising speech')).toBe(true), { timeoutMs: 60_000, intervalMs: 100 });

      // Sample the server while the recogniser runs: no session of this database may stay idle
      // in a transaction for more than a second, and the command's queue holds no delivery.
      let samples = 0;
      while (transcribed.length === 0) {
        const idle = await db.query(
          `SELECT application_name, now() - state_change AS idle_for FROM pg_stat_activity
           WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND now() - state_change > interval '1 second'`,
        );
        expect(idle).toEqual([]);
        if (samples % 10 === 0 && transcribed.length === 0) {
          const queues = JSON.parse(await rabbitmqctl('list_queues', '-p', world.vhost.name, 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json')) as Array<{
            name: string;
            messages_ready: number;
            messages_unacknowledged: number;
          }>;
          const queue = queues.find((q) => q.name === TRANSCRIBE_QUEUE);
          expect(queue).toMatchObject({ messages_ready: 0, messages_unacknowledged: 0 });
        }
        samples += 1;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(samples).toBeGreaterThan(20);
      expect(transcribed).toHaveLength(1);
      expect(transcribed[0]!.durationSeconds).toBeGreaterThan(120);

      // The job's ticks: only rising, a second apart at least, through the recognition to its end.
      const ticks = progress.filter((p) => p.recordingId === RECORDING);
      const recognising = ticks.filter((p) => p.step === 'recognising speech').map((p) => p.percent);
      expect(recognising.length).toBeGreaterThanOrEqual(4);
      expect(new Set(recognising).size).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < ticks.length; i++) {
        expect(ticks[i]!.percent).toBeGreaterThanOrEqual(ticks[i - 1]!.percent);
        expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThanOrEqual(990);
      }
      expect(Math.max(...recognising)).toBeGreaterThanOrEqual(85);
      const jobs = await db.query(`SELECT state, attempts, progress FROM transcription.jobs WHERE subject = $1`, [RECORDING]);
      expect(jobs).toEqual([{ state: 'completed', attempts: 1, progress: 100 }]);
    } finally {
      await db.destroy();
    }
  }, 300_000);
});
