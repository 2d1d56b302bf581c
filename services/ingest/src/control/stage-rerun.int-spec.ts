import { DataSource } from 'typeorm';
import {
  MESSAGE_TYPES,
  PipelineStage,
  SubtitleFormat,
  TopicGranularity,
  type ExtractTopics,
  type GenerateSubtitles,
  type RecordingStatusChanged,
  type StageRerunSettings,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '../service';
import { fakeStages, registerUpload } from '../testing/fake-stages';

const USER = 'user-1';
const WAIT = { timeoutMs: 60_000, intervalMs: 100 };

const fakes = fakeStages();
const { held, failing, heldAt, ofType, sentOf } = fakes;
const lastStatus = (recordingId: string) => ofType<RecordingStatusChanged>(recordingId, MESSAGE_TYPES.ingest.RecordingStatusChanged).at(-1);
/** Each stage's latest status and attempt, e.g. `TRIM:COMPLETED:2`. */
function stagesOf(recordingId: string): string[] {
  const order = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD'];
  return [...fakes.latestStages(recordingId).values()]
    .map((s) => `${s.stage.replace('PIPELINE_STAGE_', '')}:${s.status.replace('STAGE_STATUS_', '')}:${s.attempt}`)
    .sort((a, b) => order.indexOf(a.split(':')[0]) - order.indexOf(b.split(':')[0]));
}

describe('re-running one stage (pipeline control)', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_stage_rerun');
    await world.start(ingestService);
    const downstream = await world.start(fakes.definition);
    bus = downstream.app.get(MessageBus);
    dataSource = downstream.app.get(DataSource);
  }, 120_000);

  afterAll(() => world?.close());

  async function uploaded(title: string, options: { hold?: boolean; fail?: boolean } = {}): Promise<string> {
    const recordingId = newMessageId();
    if (options.hold) held.add(recordingId);
    if (options.fail) failing.add(recordingId);
    return registerUpload(bus, dataSource, USER, title, recordingId);
  }

  const ask = { subject: 'rerun', tenant: USER, timeoutMs: 15_000 };
  const rerun = (recordingId: string, stage: PipelineStage, settings: StageRerunSettings = {}, userId = USER) =>
    bus.request(MESSAGE_TYPES.ingest.RerunStage, { recordingId, userId, stage, settings }, { ...ask, subject: recordingId });
  const pause = (recordingId: string) => bus.request(MESSAGE_TYPES.ingest.PauseRecording, { recordingId, userId: USER }, { ...ask, subject: recordingId });

  async function refusal(call: () => Promise<unknown>): Promise<{ code: string; status: number }> {
    try {
      await call();
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status };
      throw error;
    }
    throw new Error('the query was not refused');
  }

  it('runs the asked stage alone, with the settings asked, on a paused recording that stays paused', async () => {
    const recordingId = await uploaded('Paused lecture', { hold: true });
    await eventually(() => expect(sentOf(recordingId, MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1), WAIT);
    await pause(recordingId);
    held.delete(recordingId);
    // The trim never finished: nothing to transcribe or subtitle yet.
    expect(await refusal(() => rerun(recordingId, PipelineStage.TRANSCRIBE))).toEqual({ code: 'INGEST.STAGE_NOT_READY', status: 409 });
    expect(await refusal(() => rerun(recordingId, PipelineStage.GENERATE_SUBTITLES))).toEqual({ code: 'INGEST.STAGE_NOT_READY', status: 409 });

    const trim = await rerun(recordingId, PipelineStage.TRIM, { thresholdDb: -30, minSilenceSeconds: 1, paddingBeforeSeconds: 0, paddingAfterSeconds: 2 });
    expect(trim).toEqual({ recordingId, status: 'PROCESSING', paused: true, stages: ['TRIM'], attempt: 2 });
    await eventually(() => expect(sentOf<TrimRecording>(recordingId, MESSAGE_TYPES.media.TrimRecording).at(1)).toMatchObject({ thresholdDb: -30, minSilenceSeconds: 1, paddingBeforeSeconds: 0, paddingAfterSeconds: 2 }), WAIT);
    await eventually(() => {
      // The later stages publish nothing: they stay PENDING as they were planned.
      expect(stagesOf(recordingId)).toEqual(['DOWNLOAD:SKIPPED:0', 'TRIM:COMPLETED:2']);
      expect(lastStatus(recordingId)?.status).toBe('RECORDING_STATUS_DOWNLOADED');
    }, WAIT);
    expect(sentOf(recordingId, MESSAGE_TYPES.transcription.TranscribeRecording)).toEqual([]);

    const transcribe = await rerun(recordingId, PipelineStage.TRANSCRIBE, { language: 'de' });
    expect(transcribe).toMatchObject({ stages: ['TRANSCRIBE'], attempt: 1, paused: true });
    await eventually(() => expect(stagesOf(recordingId)).toContain('TRANSCRIBE:COMPLETED:1'), WAIT);
    expect(sentOf<TranscribeRecording>(recordingId, MESSAGE_TYPES.transcription.TranscribeRecording)).toEqual([expect.objectContaining({ language: 'de' })]);
    // Still paused: the topics and subtitles wait for a run.
    expect(stagesOf(recordingId).filter((s) => s.startsWith('EXTRACT_TOPICS'))).toEqual([]);
    expect(sentOf(recordingId, MESSAGE_TYPES.transcription.ExtractTopics)).toEqual([]);

    expect(await rerun(recordingId, PipelineStage.GENERATE_SUBTITLES)).toMatchObject({ stages: ['GENERATE_SUBTITLES'], attempt: 1 });
    await eventually(() => expect(stagesOf(recordingId)).toContain('GENERATE_SUBTITLES:COMPLETED:1'), WAIT);
    expect(sentOf(recordingId, MESSAGE_TYPES.transcription.ExtractTopics)).toEqual([]);
  });

  it('lifts the failure of a failed stage it re-runs, and what had not run yet follows', async () => {
    const recordingId = await uploaded('Broken lecture', { fail: true });
    await eventually(() => expect(lastStatus(recordingId)).toMatchObject({ failed: true, failedStage: 'PIPELINE_STAGE_TRIM' }), WAIT);
    failing.delete(recordingId);

    expect(await rerun(recordingId, PipelineStage.TRIM)).toMatchObject({ status: 'PROCESSING', paused: false, stages: ['TRIM'], attempt: 2 });
    await eventually(() => {
      expect(lastStatus(recordingId)).toMatchObject({ status: 'RECORDING_STATUS_READY', failed: false });
      expect(stagesOf(recordingId)).toEqual(['DOWNLOAD:SKIPPED:0', 'TRIM:COMPLETED:2', 'TRANSCRIBE:COMPLETED:1', 'EXTRACT_TOPICS:COMPLETED:1', 'GENERATE_SUBTITLES:COMPLETED:1', 'UPLOAD:COMPLETED:1']);
    }, WAIT);

    // READY: a re-run transcription redoes that stage only.
    expect(await rerun(recordingId, PipelineStage.TRANSCRIBE)).toMatchObject({ stages: ['TRANSCRIBE'], attempt: 2 });
    await eventually(() => {
      expect(stagesOf(recordingId)).toEqual(['DOWNLOAD:SKIPPED:0', 'TRIM:COMPLETED:2', 'TRANSCRIBE:COMPLETED:2', 'EXTRACT_TOPICS:COMPLETED:1', 'GENERATE_SUBTITLES:COMPLETED:1', 'UPLOAD:COMPLETED:1']);
      expect(lastStatus(recordingId)?.status).toBe('RECORDING_STATUS_READY');
    }, WAIT);
    expect(sentOf(recordingId, MESSAGE_TYPES.transcription.ExtractTopics)).toHaveLength(1);
  });

  it('refuses while a stage is in progress, a stage it cannot re-run alone, and another user\'s recording', async () => {
    const recordingId = await uploaded('Running lecture', { hold: true });
    await eventually(() => expect(sentOf(recordingId, MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1), WAIT);
    for (const stage of [PipelineStage.TRIM, PipelineStage.TRANSCRIBE, PipelineStage.EXTRACT_TOPICS, PipelineStage.GENERATE_SUBTITLES]) {
      expect(await refusal(() => rerun(recordingId, stage))).toEqual({ code: 'INGEST.ALREADY_RUNNING', status: 409 });
    }
    expect(await refusal(() => rerun(recordingId, PipelineStage.UPLOAD))).toEqual({ code: 'INGEST.UNKNOWN_STAGE', status: 400 });
    expect(await refusal(() => rerun(recordingId, PipelineStage.TRIM, {}, 'user-2'))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(await refusal(() => rerun(newMessageId(), PipelineStage.TRIM))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(sentOf(recordingId, MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1);
    held.delete(recordingId);
  });

  it('extracts topics again with the granularity and questions asked, and refuses while the transcription or an extraction runs', async () => {
    const recordingId = await uploaded('Topics lecture');
    await eventually(() => expect(lastStatus(recordingId)?.status).toBe('RECORDING_STATUS_READY'), WAIT);

    const topics = await rerun(recordingId, PipelineStage.EXTRACT_TOPICS, { granularity: 'long', questionsCount: 5 });
    expect(topics).toMatchObject({ status: 'PROCESSING', stages: ['EXTRACT_TOPICS'], attempt: 2 });
    await eventually(() => expect(stagesOf(recordingId)).toContain('EXTRACT_TOPICS:COMPLETED:2'), WAIT);
    expect(sentOf<ExtractTopics>(recordingId, MESSAGE_TYPES.transcription.ExtractTopics).at(-1)).toMatchObject({ granularity: TopicGranularity.LONG, questionsCount: 5 });

    // A re-transcription runs: an extraction now would read the transcript it is about to replace.
    heldAt.set(recordingId, MESSAGE_TYPES.transcription.TranscribeRecording);
    expect(await rerun(recordingId, PipelineStage.TRANSCRIBE)).toMatchObject({ stages: ['TRANSCRIBE'], attempt: 2 });
    const extractions = sentOf(recordingId, MESSAGE_TYPES.transcription.ExtractTopics).length;
    expect(await refusal(() => rerun(recordingId, PipelineStage.EXTRACT_TOPICS, { granularity: 'short' }))).toEqual({ code: 'INGEST.ALREADY_RUNNING', status: 409 });
    await pause(recordingId);
    await eventually(() => expect(stagesOf(recordingId)).toContain('TRANSCRIBE:PENDING:2'), WAIT);

    // An extraction runs: a second one is refused as well, and nothing more is sent.
    heldAt.set(recordingId, MESSAGE_TYPES.transcription.ExtractTopics);
    expect(await rerun(recordingId, PipelineStage.EXTRACT_TOPICS, { granularity: 'medium' })).toMatchObject({ stages: ['EXTRACT_TOPICS'], attempt: 3 });
    expect(await refusal(() => rerun(recordingId, PipelineStage.EXTRACT_TOPICS, { granularity: 'short' }))).toEqual({ code: 'INGEST.ALREADY_RUNNING', status: 409 });
    expect(sentOf(recordingId, MESSAGE_TYPES.transcription.ExtractTopics)).toHaveLength(extractions + 1);
  });

  it('asks the subtitles stage for the formats named, and for both when none is', async () => {
    const recordingId = await uploaded('Subtitled lecture');
    await eventually(() => expect(lastStatus(recordingId)?.status).toBe('RECORDING_STATUS_READY'), WAIT);
    expect(await rerun(recordingId, PipelineStage.GENERATE_SUBTITLES, { subtitleFormats: ['vtt'] })).toMatchObject({ stages: ['GENERATE_SUBTITLES'], attempt: 2 });
    await eventually(() => expect(stagesOf(recordingId)).toContain('GENERATE_SUBTITLES:COMPLETED:2'), WAIT);
    expect(await rerun(recordingId, PipelineStage.GENERATE_SUBTITLES)).toMatchObject({ attempt: 3 });
    await eventually(() => expect(stagesOf(recordingId)).toContain('GENERATE_SUBTITLES:COMPLETED:3'), WAIT);
    const sent = sentOf<GenerateSubtitles>(recordingId, MESSAGE_TYPES.transcription.GenerateSubtitles);
    expect(sent.map((c) => c.formats ?? [])).toEqual([[], [SubtitleFormat.VTT], []]);
  });
});
