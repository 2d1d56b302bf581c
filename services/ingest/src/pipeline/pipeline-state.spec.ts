import {
  acceptsResult,
  deriveStatus,
  isPipelineComplete,
  rerunRefusal,
  runRefusal,
  stageLabel,
  stagesToPause,
  stagesToStart,
  type StageSnapshot,
  type StageState,
} from './pipeline-state';

type Plan = Partial<Record<'DOWNLOAD' | 'TRIM' | 'TRANSCRIBE' | 'EXTRACT_TOPICS' | 'GENERATE_SUBTITLES', StageState>> & { uploads?: Record<string, StageState> };

/** A full upload pipeline: download skipped, every processing stage pending, one local target. */
function stages(plan: Plan = {}): StageSnapshot[] {
  const one = (stage: StageSnapshot['stage'], fallback: StageState): StageSnapshot => ({ stage, target: '', status: plan[stage as keyof Plan] as StageState ?? fallback });
  return [
    one('DOWNLOAD', 'SKIPPED'),
    one('TRIM', 'PENDING'),
    one('TRANSCRIBE', 'PENDING'),
    one('EXTRACT_TOPICS', 'PENDING'),
    one('GENERATE_SUBTITLES', 'PENDING'),
    ...Object.entries(plan.uploads ?? { local: 'PENDING' as StageState }).map(([target, status]): StageSnapshot => ({ stage: 'UPLOAD', target, status })),
  ];
}

const names = (list: StageSnapshot[]) => list.map((s) => (s.target ? `${s.stage}:${s.target}` : s.stage));

describe('which stages start next', () => {
  it('starts the trim first when the download is skipped', () => {
    expect(names(stagesToStart(stages(), false))).toEqual(['TRIM']);
  });

  it('waits for the download when it is still running', () => {
    expect(names(stagesToStart(stages({ DOWNLOAD: 'IN_PROGRESS' }), false))).toEqual([]);
  });

  it('starts the transcription after the trim', () => {
    expect(names(stagesToStart(stages({ TRIM: 'COMPLETED' }), false))).toEqual(['TRANSCRIBE']);
  });

  it('starts topics and subtitles together after the transcript', () => {
    expect(names(stagesToStart(stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED' }), false))).toEqual(['EXTRACT_TOPICS', 'GENERATE_SUBTITLES']);
  });

  it('waits for both topics and subtitles before uploading', () => {
    const halfway = stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'IN_PROGRESS' });
    expect(names(stagesToStart(halfway, false))).toEqual([]);
  });

  it('starts one upload per target once every processing stage is finished, skipped ones included', () => {
    const done = stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'SKIPPED', GENERATE_SUBTITLES: 'COMPLETED', uploads: { local: 'PENDING', youtube: 'PENDING' } });
    expect(names(stagesToStart(done, false))).toEqual(['UPLOAD:local', 'UPLOAD:youtube']);
  });

  it('treats a stage that is not planned as left out', () => {
    const withoutTrim = stages().filter((s) => s.stage !== 'TRIM');
    expect(names(stagesToStart(withoutTrim, false))).toEqual(['TRANSCRIBE']);
  });

  it('starts nothing while the recording is paused', () => {
    expect(names(stagesToStart(stages(), false, true))).toEqual([]);
    expect(names(stagesToStart(stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED' }), false, true))).toEqual([]);
  });

  it('starts nothing after a failure', () => {
    expect(names(stagesToStart(stages({ TRIM: 'FAILED' }), true))).toEqual([]);
    expect(names(stagesToStart(stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'FAILED', GENERATE_SUBTITLES: 'COMPLETED' }), false))).toEqual([]);
  });
});

