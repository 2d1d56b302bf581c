import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The progress event log behind the server-sent event streams. Each tenant has its own sequence
 * (`event_sequences`): the read-model projection takes the next number under the tenant's row
 * lock in the transaction that applies the event, so a tenant's events commit in sequence order
 * and a stream resuming after `Last-Event-ID` on any replica misses nothing. Rows older than
 * EVENTS_RETENTION are swept.
 */
export class GatewayProgressEvents1767657600000 implements MigrationInterface {
  readonly name = 'GatewayProgressEvents1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE event_sequences (user_id text PRIMARY KEY, last_seq bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE recording_events (
        user_id text NOT NULL,
        seq bigint NOT NULL,
        recording_id text NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, seq)
      )`);
    await q.query(`CREATE INDEX recording_events_recording_idx ON recording_events (recording_id, seq)`);
    await q.query(`CREATE INDEX recording_events_created_idx ON recording_events (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS recording_events`);
    await q.query(`DROP TABLE IF EXISTS event_sequences`);
  }
}
