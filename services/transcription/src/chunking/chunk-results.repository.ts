import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RecognitionResult } from '../recognition/transcription-provider';
import type { ChunkTranscript } from './stitch';

/** Where finished chunks are kept until the transcript is written. */
export interface ChunkResults {
  /** The chunks of this plan already finished. */
  load(recordingId: string, planKey: string): Promise<ChunkTranscript[]>;
  /** Keeps a finished chunk; a chunk finished before keeps its first result. */
  save(recordingId: string, planKey: string, chunk: ChunkTranscript): Promise<void>;
}

interface Row {
  chunk_index: number;
  start_seconds: number;
  end_seconds: number;
  provider: string;
  model: string;
  result: RecognitionResult;
}

/** `transcript_chunks` in the service's schema. */
@Injectable()
export class ChunkResultsRepository implements ChunkResults {
  constructor(private readonly db: DataSource) {}

  async load(recordingId: string, planKey: string): Promise<ChunkTranscript[]> {
    const rows = (await this.db.query(
      `SELECT chunk_index, start_seconds, end_seconds, provider, model, result FROM transcript_chunks
       WHERE recording_id = $1 AND plan_key = $2 ORDER BY chunk_index`,
      [recordingId, planKey],
    )) as Row[];
    return rows.map((r) => ({ chunk: { index: r.chunk_index, start: r.start_seconds, end: r.end_seconds }, provider: r.provider, model: r.model, result: r.result }));
  }

  async save(recordingId: string, planKey: string, c: ChunkTranscript): Promise<void> {
    await this.db.query(
      `INSERT INTO transcript_chunks (recording_id, plan_key, chunk_index, start_seconds, end_seconds, provider, model, result)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [recordingId, planKey, c.chunk.index, c.chunk.start, c.chunk.end, c.provider, c.model, JSON.stringify(c.result)],
    );
  }

  /** Forgets a recording's chunks, in the transaction that commits its transcript (or deletes it). */
  async forget(tx: EntityManager, recordingId: string): Promise<void> {
    await tx.query(`DELETE FROM transcript_chunks WHERE recording_id = $1`, [recordingId]);
  }
}
