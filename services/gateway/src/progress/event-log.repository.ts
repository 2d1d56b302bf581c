import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** The channel on which a committed event wakes the streams of every replica; the payload is the tenant. */
export const EVENTS_CHANNEL = 'gateway_recording_events';

/** What the projection appends: a public event of one recording, in the API's shape. */
export interface NewRecordingEvent {
  userId: string;
  recordingId: string;
  /** `recording.stage_changed` */
  type: string;
  data: Record<string, unknown>;
  /** When it happened (the bus message's time). */
  occurredAt: string;
}

export interface RecordingEvent {
  seq: number;
  recordingId: string;
  type: string;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * The per-tenant progress event log (see the migration): appended in the projection's
 * transaction, read by the streams after a sequence number.
 */
@Injectable()
export class EventLog {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends in `manager`'s transaction and answers the event's sequence number. The tenant's
   * counter row stays locked until the transaction commits, so the tenant's events commit in
   * sequence order; the notification goes out on commit.
   */
  async append(manager: EntityManager, event: NewRecordingEvent): Promise<number> {
    const [{ seq }] = (await manager.query(
      `INSERT INTO event_sequences AS s (user_id, last_seq) VALUES ($1, 1)
       ON CONFLICT (user_id) DO UPDATE SET last_seq = s.last_seq + 1 RETURNING last_seq AS seq`,
      [event.userId],
    )) as [{ seq: string }];
    await manager.query(`INSERT INTO recording_events (user_id, seq, recording_id, type, data, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      event.userId,
      seq,
      event.recordingId,
      event.type,
      JSON.stringify(event.data),
      event.occurredAt,
    ]);
    await manager.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, event.userId]);
    return Number(seq);
  }

  /** The tenant's events after `afterSeq`, oldest first (of one recording when given). */
  async after(userId: string, afterSeq: number, limit: number, recordingId?: string): Promise<RecordingEvent[]> {
    const rows: (Omit<RecordingEvent, 'seq'> & { seq: string })[] = await this.dataSource.query(
      `SELECT seq, recording_id AS "recordingId", type, data, occurred_at AS "occurredAt" FROM recording_events
       WHERE user_id = $1 AND seq > $2 ${recordingId ? 'AND recording_id = $4' : ''}
       ORDER BY seq LIMIT $3`,
      recordingId ? [userId, afterSeq, limit, recordingId] : [userId, afterSeq, limit],
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** The tenant's last sequence number (0 before its first event): where a stream that asks for nothing older starts. */
  async lastSeq(userId: string): Promise<number> {
    const rows: { seq: string }[] = await this.dataSource.query(`SELECT last_seq AS seq FROM event_sequences WHERE user_id = $1`, [userId]);
    return rows[0] ? Number(rows[0].seq) : 0;
  }

  /** The last sequence number of each of these tenants that has one. */
  lastSeqs(userIds: string[]): Promise<{ userId: string; seq: string }[]> {
    return this.dataSource.query(`SELECT user_id AS "userId", last_seq AS seq FROM event_sequences WHERE user_id = ANY($1)`, [userIds]);
  }

  /** The tenant's oldest event still kept, or undefined when none is. */
  async firstKept(userId: string): Promise<number | undefined> {
    const rows: { seq: string | null }[] = await this.dataSource.query(`SELECT min(seq) AS seq FROM recording_events WHERE user_id = $1`, [userId]);
    return rows[0]?.seq ? Number(rows[0].seq) : undefined;
  }

  /** Deletes up to `batch` events created before `cutoff`; answers how many went. */
  async sweep(cutoff: Date, batch: number): Promise<number> {
    const [{ count }] = (await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM recording_events WHERE (user_id, seq) IN (
           SELECT user_id, seq FROM recording_events WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1)
       SELECT count(*)::int AS count FROM gone`,
      [cutoff, batch],
    )) as [{ count: number }];
    return count;
  }
}
