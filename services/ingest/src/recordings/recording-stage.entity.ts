import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { StageName, StageState } from '../pipeline/pipeline-state';

/** One stage of a recording; UPLOAD has one row per output target, the others an empty target. */
@Entity({ name: 'recording_stages' })
export class RecordingStageEntity {
  @PrimaryColumn('uuid', { name: 'recording_id' })
  recordingId!: string;

  @PrimaryColumn('text')
  stage!: StageName;

  /** The output target id for UPLOAD; empty for every other stage. */
  @PrimaryColumn('text', { default: '' })
  target!: string;

  @Column('text')
  status!: StageState;

  /** 0 until the stage first starts; each start increments it. */
  @Column('integer', { default: 0 })
  attempt!: number;

  /** For UPLOAD: the platform of the target (`PLATFORM_LOCAL`, ...). */
  @Column('text', { nullable: true })
  platform!: string | null;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  /** What the stage's result reported (durations, the published URL, a skip reason...). */
  @Column('jsonb', { default: () => "'{}'::jsonb" })
  details!: Record<string, unknown>;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
