import { Column, Entity, PrimaryColumn } from 'typeorm';

export type PublicationStatus = 'QUEUED' | 'UPLOADING' | 'PUBLISHED' | 'FAILED' | 'RETRACTING' | 'RETRACTED';

/** The latest outcome of publishing one recording to one output target. */
@Entity({ name: 'publications' })
export class PublicationEntity {
  @PrimaryColumn('text', { name: 'recording_id' })
  recordingId!: string;

  @PrimaryColumn('text', { name: 'target_id' })
  targetId!: string;

  @Column('text', { name: 'user_id' })
  userId!: string;

  /** `YOUTUBE`, `VK`, `YANDEX_DISK` or `LOCAL`. */
  @Column('text')
  platform!: string;

  @Column('text')
  status!: PublicationStatus;

  /** The preset a target was asked for with. */
  @Column('uuid', { name: 'preset_id', nullable: true })
  presetId!: string | null;

  /** Folder of a local export. */
  @Column('text', { nullable: true })
  location!: string | null;

  @Column('text', { nullable: true })
  url!: string | null;

  @Column('text', { name: 'external_id', nullable: true })
  externalId!: string | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  /** Files put next to the item (a Yandex Disk upload's sidecars: their disk paths), removed with it by a retract. */
  @Column('jsonb', { default: () => "'[]'::jsonb" })
  sidecars!: string[];

  /** How many publish commands reached this target. */
  @Column('integer', { default: 1 })
  attempts!: number;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  @Column('timestamptz', { name: 'retracted_at', nullable: true })
  retractedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
