import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ObjectRef, SubtitleTranslation } from '@leap/contracts';
import type { RecordingState, StageName } from '../pipeline/pipeline-state';

/** The artifacts the stages produced, as the object references their result events carried. */
export interface RecordingArtifacts {
  video?: ObjectRef;
  audio?: ObjectRef;
  master?: ObjectRef;
  topics?: ObjectRef;
  srt?: ObjectRef;
  vtt?: ObjectRef;
  /** The subtitles translated into the effective config's `translateTo` languages (the last GENERATE_SUBTITLES run's). */
  translations?: SubtitleTranslation[];
}

/** An output preset a recording publishes with, and the preset's platform (`youtube`, `vk_video`, `yandex_disk`, `local`). */
export interface OutputPresetRef {
  presetId: string;
  platform: string;
}

/** The recording aggregate: where it came from, its status, its failure and its artifacts. */
@Entity({ name: 'recordings' })
export class RecordingEntity {
  /** UUIDv7 assigned by whoever registered the recording (the gateway for uploads). */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('text')
  title!: string;

  @Column('text', { name: 'original_filename', nullable: true })
  originalFilename!: string | null;

  /** `UPLOAD`, `ZOOM`, `URL` or `YANDEX_DISK`. */
  @Column('text', { name: 'source_type' })
  sourceType!: string;

  @Column('text', { name: 'source_key', nullable: true })
  sourceKey!: string | null;

  /** int64 as a decimal string, as on the wire. */
  @Column('bigint', { name: 'source_size_bytes', nullable: true })
  sourceSizeBytes!: string | null;

  @Column('text', { name: 'source_checksum_sha256', nullable: true })
  sourceChecksumSha256!: string | null;

  @Column('text', { name: 'source_content_type', nullable: true })
  sourceContentType!: string | null;

  /** The quota reservation the registration consumed. */
  @Column('text', { name: 'reservation_id', nullable: true })
  reservationId!: string | null;

  @Column('text')
  status!: RecordingState;

  @Column('boolean', { default: false })
  failed!: boolean;

  @Column('text', { name: 'failed_stage', nullable: true })
  failedStage!: StageName | null;

  /** The output target whose upload failed (an UPLOAD failure only). */
  @Column('text', { name: 'failed_target', nullable: true })
  failedTarget!: string | null;

  @Column('text', { name: 'failure_code', nullable: true })
  failureCode!: string | null;

  @Column('text', { name: 'failure_reason', nullable: true })
  failureReason!: string | null;

  @Column('timestamptz', { name: 'failed_at', nullable: true })
  failedAt!: Date | null;

  /** Paused by its owner: nothing starts until a run resumes it. */
  @Column('boolean', { default: false })
  paused!: boolean;

  @Column('jsonb', { default: () => "'{}'::jsonb" })
  artifacts!: RecordingArtifacts;

  /** The output presets it publishes with; read through `outputConfig` (pipeline/output-config.ts), never directly. */
  @Column('jsonb', { name: 'output_presets', default: () => "'[]'::jsonb" })
  outputPresets!: OutputPresetRef[];

  @Column('timestamptz', { name: 'pipeline_started_at', nullable: true })
  pipelineStartedAt!: Date | null;

  @Column('timestamptz', { name: 'pipeline_completed_at', nullable: true })
  pipelineCompletedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  /** When it expires (is soft-deleted with reason EXPIRED) unless deleted before. */
  @Column('timestamptz', { name: 'expire_at' })
  expireAt!: Date;

  /** Null while live; SOFT while restorable; PURGED once its files are gone. */
  @Column('text', { name: 'delete_state', nullable: true })
  deleteState!: DeleteState | null;

  @Column('text', { name: 'deletion_reason', nullable: true })
  deletionReason!: DeletionReasonName | null;

  /** The end of the restore window: then its files are removed. */
  @Column('timestamptz', { name: 'purge_at', nullable: true })
  purgeAt!: Date | null;

  /** When the aggregate itself goes. */
  @Column('timestamptz', { name: 'hard_delete_at', nullable: true })
  hardDeleteAt!: Date | null;
}

export type DeleteState = 'SOFT' | 'PURGED';
export type DeletionReasonName = 'MANUAL' | 'EXPIRED';
