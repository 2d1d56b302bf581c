import { Module } from '@nestjs/common';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import { MESSAGE_TYPES, type ControlRecordings, type RecordingsControlled, type RegisterUploadedRecording } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '../../service';

const USER = 'user-1';
const OTHER_USER = 'user-2';

@Module({})
class RequesterModule {}

/** Stands in for the gateway: sends commands and asks queries; nobody does the trims, so they stay in progress. */
const requester: ServiceDefinition = {
  name: 'gateway',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [],
  imports: [RequesterModule],
};

describe('bulk run and pause in ingest', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let db: DataSource;
  let ingestDb: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_bulk_control');
    ingestDb = (await world.start(ingestService)).app.get(DataSource);
    const stand = await world.start(requester);
    bus = stand.app.get(MessageBus);
    db = stand.app.get(DataSource);
  }, 120_000);

  afterAll(() => world?.close());

  /** A recording of `userId` whose trim is in progress. */
  async function processing(userId = USER): Promise<string> {
    const recordingId = newMessageId();
    const command: RegisterUploadedRecording = {
      recordingId,
      userId,
      originalFilename: 'lecture.mp4',
      sourceKey: storageKeys.source(userId, recordingId, 'mp4'),
      sizeBytes: '1048576',
      contentType: 'video/mp4',
      title: 'Lecture',
      reservationId: newMessageId(),
    };
    await db.transaction((m) => bus.send(m, MESSAGE_TYPES.ingest.RegisterUploadedRecording, command, { subject: recordingId, tenant: userId }));
    await eventually(async () => expect((await state(recordingId)).status).toBe('PROCESSING'), { timeoutMs: 30_000, intervalMs: 100 });
    return recordingId;
  }

  /** Ingest's own account of a recording: status, pause, and what it has published about it. */
  async function state(id: string): Promise<{ status?: string; paused?: boolean; pausedEvents: number; trims: number }> {
    const [row] = await ingestDb.query(`SELECT status, paused FROM recordings WHERE id = $1`, [id]);
    const [out] = await ingestDb.query(
      `SELECT count(*) FILTER (WHERE routing_key = 'ingest.recording.paused.v1')::int AS paused, count(*) FILTER (WHERE routing_key = 'media.recording.trim.v1')::int AS trims
       FROM outbox WHERE aggregate_id = $1`,
      [id],
    );
    return { status: row?.status, paused: row?.paused, pausedEvents: out.paused, trims: out.trims };
  }

  const control = (query: Omit<ControlRecordings, 'userId'> & { userId?: string }): Promise<RecordingsControlled> =>
    bus.request(MESSAGE_TYPES.ingest.ControlRecordings, { userId: USER, ...query }, { tenant: query.userId ?? USER, timeoutMs: 15_000 });

  it("plans a pause without changing anything; another user's and unknown ids are not found", async () => {
    const [a, b] = [await processing(), await processing()];
    const foreign = await processing(OTHER_USER);
    const unknown = newMessageId();
    const before = { a: await state(a), b: await state(b), foreign: await state(foreign) };

    const plan = await control({ operation: 'pause', recordingIds: [a, foreign, b, unknown], dryRun: true });
    expect(plan.items).toEqual([
      { recordingId: a, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] },
      { recordingId: foreign, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${foreign}` },
      { recordingId: b, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] },
      { recordingId: unknown, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${unknown}` },
    ]);
    expect({ a: await state(a), b: await state(b), foreign: await state(foreign) }).toEqual(before);
    expect(before.a).toMatchObject({ status: 'PROCESSING', paused: false, pausedEvents: 0 });
  }, 120_000);

  it('refuses a bulk topics extraction while a stage runs, as the single re-run does, and sends nothing', async () => {
    const a = await processing();
    const refused = await control({ operation: 'topics', recordingIds: [a], settings: { granularity: 'long' } });
    expect(refused.items).toEqual([{ recordingId: a, outcome: 'refused', code: 'INGEST.ALREADY_RUNNING', message: expect.stringContaining(a), status: 'PROCESSING' }]);
    const [{ n }] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = 'transcription.topics.extract.v1'`, [a]);
    expect(n).toBe(0);
  }, 120_000);

  it('decides each recording on its own: a refusal changes nothing of it and stops no other; run matches its plan', async () => {
    const [a, b] = [await processing(), await processing()];
    const first = await control({ operation: 'pause', recordingIds: [a] });
    expect(first.items).toEqual([{ recordingId: a, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] }]);

    const second = await control({ operation: 'pause', recordingIds: [a, b] });
    expect(second.items).toEqual([
      { recordingId: a, outcome: 'refused', code: 'INGEST.NOTHING_TO_PAUSE', message: expect.stringContaining(a), status: 'DOWNLOADED' },
      { recordingId: b, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] },
    ]);
    expect(await state(a)).toMatchObject({ status: 'DOWNLOADED', paused: true, pausedEvents: 1 });
    expect(await state(b)).toMatchObject({ status: 'DOWNLOADED', paused: true, pausedEvents: 1 });

    const trimsBefore = (await state(a)).trims;
    const plan = await control({ operation: 'run', recordingIds: [a, b], dryRun: true });
    expect(await state(a)).toMatchObject({ paused: true, trims: trimsBefore });
    const run = await control({ operation: 'run', recordingIds: [a, b] });
    expect(run).toEqual(plan);
    expect((run.items ?? []).map((i) => i.outcome)).toEqual(['accepted', 'accepted']);
    expect(await state(a)).toMatchObject({ status: 'PROCESSING', paused: false, trims: trimsBefore + 1 });
  }, 120_000);

  it("gives every recording the run's own config, and runs with it exactly as its dry run planned", async () => {
    const [a, b] = [await processing(), await processing()];
    await control({ operation: 'pause', recordingIds: [a, b] });
    const before = { a: await state(a), b: await state(b) };
    const overrides = { processingConfig: { trimming: { enableTrimming: false } } };

    const plan = await control({ operation: 'run', recordingIds: [a, b], dryRun: true, overrides });
    expect(plan.items).toEqual([
      { recordingId: a, outcome: 'accepted', status: 'PROCESSING', stages: ['TRANSCRIBE'] },
      { recordingId: b, outcome: 'accepted', status: 'PROCESSING', stages: ['TRANSCRIBE'] },
    ]);
    expect({ a: await state(a), b: await state(b) }).toEqual(before);
    const [{ override }] = await ingestDb.query(`SELECT run_override AS override FROM recordings WHERE id = $1`, [a]);
    expect(override).toEqual({});

    const run = await control({ operation: 'run', recordingIds: [a, b], overrides });
    expect(run).toEqual(plan);
    expect(await state(a)).toMatchObject({ status: 'PROCESSING', paused: false, trims: before.a.trims });
    const stages = await ingestDb.query(`SELECT stage, status FROM recording_stages WHERE recording_id = $1 AND stage IN ('TRIM', 'TRANSCRIBE') ORDER BY stage`, [a]);
    expect(stages).toEqual([
      { stage: 'TRANSCRIBE', status: 'IN_PROGRESS' },
      { stage: 'TRIM', status: 'SKIPPED' },
    ]);
  }, 120_000);

  it('refuses more than 200 recordings and an unknown operation with 422, deciding none', async () => {
    const refusal = async (query: Omit<ControlRecordings, 'userId'>) => {
      try {
        await control(query);
      } catch (error) {
        if (error instanceof LeapError) return { code: error.code, status: error.status };
        throw error;
      }
      throw new Error('not refused');
    };
    const ids = Array.from({ length: 201 }, () => newMessageId());
    expect(await refusal({ operation: 'pause', recordingIds: ids })).toEqual({ code: 'BULK.TOO_MANY_RECORDINGS', status: 422 });
    expect(await refusal({ operation: 'transcode', recordingIds: [newMessageId()] })).toEqual({ code: 'INGEST.INVALID_OPERATION', status: 422 });
    // A run's own config is checked once, before any recording.
    expect(await refusal({ operation: 'run', recordingIds: [newMessageId()], overrides: { processingConfig: { trimming: { enableTrimming: 'no' } } } })).toEqual({
      code: 'RECORDING_CONFIG.INVALID',
      status: 422,
    });
    expect(await refusal({ operation: 'run', recordingIds: [newMessageId()], overrides: { templateId: newMessageId() } })).toEqual({ code: 'TEMPLATE.NOT_FOUND', status: 404 });
  }, 60_000);
});
