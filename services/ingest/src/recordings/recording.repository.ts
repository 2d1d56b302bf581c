import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RecordingStageEntity } from './recording-stage.entity';
import { RecordingEntity } from './recording.entity';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

/** Reads and writes the recording aggregate (the recording row and its stage rows). */
@Injectable()
export class RecordingRepository {
  /** Inserts the recording and its stages unless a recording with that id exists; true when inserted. */
  async insertIfAbsent(tx: Transaction, recording: RecordingEntity, stages: RecordingStageEntity[]): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .insert()
      .into(RecordingEntity)
      .values(recording)
      .orIgnore()
      .returning('id')
      .execute();
    if (result.raw.length === 0) return false;
    await tx.getRepository(RecordingStageEntity).save(stages);
    return true;
  }

  /** The recording, locked for the rest of the transaction so stage results apply one at a time. */
  lock(tx: Transaction, id: string): Promise<RecordingEntity | null> {
    return tx.getRepository(RecordingEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  find(tx: Transaction, id: string): Promise<RecordingEntity | null> {
    return tx.getRepository(RecordingEntity).findOne({ where: { id } });
  }

  stages(tx: Transaction, recordingId: string): Promise<RecordingStageEntity[]> {
    return tx.getRepository(RecordingStageEntity).find({ where: { recordingId } });
  }

  async save(tx: Transaction, recording: RecordingEntity, stages: Iterable<RecordingStageEntity> = []): Promise<void> {
    await tx.getRepository(RecordingEntity).save(recording);
    const changed = [...stages];
    if (changed.length > 0) await tx.getRepository(RecordingStageEntity).save(changed);
  }
}