describe('the recording status derived from its stages', () => {
  it('keeps an upload DOWNLOADED before anything runs', () => {
    expect(deriveStatus('DOWNLOADED', stages())).toBe('DOWNLOADED');
  });

  it('is PROCESSING while trim, transcription, topics or subtitles run', () => {
    expect(deriveStatus('DOWNLOADED', stages({ TRIM: 'IN_PROGRESS' }))).toBe('PROCESSING');
    expect(deriveStatus('PROCESSING', stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'IN_PROGRESS' }))).toBe(
      'PROCESSING',
    );
  });

  it('is DOWNLOADING while the download runs', () => {
    expect(deriveStatus('INITIALIZED', stages({ DOWNLOAD: 'IN_PROGRESS' }))).toBe('DOWNLOADING');
  });

  it('is PROCESSED when every processing stage is finished and no upload has started', () => {
    const processed = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'SKIPPED' } as const;
    expect(deriveStatus('PROCESSING', stages(processed))).toBe('PROCESSED');
    expect(deriveStatus('PROCESSING', stages({ ...processed, uploads: {} }))).toBe('PROCESSED');
  });

  it('follows the uploads: UPLOADING, then READY, UPLOADED when some failed, PROCESSED when all failed', () => {
    const processed = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED' } as const;
    expect(deriveStatus('PROCESSED', stages({ ...processed, uploads: { a: 'IN_PROGRESS', b: 'COMPLETED' } }))).toBe('UPLOADING');
    expect(deriveStatus('UPLOADING', stages({ ...processed, uploads: { a: 'COMPLETED', b: 'COMPLETED' } }))).toBe('READY');
    expect(deriveStatus('UPLOADING', stages({ ...processed, uploads: { a: 'COMPLETED', b: 'FAILED' } }))).toBe('UPLOADED');
    expect(deriveStatus('UPLOADING', stages({ ...processed, uploads: { a: 'FAILED', b: 'FAILED' } }))).toBe('PROCESSED');
  });

  it('rolls back to DOWNLOADED when a processing stage failed, as the reference does', () => {
    expect(deriveStatus('PROCESSING', stages({ TRIM: 'FAILED' }))).toBe('DOWNLOADED');
    expect(deriveStatus('PROCESSING', stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'FAILED' }))).toBe('DOWNLOADED');
  });

  it('stays PROCESSING while a parallel stage still runs after the other failed', () => {
    expect(deriveStatus('PROCESSING', stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'FAILED', GENERATE_SUBTITLES: 'IN_PROGRESS' }))).toBe(
      'PROCESSING',
    );
  });

  it('never moves EXPIRED, SKIPPED or PENDING_SOURCE', () => {
    for (const sticky of ['EXPIRED', 'SKIPPED', 'PENDING_SOURCE'] as const) {
      expect(deriveStatus(sticky, stages({ TRIM: 'IN_PROGRESS' }))).toBe(sticky);
    }
  });

  it('calls the pipeline complete only when every stage is completed or skipped', () => {
    const all = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED' } as const;
    expect(isPipelineComplete(stages({ ...all, uploads: { local: 'COMPLETED' } }))).toBe(true);
    expect(isPipelineComplete(stages({ ...all, uploads: { local: 'FAILED' } }))).toBe(false);
    expect(isPipelineComplete(stages(all))).toBe(false);
  });
});

describe('which results a stage takes', () => {
  const stage = (status: StageSnapshot['status']): StageSnapshot => ({ stage: 'TRIM', target: '', status });

  it('takes either result while running, a late success after a failure, and nothing otherwise', () => {
    expect(acceptsResult(stage('IN_PROGRESS'), 'completed')).toBe(true);
    expect(acceptsResult(stage('IN_PROGRESS'), 'failed')).toBe(true);
    expect(acceptsResult(stage('FAILED'), 'completed')).toBe(true);
    expect(acceptsResult(stage('FAILED'), 'failed')).toBe(false);
    for (const status of ['PENDING', 'COMPLETED', 'SKIPPED'] as const) {
      expect([acceptsResult(stage(status), 'completed'), acceptsResult(stage(status), 'failed')]).toEqual([false, false]);
    }
    expect(acceptsResult(undefined, 'completed')).toBe(false);
  });
});

describe('pausing', () => {
  it('sends back every stage in progress, uploads named by their target', () => {
    const parallel = stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'IN_PROGRESS', GENERATE_SUBTITLES: 'IN_PROGRESS' });
    expect(names(stagesToPause(parallel) as StageSnapshot[])).toEqual(['EXTRACT_TOPICS', 'GENERATE_SUBTITLES']);
    const uploading = stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED', uploads: { local: 'IN_PROGRESS', youtube: 'COMPLETED' } });
    expect((stagesToPause(uploading) as StageSnapshot[]).map(stageLabel)).toEqual(['UPLOAD:local']);
  });

  it('refuses when nothing is in progress', () => {
    expect(stagesToPause(stages())).toBe('INGEST.NOTHING_TO_PAUSE');
    expect(stagesToPause(stages({ TRIM: 'FAILED' }))).toBe('INGEST.NOTHING_TO_PAUSE');
  });

  it('rolls the status back once the paused stages are PENDING again', () => {
    // What the status is once the stages that ran are PENDING again.
    expect(deriveStatus('PROCESSING', stages())).toBe('DOWNLOADED');
    expect(deriveStatus('PROCESSING', stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED' }))).toBe('DOWNLOADED');
    const processed = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED' } as const;
    expect(deriveStatus('UPLOADING', stages(processed))).toBe('PROCESSED');
    expect(deriveStatus('DOWNLOADING', stages({ DOWNLOAD: 'PENDING' }))).toBe('INITIALIZED');
  });

  it('ignores a late result for a stage a pause sent back to PENDING', () => {
    const paused: StageSnapshot = { stage: 'TRIM', target: '', status: 'PENDING' };
    expect([acceptsResult(paused, 'completed'), acceptsResult(paused, 'failed')]).toEqual([false, false]);
  });
});

