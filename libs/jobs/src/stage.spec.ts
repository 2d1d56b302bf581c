import { LeapError } from '@leap/errors';
import { type MessageContext } from '@leap/messaging';
import { JobContext, type JobCommit, type JobFailure } from './job-context';
import type { JobRecord } from './job-store';
import { runStageJob, stageFailed, type StageFailure } from './stage';

type Command = { recordingId: string };

function job(signal = new AbortController().signal): JobContext<Command> {
  return new JobContext<Command>({ id: 'j1', attempts: 1, envelope: { data: { recordingId: 'r1' } } } as unknown as JobRecord, signal, () => undefined);
}

const ctx = { data: { recordingId: 'r1' } } as MessageContext<Command>;

function reporter(): { reported: StageFailure[]; report: (c: MessageContext<Command>, f: StageFailure) => Promise<void> } {
  const reported: StageFailure[] = [];
  return { reported, report: async (_c, f) => void reported.push(f) };
}

describe('runStageJob', () => {
  it('commits what the work returns', async () => {
    const { reported, report } = reporter();
    const commit: JobCommit = async () => 'done';
    expect(await runStageJob(job(), report, async () => commit)).toBe(commit);
    expect(reported).toEqual([]);
  });

  it("turns a non-retryable LeapError into the stage's failure, reported when the job commits", async () => {
    const { reported, report } = reporter();
    const commit = await runStageJob(job(), report, () => Promise.reject(new LeapError('MEDIA.NO_AUDIO', 'no audio track')));
    expect(reported).toEqual([]);
    await commit(ctx);
    expect(reported).toEqual([{ code: 'MEDIA.NO_AUDIO', message: 'no audio track', retryable: false }]);
  });

  it('throws retryable errors, plain errors and the error of a cancelled job, reporting nothing', async () => {
    const { reported, report } = reporter();
    const retryable = new LeapError('MEDIA.STORAGE_UNAVAILABLE', 'down', { retryable: true });
    await expect(runStageJob(job(), report, () => Promise.reject(retryable))).rejects.toBe(retryable);
    await expect(runStageJob(job(), report, () => Promise.reject(new Error('ENOSPC')))).rejects.toThrow('ENOSPC');
    const cancelled = new AbortController();
    cancelled.abort();
    const final = new LeapError('MEDIA.NO_AUDIO', 'no audio track');
    await expect(runStageJob(job(cancelled.signal), report, () => Promise.reject(final))).rejects.toBe(final);
    expect(reported).toEqual([]);
  });
});

describe('stageFailed', () => {
  it("reports <AREA>.RETRIES_EXHAUSTED with the last error once the job's attempts ran out", async () => {
    const { reported, report } = reporter();
    const failure: JobFailure = { error: new Error('down'), code: 'MEDIA.STORAGE_UNAVAILABLE', message: 'down', retriesExhausted: true, retryCount: 2, attempts: 3, workerLost: false };
    await stageFailed(ctx, 'MEDIA', failure, report);
    expect(reported).toEqual([
      { code: 'MEDIA.RETRIES_EXHAUSTED', message: 'Gave up after 3 attempts; last error MEDIA.STORAGE_UNAVAILABLE: down', retryable: false },
    ]);
  });
});
