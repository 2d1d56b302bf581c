import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What a catalogued object holds: the `ObjectKind` of the contracts without its prefix. */
export type CatalogueKind = 'SOURCE' | 'VIDEO' | 'AUDIO' | 'POSTER' | 'THUMBNAIL' | 'TRANSCRIPT' | 'TOPICS' | 'SUBTITLES_SRT' | 'SUBTITLES_VTT';

/** One object in the store, as the catalogue knows it. */
@Entity({ name: 'stored_objects' })
export class StoredObjectEntity {
  /** The storage key (`users/<userId>/recordings/<recordingId>/video.mp4`). */
  @PrimaryColumn('text')
  key!: string;

  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { name: 'recording_id', nullable: true })
  recordingId!: string | null;

  @Column('text')
  kind!: CatalogueKind;

  /** int64 as a decimal string, as on the wire. */
  @Column('bigint', { name: 'size_bytes' })
  sizeBytes!: string;

  @Column('text', { name: 'checksum_sha256', nullable: true })
  checksumSha256!: string | null;

  @Column('text', { name: 'content_type', nullable: true })
  contentType!: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
