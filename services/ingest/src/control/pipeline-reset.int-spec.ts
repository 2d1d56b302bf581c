import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, type RecordingPaused, type RecordingReset, type RecordingStatusChanged } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '../service';
import { fakeStages, registerUpload } from '../testing/fake-stages';

const USER = 'user-1';
const OTHER_USER = 'user-2';
/** Titles whose trims the fake media service takes and never answers: the stage stays in progress. */
const HOLD_TRIM = 'hold trim';

const fakes = fakeStages();
const { commands, held, ofType } = fakes;
const statusesOf = (recordingId: string) => ofType<RecordingStatusChanged>(recordingId, MESSAGE_TYPES.ingest.RecordingStatusChanged);
const commandTypesOf = (recordingId: string) => commands.filter((c) => c.recordingId === recordingId).map((c) => c.type);
const latestStages = (recordingId: string) => fakes.latestStages(recordingId);

describe('resetting a recording (pipeline control)', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_reset');
    await world.start(ingestService);
    const downstream = await world.start(fakes.definition);
    bus = downstream.app.get(MessageBus);
    dataSource = downstream.app.get(DataSource);
  }, 120_000);

  afterAll(() => world?.close());

  async function uploaded(title: string): Promise<string> {
    const recordingId = newMessageId();
    if (title === HOLD_TRIM) held.add(recordingId);
    return registerUpload(bus, dataSource, USER, title, recordingId);
  }

  const reset = (recordingId: string, deleteFiles: boolean, userId = USER) =>
    bus.request(MESSAGE_TYPES.ingest.ResetRecording, { recordingId, userId, deleteFiles }, { subject: recordingId, tenant: userId, timeoutMs: 15_000 });
  const run = (recordingId: string) => bus.request(MESSAGE_TYPES.ingest.RunRecording, { recordingId, userId: USER }, { subject: recordingId, tenant: USER, timeoutMs: 15_000 });

  async function refusal(ask: () => Promise<unknown>): Promise<{ code: string; status: number }> {
    try {
      await ask();
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status };
      throw error;
    }
    throw new Error('the query was not refused');
  }

  const ready = (recordingId: string) =>
    eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });

  it('takes a READY recording back to DOWNLOADED with its original kept, waits paused, and a run takes it through again', async () => {
    const recordingId = await uploaded('Lecture to reset');
    await ready(recordingId);

    const answer = await reset(recordingId, false);
    expect({ ...answer, cancelled: answer.cancelled ?? [] }).toEqual({ recordingId, status: 'DOWNLOADED', paused: true, cancelled: [], filesDeleted: false });

    await eventually(() => {
      expect(ofType<RecordingReset>(recordingId, MESSAGE_TYPES.ingest.RecordingReset)).toEqual([
        expect.objectContaining({ recordingId, userId: USER, filesDeleted: false, expireAt: expect.any(String) }),
      ]);
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', previousStatus: 'RECORDING_STATUS_READY', failed: false });
      const stages = latestStages(recordingId);
      for (const stage of ['PIPELINE_STAGE_TRIM', 'PIPELINE_STAGE_TRANSCRIBE', 'PIPELINE_STAGE_EXTRACT_TOPICS', 'PIPELINE_STAGE_GENERATE_SUBTITLES', 'PIPELINE_STAGE_UPLOAD:local']) {
        expect([stage, stages.get(stage)?.status]).toEqual([stage, 'STAGE_STATUS_PENDING']);
      }
      expect(stages.get('PIPELINE_STAGE_DOWNLOAD')?.status).toBe('STAGE_STATUS_SKIPPED');
    }, { timeoutMs: 30_000, intervalMs: 100 });
    // Nothing started by itself, and no object was deleted.
    expect(commandTypesOf(recordingId).filter((t) => t === MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1);
    expect(commandTypesOf(recordingId)).not.toContain(MESSAGE_TYPES.storage.DeleteRecordingObjects);

    const again = await run(recordingId);
    expect(again).toMatchObject({ recordingId, status: 'PROCESSING', stages: ['TRIM'] });
    await eventually(() => {
      expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY');
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });
    }, { timeoutMs: 60_000, intervalMs: 100 });
  });

  it('with deleteFiles has storage delete every object under the prefix; a direct upload then has nothing to run on', async () => {
    const recordingId = await uploaded('Lecture to wipe');
    await ready(recordingId);

    const answer = await reset(recordingId, true);
    expect(answer).toMatchObject({ recordingId, status: 'INITIALIZED', paused: true, filesDeleted: true });
    await eventually(() => {
      expect(commands.filter((c) => c.recordingId === recordingId && c.type === MESSAGE_TYPES.storage.DeleteRecordingObjects).map((c) => c.data)).toEqual([
        { recordingId, userId: USER },
      ]);
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_INITIALIZED', previousStatus: 'RECORDING_STATUS_READY' });
    }, { timeoutMs: 30_000, intervalMs: 100 });

    expect(await refusal(() => run(recordingId))).toEqual({ code: 'INGEST.NOT_RUNNABLE', status: 409 });
  });

  it('cancels work in progress as a pause does', async () => {
    const recordingId = await uploaded(HOLD_TRIM);
    await eventually(() => expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 60_000, intervalMs: 100 });

    const answer = await reset(recordingId, false);
    expect(answer).toMatchObject({ recordingId, status: 'DOWNLOADED', paused: true, cancelled: ['TRIM'] });
    await eventually(() => {
      expect(ofType<RecordingPaused>(recordingId, MESSAGE_TYPES.ingest.RecordingPaused)).toEqual([expect.objectContaining({ recordingId, stages: ['TRIM'] })]);
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')?.status).toBe('STAGE_STATUS_PENDING');
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', previousStatus: 'RECORDING_STATUS_PROCESSING' });
    }, { timeoutMs: 30_000, intervalMs: 100 });
  });

  it('does not find an unknown recording or another user\'s (404)', async () => {
    const recordingId = await uploaded('Lecture of user 1');
    await ready(recordingId);
    expect(await refusal(() => reset(recordingId, true, OTHER_USER))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(await refusal(() => reset(newMessageId(), false))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(commandTypesOf(recordingId)).not.toContain(MESSAGE_TYPES.storage.DeleteRecordingObjects);
  });
});
