import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DownloadMethodName = 'HTTP' | 'YT_DLP';

/** Where an imported recording's original comes from: the DOWNLOAD stage's input. */
@Entity({ name: 'recording_sources' })
export class RecordingSourceEntity {
  @PrimaryColumn('uuid', { name: 'recording_id' })
  recordingId!: string;

  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('text')
  method!: DownloadMethodName;

  @Column('text')
  url!: string;

  /** `platform:video_id` for yt-dlp sources; stable across syncs. */
  @Column('text', { name: 'source_key', nullable: true })
  sourceKey!: string | null;

  @Column('text', { nullable: true })
  platform!: string | null;

  /** int64 as a decimal string. */
  @Column('bigint', { name: 'expected_size_bytes', nullable: true })
  expectedSizeBytes!: string | null;

  @Column('text', { nullable: true })
  quality!: string | null;

  @Column('text', { name: 'format_preference', nullable: true })
  formatPreference!: string | null;

  @Column('jsonb', { default: () => "'{}'::jsonb" })
  metadata!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
