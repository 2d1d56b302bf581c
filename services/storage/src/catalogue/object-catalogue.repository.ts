import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StoredObjectEntity } from './stored-object.entity';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

/** A row to write into the catalogue. */
export type CatalogueRow = Pick<StoredObjectEntity, 'key' | 'userId' | 'recordingId' | 'kind' | 'sizeBytes' | 'checksumSha256' | 'contentType'>;

/** Reads and writes the object catalogue (`stored_objects`). */
@Injectable()
export class ObjectCatalogueRepository {
  /**
   * Serialises every catalogue change of one user until the transaction ends, so the totals
   * computed in concurrent transactions are exact and published in order.
   */
  async lockUser(tx: Transaction, userId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('storage.usage:' || $1, 0))`, [userId]);
  }

  /** Bytes the user stores according to the catalogue. */
  async totalBytes(tx: Transaction, userId: string): Promise<bigint> {
    const rows: { total: string }[] = await tx.query(`SELECT COALESCE(SUM(size_bytes), 0)::text AS total FROM stored_objects WHERE user_id = $1`, [userId]);
    return BigInt(rows[0]!.total);
  }

  find(tx: Transaction, keys: string[]): Promise<StoredObjectEntity[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return tx
      .getRepository(StoredObjectEntity)
      .createQueryBuilder('o')
      .where('o.key IN (:...keys)', { keys })
      .getMany();
  }

  /** Inserts the rows, or replaces what is known about keys already catalogued. */
  async upsert(tx: Transaction, rows: CatalogueRow[]): Promise<void> {
    for (const row of rows) {
      await tx.query(
        `INSERT INTO stored_objects (key, user_id, recording_id, kind, size_bytes, checksum_sha256, content_type)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO UPDATE SET user_id = EXCLUDED.user_id, recording_id = EXCLUDED.recording_id, kind = EXCLUDED.kind,
           size_bytes = EXCLUDED.size_bytes, checksum_sha256 = EXCLUDED.checksum_sha256, content_type = EXCLUDED.content_type,
           updated_at = now()`,
        [row.key, row.userId, row.recordingId, row.kind, row.sizeBytes, row.checksumSha256, row.contentType],
      );
    }
  }

  /** Removes every row of one recording; returns how many and their bytes. */
  async deleteRecording(tx: Transaction, userId: string, recordingId: string): Promise<{ count: number; bytes: bigint }> {
    const rows: { count: number; bytes: string }[] = await tx.query(
      `WITH removed AS (DELETE FROM stored_objects WHERE user_id = $1 AND recording_id = $2 RETURNING size_bytes)
       SELECT count(*)::int AS count, COALESCE(SUM(size_bytes), 0)::text AS bytes FROM removed`,
      [userId, recordingId],
    );
    return { count: rows[0]!.count, bytes: BigInt(rows[0]!.bytes) };
  }

  /** Every row, for the orphan scan: key, owner, recording and size. */
  all(tx: Transaction): Promise<{ key: string; userId: string; recordingId: string; sizeBytes: string }[]> {
    return tx.query(`SELECT key, user_id AS "userId", recording_id AS "recordingId", size_bytes::text AS "sizeBytes" FROM stored_objects ORDER BY key`);
  }

  /** Removes the rows of these keys of one user; answers how many went. */
  async deleteKeys(tx: Transaction, userId: string, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const rows: unknown[] = await tx.query(`DELETE FROM stored_objects WHERE user_id = $1 AND key = ANY($2::text[]) RETURNING key`, [userId, keys]);
    return rows.length;
  }
}
