import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The warnings raised: one row per user, period, metric and threshold. The primary key is what
 * makes a warning go out once: the row is written in the transaction that puts
 * `quota.warning.raised.v1` in the outbox, so a second replica or a redelivery finds it there and
 * publishes nothing.
 */
export class QuotaWarnings1767860000000 implements MigrationInterface {
  readonly name = 'QuotaWarnings1767860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE warnings (
        user_id text NOT NULL,
        period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
        metric text NOT NULL,
        threshold_percent integer NOT NULL CHECK (threshold_percent BETWEEN 1 AND 100),
        used_value bigint NOT NULL,
        limit_value bigint NOT NULL,
        published boolean NOT NULL,
        raised_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, period, metric, threshold_percent)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS warnings`);
  }
}
