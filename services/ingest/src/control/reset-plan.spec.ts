import type { StageSnapshot } from '../pipeline/pipeline-state';
import { resetPlan } from './reset-plan';

const s = (stage: StageSnapshot['stage'], status: StageSnapshot['status'], target = ''): StageSnapshot => ({ stage, status, target });

const finished = [
  s('DOWNLOAD', 'COMPLETED'),
  s('TRIM', 'COMPLETED'),
  s('TRANSCRIBE', 'COMPLETED'),
  s('EXTRACT_TOPICS', 'COMPLETED'),
  s('GENERATE_SUBTITLES', 'SKIPPED'),
  s('UPLOAD', 'COMPLETED', 'local'),
  s('UPLOAD', 'FAILED', 'preset-1'),
];

describe('resetPlan', () => {
  it('keeps an imported original: the download stays done, the rest goes back to PENDING, preset targets go', () => {
    const plan = resetPlan({ status: 'UPLOADED', stages: finished, imported: true, keepSource: true, defaultTarget: 'local' });
    expect(plan.status).toBe('DOWNLOADED');
    expect(plan.kept.map(({ stage, status }) => `${stage.stage}:${stage.target}=${status}`)).toEqual([
      'DOWNLOAD:=COMPLETED',
      'TRIM:=PENDING',
      'TRANSCRIBE:=PENDING',
      'EXTRACT_TOPICS:=PENDING',
      'GENERATE_SUBTITLES:=PENDING',
      'UPLOAD:local=PENDING',
    ]);
    expect(plan.dropped.map((d) => d.target)).toEqual(['preset-1']);
    expect(plan.cancelled).toEqual([]);
  });

  it('with the files deleted, an imported recording is fetched again: INITIALIZED, its download PENDING', () => {
    const plan = resetPlan({ status: 'READY', stages: finished, imported: true, keepSource: false, defaultTarget: 'local' });
    expect(plan.status).toBe('INITIALIZED');
    expect(plan.kept.find(({ stage }) => stage.stage === 'DOWNLOAD')?.status).toBe('PENDING');
  });

  it('a direct upload keeps its download SKIPPED; without its original it is INITIALIZED', () => {
    const stages = [s('DOWNLOAD', 'SKIPPED'), s('TRIM', 'IN_PROGRESS'), s('TRANSCRIBE', 'PENDING')];
    const kept = resetPlan({ status: 'PROCESSING', stages, imported: false, keepSource: true, defaultTarget: 'local' });
    expect(kept.status).toBe('DOWNLOADED');
    expect(kept.cancelled.map((c) => c.stage)).toEqual(['TRIM']);
    const gone = resetPlan({ status: 'PROCESSING', stages, imported: false, keepSource: false, defaultTarget: 'local' });
    expect(gone.status).toBe('INITIALIZED');
    expect(gone.kept.map(({ status }) => status)).toEqual(['SKIPPED', 'PENDING', 'PENDING']);
  });

  it('leaves PENDING_SOURCE, SKIPPED and EXPIRED as they are', () => {
    for (const status of ['PENDING_SOURCE', 'SKIPPED', 'EXPIRED'] as const) {
      expect(resetPlan({ status, stages: [s('DOWNLOAD', 'PENDING')], imported: true, keepSource: false, defaultTarget: 'local' }).status).toBe(status);
    }
  });
});