describe('running (smart resume)', () => {
  it('refuses an expired recording and one still waiting for its source', () => {
    expect(runRefusal('EXPIRED', stages())).toBe('INGEST.NOT_RUNNABLE');
    expect(runRefusal('PENDING_SOURCE', stages())).toBe('INGEST.NOT_RUNNABLE');
  });

  it('refuses while a stage is in progress', () => {
    expect(runRefusal('PROCESSING', stages({ TRIM: 'IN_PROGRESS' }))).toBe('INGEST.ALREADY_RUNNING');
  });

  it('accepts a paused, a failed, a waiting and a finished recording', () => {
    expect(runRefusal('DOWNLOADED', stages())).toBeUndefined();
    expect(runRefusal('DOWNLOADED', stages({ TRIM: 'FAILED' }))).toBeUndefined();
    const all = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED', uploads: { local: 'COMPLETED' } } as const;
    expect(runRefusal('READY', stages(all))).toBeUndefined();
    expect(names(stagesToStart(stages(all), false))).toEqual([]);
  });
});

describe('re-running one stage', () => {
  const done: Plan = { TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', EXTRACT_TOPICS: 'COMPLETED', GENERATE_SUBTITLES: 'COMPLETED', uploads: { local: 'COMPLETED' } };
  const all = { source: true, media: true, transcript: true };

  it('re-runs a completed, failed or skipped stage when the recording has what it works on', () => {
    expect(rerunRefusal('TRIM', { status: 'READY', stages: stages(done), ...all })).toBeUndefined();
    expect(rerunRefusal('TRANSCRIBE', { status: 'DOWNLOADED', stages: stages({ TRIM: 'SKIPPED', TRANSCRIBE: 'FAILED' }), ...all })).toBeUndefined();
    expect(rerunRefusal('GENERATE_SUBTITLES', { status: 'READY', stages: stages(done), source: false, media: false, transcript: true })).toBeUndefined();
    expect(rerunRefusal('EXTRACT_TOPICS', { status: 'READY', stages: stages(done), source: false, media: false, transcript: true })).toBeUndefined();
  });

  it('refuses while any stage is in progress, and on an expired recording or one whose source has not arrived', () => {
    expect(rerunRefusal('TRIM', { status: 'PROCESSING', stages: stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'IN_PROGRESS' }), ...all })).toEqual({ code: 'INGEST.ALREADY_RUNNING' });
    expect(rerunRefusal('GENERATE_SUBTITLES', { status: 'UPLOADING', stages: stages({ ...done, uploads: { local: 'IN_PROGRESS' } }), ...all })).toEqual({ code: 'INGEST.ALREADY_RUNNING' });
    expect(rerunRefusal('TRIM', { status: 'PENDING_SOURCE', stages: stages(), ...all })).toEqual({ code: 'INGEST.NOT_RUNNABLE' });
    // Topics are held to it too: while the transcription runs, or an extraction.
    expect(rerunRefusal('EXTRACT_TOPICS', { status: 'PROCESSING', stages: stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'IN_PROGRESS' }), ...all })).toEqual({ code: 'INGEST.ALREADY_RUNNING' });
    expect(rerunRefusal('EXTRACT_TOPICS', { status: 'PROCESSING', stages: stages({ ...done, EXTRACT_TOPICS: 'IN_PROGRESS' }), ...all })).toEqual({ code: 'INGEST.ALREADY_RUNNING' });
  });

  it('refuses before the recording has what the stage works on', () => {
    expect(rerunRefusal('TRIM', { status: 'INITIALIZED', stages: stages({ DOWNLOAD: 'PENDING' }), source: false, media: false, transcript: false })).toMatchObject({ code: 'INGEST.STAGE_NOT_READY' });
    expect(rerunRefusal('TRANSCRIBE', { status: 'DOWNLOADED', stages: stages({ TRIM: 'FAILED' }), ...all })).toEqual({ code: 'INGEST.STAGE_NOT_READY', missing: 'a finished trim' });
    expect(rerunRefusal('GENERATE_SUBTITLES', { status: 'PROCESSED', stages: stages({ TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED' }), ...all, transcript: false })).toEqual({ code: 'INGEST.STAGE_NOT_READY', missing: 'a transcript' });
    expect(rerunRefusal('EXTRACT_TOPICS', { status: 'DOWNLOADED', stages: stages({ TRIM: 'FAILED' }), ...all, transcript: false })).toEqual({ code: 'INGEST.STAGE_NOT_READY', missing: 'a transcript' });
  });
});
