import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PublicationEntity, type PublicationStatus } from './publication.entity';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

export interface PublicationOutcome {
  recordingId: string;
  targetId: string;
  userId: string;
  platform: string;
  status: PublicationStatus;
  location?: string;
  url?: string;
  externalId?: string;
  errorCode?: string;
  errorMessage?: string;
  publishedAt?: Date;
}

/** Reads and writes the outcome of each publish per recording and output target. */
@Injectable()
export class PublicationsRepository {
  /** Records the outcome, replacing the previous one for the same target. */
  async record(tx: Transaction, o: PublicationOutcome): Promise<void> {
    await tx.query(
      `INSERT INTO publications (recording_id, target_id, user_id, platform, status, location, url, external_id, error_code, error_message, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (recording_id, target_id) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
         status = EXCLUDED.status, location = EXCLUDED.location, url = EXCLUDED.url, external_id = EXCLUDED.external_id,
         error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, published_at = EXCLUDED.published_at,
         attempts = publications.attempts + 1, updated_at = now()`,
      [
        o.recordingId,
        o.targetId,
        o.userId,
        o.platform,
        o.status,
        o.location ?? null,
        o.url ?? null,
        o.externalId ?? null,
        o.errorCode ?? null,
        o.errorMessage ?? null,
        o.publishedAt ?? null,
      ],
    );
  }

  find(tx: Transaction, recordingId: string, targetId: string): Promise<PublicationEntity | null> {
    return tx.getRepository(PublicationEntity).findOne({ where: { recordingId, targetId } });
  }
}
