import { Upload, type KvStore } from '@tus/utils';
import { ResumableUploadsRepository } from './resumable-uploads.repository';

/**
 * Where tus keeps what it knows of an upload besides its bytes (length, metadata, creation date):
 * the gateway's `resumable_uploads` rows, written when the gateway admits the upload. So the state
 * of every upload is in the database, and the upload folder holds nothing but bytes.
 */
export class UploadInfoStore implements KvStore<Upload> {
  constructor(private readonly uploads: ResumableUploadsRepository) {}

  async get(id: string): Promise<Upload | undefined> {
    const row = await this.uploads.find(id);
    if (!row || row.state !== 'RECEIVING') return undefined;
    return new Upload({ id, size: row.sizeBytes, offset: 0, metadata: row.metadata, creation_date: row.createdAt.toISOString() });
  }

  /** The row was written at admission, with everything tus would set. */
  async set(): Promise<void> {}

  /** Termination: the row goes with the bytes. */
  async delete(id: string): Promise<void> {
    await this.uploads.delete(id);
  }
}
